import Foundation
import LabIO
import LabNumerics
import Mechanisms
import Priors
import Workflows

/// Approximate Bayes–Nash equilibria by damped, sequential (Gauss–Seidel; Jacobi optional) best
/// response with common random numbers.
///
/// Each iteration draws N stratified profiles per agent; in each, the others bid their latest strategies
/// at their sampled costs; agent i's payment and workload as functions of its own bid are built
/// exactly (`OwnBidProfile`) and averaged (`AverageUtility`). At every knot c the utility on 257
/// bids in [c, hi] (averaged over the second half's iterations) gives a logit-smoothed best
/// response (uninformed knots follow the informed ones, `extrapolateUninformed`), the knot moves
/// toward it (bids below cost allowed, clamped to the support) by a decreasing damped step, and a running maximum keeps
/// the strategy monotone; the reported strategy is the mean of the last iterates (`averagingShare`: the second half by default). The
/// representatives update in agent order, each against the others' latest strategies
/// (`EquilibriumConfig.gaussSeidel`; with Jacobi all from the previous iteration's); an agent's
/// profiles run in parallel with results stored by index: output is identical for any thread
/// count. (A symmetric game has one representative, so there the two orders coincide.)
///
/// Measured on single-node first-price procurement (tests, K = 9, 60 iterations, seed 7): within
/// 0.7 % of the support of the closed form for n = 2 (N = 300), 0.62 % for n = 3 and 0.89 % for
/// n = 5 (N = 1000), 0.73 % for Beta(2,2), n = 2 (N = 1000).
public enum EquilibriumSolver {
    static let solverSalt: UInt64 = 0xE9_5017
    static let certificateSalt: UInt64 = 0xCE27_1F1C
    static let polishSalt: UInt64 = 0x9011_5B

    /// Computes strategies as described above and certifies them; `progress` gets each iteration's
    /// record. Cost: per iteration, agents × N own-bid profiles (each a few mechanism runs), plus
    /// the certificate's runs.
    /// - Throws: a `FieldError` naming the setting for invalid settings (``EquilibriumConfig/validate()``),
    ///   and the mechanism's errors.
    public static func solve(_ mechanism: any Mechanism, instance: Instance, config: EquilibriumConfig,
                             progress: (@Sendable (IterationRecord) -> Void)? = nil) throws -> EquilibriumResult {
        try config.validate()
        let m = instance.agentCount
        let ends = (0..<m).map { validEnds(instance.priors[$0]) }
        var knots = ends.map { knotGrid($0.0, $0.1, config.grid, lowerEnd: config.lowerEndKnot) }
        var strategies = (0..<m).map { BidFunction.truthful(knots[$0], floor: ends[$0].0, ceiling: ends[$0].1) }
        if config.warmStart && !mechanism.claimsTruthful { strategies = firstPriceStart(instance, knots: knots, ends: ends) }
        if let start = config.start, start.count == m, !mechanism.claimsTruthful {
            strategies = (0..<m).map { i in
                var bids: [Double] = []
                for c in knots[i] { bids.append(max(min(ends[i].1, max(ends[i].0, start[i].bid(c))), bids.last ?? -.infinity)) }
                return BidFunction(costs: knots[i], bids: bids, floor: ends[i].0, ceiling: ends[i].1)
            }
        }
        // Agents interchangeable in the game (same prior, tier and ρ) play one strategy: only the
        // first of each class (its representative) best-responds; the others copy it.
        let representative = config.symmetric ? symmetryClasses(instance) : Array(0..<m)
        // A representative learns from N × (class size) profiles, the work its class would have
        // done: with one shared strategy every member moves the same way, so its sampling error is
        // fed back by all of them at once (measured, first price n = 5, N = 1000: 1.8 % of the width
        // off the closed form with N profiles, 0.09 % with 5N, vs 0.89 % solving each agent alone).
        let count = (0..<m).map { i in config.samples * representative.filter { $0 == i }.count }
        let offset = count.reduce(into: [0]) { $0.append($0.last! + $1) }
        var history: [IterationRecord] = []
        var runs = 0
        if !mechanism.claimsTruthful {
            // Polyak–Ruppert: the reported strategy is the mean of the iterates of the last `averagingShare` (default: the second half),
            // which averages out the sampling noise of each iteration's best response.
            var sum = knots.map { Array(repeating: 0.0, count: $0.count) }
            // Per agent and knot: the utility on the knot's candidate bids, averaged over the
            // iterations of the second half (the first half uses each iteration's curve alone).
            // Why: the best response is a *nonlinear* function of the sampled utility curve, so its
            // sampling noise does not average out across iterations — with an asymmetric curve
            // (first price, n ≥ 3) it biased bids upward by ~1 % of the support at N = 300. The
            // curve is linear in the samples, so averaging it (N × T/2 samples by the end) removes
            // most of that bias; the steps are small by then, so the lag does not destabilise.
            var remembered: [[[Double]]] = knots.map { $0.map { _ in [] } }
            var remembering = 0
            // Per agent and knot: profiles (this iteration's, plus the remembered ones in the
            // second half) in which the knot's target bid and the top bid have different outcomes.
            var events = knots.map { Array(repeating: 0, count: $0.count) }
            var averaged = 0
            // Per agent: whether its payment has ignored its own bid in every profile so far
            // (`OwnBidProfile.paymentIgnoresBid`) and whether its bid ever changed its workload;
            // `polish` works on agents with both. Why the second: an agent that never wins at any
            // bid (S1's t2b and t2c under pay-as-bid) trivially has a constant payment, and the
            // polish only re-knots its strategy (same ε, 1 % more solver runs).
            var bidFreePayment = Array(repeating: true, count: m), responsive = Array(repeating: false, count: m)
            for t in 1...config.iterations {
                let current = strategies
                // Decreasing steps α/(1 + (t−1)/5): simultaneous best response in first-price-like
                // games overshoots and drifts away again once near the equilibrium (measured: the
                // in-sample ε fell to 0.5 % by iteration 6, then climbed to 4 % with a fixed α).
                let step = config.damping / (1 + Double(t - 1 + config.stepOffset) / 5)
                // Fresh profiles each iteration: agent i's from its own stream (t, i), common to
                // its knots and candidate bids. Why not one set shared by all agents: with shared
                // profiles the agents' best-response errors are correlated, so in a symmetric game
                // they all shift the same way and each one's response to the others' shift adds up
                // (measured, first price N = 1000, seeds 7/8: worst knot error n = 3 0.95/0.67 % →
                // 0.70/0.55 % with own streams; n = 5 needed `extrapolateUninformed` as well).
                let iterationSeed = SplitMix64.derive(master: config.seed, index: UInt64(t))
                let costs = (0..<m).map { i in
                    stratifiedCosts(instance, count: count[i], seed: SplitMix64.derive(master: iterationSeed, index: UInt64(i)), salt: solverSalt)
                }
                // Jacobi: every agent's profiles now, against `current`. Gauss–Seidel: each
                // representative's profiles in the loop below, against `latest` (see
                // `EquilibriumConfig.gaussSeidel`); appended in agent order, so `offset` holds.
                var perAgent: [OwnBidProfile] = config.gaussSeidel ? [] : try (0..<m).flatMap { i in
                    try ownBidProfiles(mechanism, instance: instance, agent: i, against: current, costs: costs[i], range: ends[i], config: config)
                }
                runs += perAgent.reduce(0) { $0 + $1.runs }
                // The strategies in force as the loop goes: `current` with the agents already
                // updated this iteration replaced by their new strategies.
                var latest = current
                var worst = 0.0, change = 0.0
                var next: [BidFunction] = []
                // Annealed smoothing: τ_t falls geometrically from `temperature` to
                // `temperature`·`annealing` at the last iteration. Why: early on the smoothing keeps
                // the indifferent lowest types from ratcheting; at the end its bias (a fixed share
                // of the utility spread: a corner best response is smoothed inward) should be small.
                let progressShare = config.iterations > 1 ? Double(t - 1) / Double(config.iterations - 1) : 1
                let temperature = config.temperature * pow(config.annealing, progressShare)
                for i in 0..<m {
                    defer { latest[i] = next[i] }
                    if representative[i] != i {
                        let r = representative[i]
                        next.append(BidFunction(costs: knots[i], bids: next[r].bids, floor: ends[i].0, ceiling: ends[i].1))
                        continue
                    }
                    if config.gaussSeidel {
                        let part = try ownBidProfiles(mechanism, instance: instance, agent: i, against: latest, costs: costs[i], range: ends[i], config: config)
                        perAgent += part
                        runs += part.reduce(0) { $0 + $1.runs }
                    }
                    let slice = perAgent[offset[i]..<offset[i + 1]]
                    if bidFreePayment[i] { bidFreePayment[i] = slice.allSatisfy(\.paymentIgnoresBid) }
                    if !responsive[i] { responsive[i] = slice.contains { $0.highestResponsiveBid != nil } }
                    let avg = AverageUtility(Array(slice))
                    var gain = 0.0, base = 0.0
                    var targets: [Double] = []
                    let accumulate = 2 * t > config.iterations && remembering > 0
                    for (k, c) in knots[i].enumerated() {
                        let old = current[i].bids[k]
                        let br = avg.bestResponse(cost: c, from: ends[i].0)
                        let uOld = avg.utility(bid: old, cost: c)
                        gain += max(0, br.utility - uOld); base += uOld
                        let bidsK = responseGrid(cost: c, bottom: ends[i].0, top: ends[i].1)
                        let fresh = bidsK.map { avg.utility(bid: $0, cost: c) }
                        let lambda = 2 * t > config.iterations ? 1 / Double(remembering + 1) : 1
                        remembered[i][k] = remembered[i][k].isEmpty ? fresh : zip(remembered[i][k], fresh).map { (1 - lambda) * $0 + lambda * $1 }
                        let target = smoothedResponse(bids: bidsK, utilities: remembered[i][k], cost: c, temperature: temperature)
                        // Evidence for the target: profiles in which bidding it instead of the top
                        // of the support changes the outcome (a type whose target still loses
                        // everything, paid nothing, has none; an underbid that wins has some).
                        let top = ends[i].1
                        let seen = slice.reduce(0) { $0 + ($1.responds(between: target, and: top) ? 1 : 0) }
                        events[i][k] = (accumulate ? events[i][k] : 0) + seen
                        targets.append(target)
                    }
                    let behind = Double(count[i] * (accumulate ? remembering + 1 : 1))
                    targets = extrapolateUninformed(targets, knots: knots[i], informed: events[i].map { Double($0) >= config.minEventShare * behind },
                                                    old: current[i].bids, ceiling: ends[i].1)
                    var bids: [Double] = []
                    for k in knots[i].indices {
                        let old = current[i].bids[k]
                        let new = min(ends[i].1, max(ends[i].0, old + step * (targets[k] - old)))
                        bids.append(max(new, bids.last ?? -.infinity))
                        change = max(change, abs(bids[k] - old))
                    }
                    worst = max(worst, base > 0 ? gain / base : (gain > 0 ? .infinity : 0))
                    next.append(BidFunction(costs: knots[i], bids: bids, floor: ends[i].0, ceiling: ends[i].1))
                }
                if 2 * t > config.iterations { remembering += 1 }
                let record = IterationRecord(iteration: t, relativeEpsilon: worst, maxChange: change)
                history.append(record)
                progress?(record)
                strategies = next
                if config.adaptiveKnots && t == max(1, config.iterations / 4) && 2 * t <= config.iterations {
                    for i in 0..<m where representative[i] == i {
                        let slice = perAgent[offset[i]..<offset[i + 1]]
                        // Only where the agent is never paid more than its bid (see `informedGrid`).
                        guard slice.allSatisfy(\.paysAtMostBid) else { continue }
                        let reach = slice.compactMap(\.highestResponsiveBid).max()
                        guard let reach, let grid = informedGrid(reach: reach, ends: ends[i], grid: config.grid, lowerEnd: config.lowerEndKnot) else { continue }
                        var bids: [Double] = []
                        for c in grid { bids.append(max(strategies[i].bid(c), bids.last ?? -.infinity)) }
                        for j in 0..<m where representative[j] == i {
                            knots[j] = grid
                            strategies[j] = BidFunction(costs: grid, bids: bids, floor: ends[j].0, ceiling: ends[j].1)
                            remembered[j] = grid.map { _ in [] }
                            events[j] = Array(repeating: 0, count: grid.count)
                        }
                    }
                    // Iterates on the old knots cannot be averaged with ones on the new knots: the
                    // average restarts here (it can have begun only when `averagingShare` > 3/4).
                    sum = knots.map { Array(repeating: 0.0, count: $0.count) }
                    averaged = 0
                }
                if worst <= config.stopTolerance { averaged = 0; break }
                if Double(t) > (1 - config.averagingShare) * Double(config.iterations) {
                    for i in 0..<m { for k in sum[i].indices { sum[i][k] += strategies[i].bids[k] } }
                    averaged += 1
                }
            }
            if averaged > 0 {
                strategies = (0..<m).map { i in
                    BidFunction(costs: knots[i], bids: sum[i].map { $0 / Double(averaged) }, floor: ends[i].0, ceiling: ends[i].1)
                }
            }
            let polished = Set((0..<m).filter { representative[$0] == $0 && bidFreePayment[$0] && responsive[$0] })
            if config.polishRounds > 0 && !polished.isEmpty {
                let p = try polish(mechanism, instance: instance, strategies: strategies, representative: representative,
                                   agents: polished, ends: ends, config: config)
                strategies = p.strategies
                runs += p.runs
            }
        }
        let (certificate, payments) = try certify(mechanism, instance: instance, strategies: strategies, config: config)
        return EquilibriumResult(mechanism: mechanism.name, agents: instance.agentIDs, strategies: strategies,
                                 truthfulShortcut: mechanism.claimsTruthful, iterations: history.count, history: history,
                                 certificate: certificate, payments: payments, solverRuns: runs)
    }

    /// `config.polishRounds` rounds, each replacing the strategy of every agent in `agents` (the
    /// representatives whose payment never moved with their own bid in the solver's profiles)
    /// by its exact sample-average best response to the others' current strategies, read on a
    /// fine type grid. Jacobi: all of them from the same previous strategies. Per agent, fresh
    /// stratified profiles (`polishSamples` × class size, from a stream of their own); at each
    /// type of the grid (the support's two ends and the midpoints of `polishCells` cells) the
    /// exact best response over the whole support (`AverageUtility.bestResponse`); a type whose
    /// best response changes its outcome against bidding the top in under `minEventShare` of the
    /// profiles keeps its current bid (a flat utility says nothing, as in
    /// `extrapolateUninformed`); a running maximum keeps the result monotone. The result is
    /// piecewise linear through the grid's types.
    ///
    /// Why: under Myopic the best bid of neighbouring types jumps (a type underbids to win a
    /// neighbour's node, or does not), and K knots interpolate across those jumps: on S1 and S4
    /// (seeds 1–4, table1-equilibrium settings, 1,000-profile stratified certificates) the mean of
    /// the largest relative ε was 1.38 % with the 19 certificate types and 3.24 % with 61 (types
    /// between knots are worse); one round on 8K = 72 cells took it to 0.01 % (max 0.03 %) with
    /// 19 types and 0.01 % (max 0.02 %) with 61; seeds 5–8 1.40 % → 0.01 % (max 0.04 %) with 19
    /// types, 3.29 % → 0.05 % (max 0.33 %) with 61. 36 cells left 0.27–0.30 % and 18 cells 1.58 %,
    /// 144 cells no better than 72; with 36 cells a second round gave 0.35 % and jumping between
    /// the grid types' bids where their utilities cross, instead of interpolating, 0.83 %.
    /// Why only where the payment ignores the bid: under pay-as-bid the exact best response sits
    /// just below a rival's bid, and all agents moving there at once undercut each other — one
    /// round took the same mean from 1.84 % to 16 % (16 % also with 2,000 profiles, so not
    /// sampling noise; a step of 0.2 toward the best response 2.2 %; moving only the types
    /// whose best response is the support's top 1.70 % on seeds 1–4 but 1.63 % against 1.56 %
    /// on seeds 5–8, i.e. no gain; each type's best response only among the bids of its two
    /// neighbouring knots 8.6 %: even local exact best responses pool at rivals' sampled bids).
    static func polish(_ mechanism: any Mechanism, instance: Instance, strategies start: [BidFunction], representative: [Int],
                       agents: Set<Int>, ends: [(Double, Double)], config: EquilibriumConfig) throws -> (strategies: [BidFunction], runs: Int) {
        let m = instance.agentCount
        let n = config.polishSampleCount
        let count = (0..<m).map { i in agents.contains(i) ? n * representative.filter { $0 == i }.count : 0 }
        let offset = count.reduce(into: [0]) { $0.append($0.last! + $1) }
        let cells = config.polishCellCount
        var strategies = start
        var runs = 0
        for r in 1...config.polishRounds {
            let current = strategies
            let roundSeed = SplitMix64.derive(master: config.seed, index: UInt64(r), salt: polishSalt)
            let costs = (0..<m).map { i in
                count[i] > 0 ? stratifiedCosts(instance, count: count[i], seed: SplitMix64.derive(master: roundSeed, index: UInt64(i)), salt: polishSalt) : []
            }
            let perAgent = try (0..<m).flatMap { i in
                try ownBidProfiles(mechanism, instance: instance, agent: i, against: current, costs: costs[i], range: ends[i], config: config)
            }
            runs += perAgent.reduce(0) { $0 + $1.runs }
            var next: [BidFunction] = []
            for i in 0..<m {
                let (lo, hi) = ends[i]
                let r = representative[i]
                guard agents.contains(r) else { next.append(current[i]); continue }
                if r != i {
                    next.append(BidFunction(costs: next[r].costs, bids: next[r].bids, floor: lo, ceiling: hi))
                    continue
                }
                let slice = Array(perAgent[offset[i]..<offset[i + 1]])
                let avg = AverageUtility(slice)
                let types = [lo] + knotGrid(lo, hi, cells) + [hi]
                var bids: [Double] = []
                for c in types {
                    let br = avg.bestResponse(cost: c, from: lo).bid
                    let seen = slice.reduce(0) { $0 + ($1.responds(between: br, and: hi) ? 1 : 0) }
                    let informed = seen > 0 && Double(seen) >= config.minEventShare * Double(slice.count)
                    bids.append(max(min(hi, max(lo, informed ? br : current[i].bid(c))), bids.last ?? -.infinity))
                }
                next.append(BidFunction(costs: types, bids: bids, floor: lo, ceiling: hi))
            }
            strategies = next
        }
        return (strategies, runs)
    }

    /// Agent i's own-bid profiles (`OwnBidProfile`), one per cost vector of `costs`, with every
    /// other agent bidding its strategy in `strategies` at its cost there; the profiles run in
    /// parallel, results stored by index (the same for any thread count). Shared by the damped
    /// iterations (both update orders), `polish` and the certificate.
    static func ownBidProfiles(_ mechanism: any Mechanism, instance: Instance, agent i: Int, against strategies: [BidFunction],
                               costs: [[Double]], range: (Double, Double), config: EquilibriumConfig) throws -> [OwnBidProfile] {
        try IndexedResults.map(count: costs.count, threads: config.threads) { p -> OwnBidProfile in
            try OwnBidProfile(mechanism, instance: profileInstance(instance, strategies: strategies, costs: costs[p]),
                              agent: i, range: range.0...range.1, options: config.options)
        }
    }

    /// For each agent, the first agent interchangeable with it: the same prior, tier and ρ (so the
    /// same capabilities and cost model, and the mechanism sees the two only through their bids).
    /// Why: in a game symmetric in those agents a symmetric equilibrium exists (the first-price
    /// closed forms are symmetric), and solving it once per class divides the solver's work by the
    /// class size. The certificate still scores every agent on its own.
    static func symmetryClasses(_ instance: Instance) -> [Int] {
        func same(_ i: Int, _ j: Int) -> Bool {
            instance.priorSpecs[j] == instance.priorSpecs[i] && instance.tiers[j] == instance.tiers[i] && instance.rho[j] == instance.rho[i]
        }
        return (0..<instance.agentCount).map { (i: Int) -> Int in (0..<i).first { same(i, $0) } ?? i }
    }

    /// The warm start b_i(c) = c + (hi_i − c)/n_i, the symmetric first-price equilibrium of n_i
    /// bidders with uniform costs on [lo, hi_i] (kept in the support), with n_i the agents able to do
    /// every node agent i can (tier ≥ tier_i): its competitors on its hardest nodes.
    /// Why: pay-as-bid is first price on each node, so this is the right order of shading from the
    /// first iteration; truthful bidding (the cold start) is the farthest point from it.
    static func firstPriceStart(_ instance: Instance, knots: [[Double]], ends: [(Double, Double)]) -> [BidFunction] {
        (0..<instance.agentCount).map { i in
            let n = Double(max(1, instance.tiers.filter { $0 >= instance.tiers[i] }.count))
            let hi = ends[i].1
            let bids: [Double] = knots[i].map { (c: Double) -> Double in min(hi, c + (hi - c) / n) }
            return BidFunction(costs: knots[i], bids: bids, floor: ends[i].0, ceiling: hi)
        }
    }

    /// The knots re-placed on the part of the support whose types can still win: K − 1 knots on
    /// [lo, reach] (`knotGrid`, same lower-end rule) and one at the support's top, where `reach`
    /// is the highest bid at which the agent's workload still differs from the top bid's in any
    /// of this iteration's sampled profiles; nil when `reach` leaves less than half a cell of
    /// the even grid above it (nothing to move) or is not above the support's bottom.
    /// Why: a type whose cost is above `reach` cannot profit from winning, so its bid only
    /// matters through the interpolation below it. S1's t3c cannot beat t3a (whose bids stop at
    /// t3a's own ceiling, 6.25) once its cost exceeds that, yet 6 of its 9 evenly spaced knots
    /// sat above it: its bid function interpolated across the kink, type 5.625 bid 6.52 and
    /// never won where 6.17 would have won often (in-sample gain 40 % of a typical type's
    /// utility). Measured on S1 and S4 pay-as-bid, seeds 1–4, 1,000-profile stratified
    /// certificates: the mean of the largest relative ε fell from 2.9 % to 1.65 %.
    /// Only for an agent never paid more than its bid in the iteration's profiles
    /// (`OwnBidProfile.paysAtMostBid`): under Myopic a high type gains by underbidding, so
    /// re-placing its knots left most of its types on an interpolation (table1-equilibrium, S1
    /// Myopic: median relative ε 1.2 % → 21 % when the knots were re-placed for every mechanism).
    static func informedGrid(reach: Double, ends: (Double, Double), grid: Int, lowerEnd: Bool) -> [Double]? {
        let (lo, hi) = ends
        guard grid >= 3, reach > lo, reach < hi - (hi - lo) / Double(2 * grid) else { return nil }
        return knotGrid(lo, reach, grid - 1, lowerEnd: lowerEnd) + [hi]
    }

    /// Targets of uninformed knots (less than `minEventShare` of the sampled profiles in which the
    /// target bid's outcome differs from the top bid's: a type that (almost) never wins at its target)
    /// are replaced by the least-squares line through the last three informed knots below and the
    /// anchor (ceiling, ceiling) — the top type bids the top — kept in [cost, ceiling]; with fewer
    /// than two informed knots below they stay put.
    /// Why: a flat sample utility makes every bid a best response, and the first maximiser (a low
    /// bid that still loses) dragged the top types far below cost — −19 % of the support at the
    /// top knot for n = 5 first price, where that type wins with probability ~1e-5 — and, through
    /// the others' bid distribution, the knots below them. Monotone equilibria are continuous
    /// there, so extrapolation is the neutral continuation; the certificate still scores those types.
    /// Why the anchor: the clamp to [cost, ceiling] already makes the top type bid the ceiling, and
    /// a line through noisy knots alone carried their noise, multiplied by the distance, to the top
    /// (three knots: 0.5–0.8 % of the width off the closed form at the top knot for n = 4, 5 first
    /// price; five knots: ≤ 0.32 % there, but −1.5 % on the curved Beta(2, 2) equilibrium).
    static func extrapolateUninformed(_ targets: [Double], knots: [Double], informed: [Bool], old: [Double], ceiling: Double) -> [Double] {
        var out = targets
        var seen: [Int] = []
        for k in knots.indices {
            if informed[k] { seen.append(k); continue }
            guard seen.count >= 2 else { out[k] = old[k]; continue }
            let xs = seen.suffix(3).map { knots[$0] } + [ceiling]
            let ys = seen.suffix(3).map { targets[$0] } + [ceiling]
            let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
            let sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
            let sxy = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            out[k] = min(ceiling, max(knots[k], my + sxy / sxx * (knots[k] - mx)))
        }
        return out
    }

    /// The candidate bids of a knot with cost c: 257 evenly spaced on [c, top], where a procurement
    /// equilibrium bid normally lies, and 64 on [bottom, c): bids below cost are searched too,
    /// since a mechanism can make them profitable (the paper's Myopic rewards underbidding to win
    /// a neighbour's node).
    static func responseGrid(cost c: Double, bottom: Double, top: Double) -> [Double] {
        let below = c > bottom ? (0..<64).map { bottom + (c - bottom) * Double($0) / 64 } : []
        return below + (top > c ? evenGrid(c, top, 257) : [c])
    }

    /// The logit-weighted mean of `bids` under weights exp((u − u_max)/τ), τ = `temperature` ×
    /// (u_max − min of u over the bids ≥ cost), so the smoothing is scale-free (the same for cheap
    /// and expensive agents, high and low types) and not widened by the large losses of bidding far
    /// below cost; the argmax when `temperature` is 0 or the utilities are flat.
    static func smoothedResponse(bids: [Double], utilities us: [Double], cost c: Double, temperature: Double) -> Double {
        let umax = us.max()!
        let umin = zip(bids, us).filter { $0.0 >= c }.map(\.1).min() ?? us.min()!
        let arg = bids[us.firstIndex(of: umax)!]
        guard temperature > 0, umax > umin else { return arg }
        let tau = temperature * (umax - umin)
        var sw = 0.0, sb = 0.0
        for (b, u) in zip(bids, us) { let w = exp((u - umax) / tau); sw += w; sb += w * b }
        return sb / sw
    }

    /// The ε-certificate of `strategies` and the payment comparison, on fresh profiles.
    ///
    /// Every agent is first scored on the first n profiles (`certificateSamples`). An agent whose
    /// relative-ε interval is wider than ± `target` is then scored again, alone, on the first
    /// n' = n·(half-width ÷ target)² profiles of the same stream, at most `certificateMaxSamples`
    /// (nil: no second pass), and that score is reported with its own count and interval.
    /// Why: agents that rarely win (S1's t2a earns ~1/20 of the others) have relative ε noise of
    /// several percent at n = 200 while the rest are at ±1–3 %, and the max over agents then
    /// reports noise; the extra profiles go only where the noise is. The rule looks at the
    /// interval's width, never at its centre, so it does not select for small ε.
    public static func certify(_ mechanism: any Mechanism, instance: Instance, strategies: [BidFunction],
                               config: EquilibriumConfig) throws -> (Certificate, PaymentComparison) {
        try config.validate()
        let m = instance.agentCount
        let n = config.certificateSamples ?? max(config.samples, 200)
        let cap = max(n, config.certificateMaxSamples ?? n)
        let typeCount = config.certificateTypes ?? 2 * config.grid + 1
        let bidCount = config.certificateBids ?? 4 * config.grid + 1
        let ends = (0..<m).map { validEnds(instance.priors[$0]) }
        let costs = sampleCosts(instance, count: cap, seed: config.seed, salt: certificateSalt)
        let types = ends.map { evenGrid($0.0, $0.1, typeCount) }
        var perAgent: [AgentCertificate] = []
        for i in 0..<m {
            func score(_ count: Int) throws -> AgentCertificate {
                try certifyAgent(mechanism, instance: instance, strategies: strategies, agent: i,
                                 costs: epsilonProfiles(instance, count: count, config: config, iid: costs),
                                 types: types[i], bidCount: bidCount, ends: ends[i], config: config)
            }
            var a = try score(n)
            let half = (a.relativeEpsilon.ciHigh - a.relativeEpsilon.ciLow) / 2
            if cap > n, a.equilibriumUtility.mean > 0, half.isFinite, half > config.target {
                let want = Double(n) * (half / config.target) * (half / config.target)
                let more = Int(min(Double(cap), want.rounded(.up)))
                if more > n { a = try score(more + more % 2) }
            }
            perAgent.append(a)
        }
        // Total payment at equilibrium vs truthful bids, on the first n profiles.
        let totals = try IndexedResults.map(count: n, threads: config.threads) { p -> (Double, Double) in
            let eq = try mechanism.run(profileInstance(instance, strategies: strategies, costs: costs[p]), options: config.options)
            let tr = try mechanism.run(truthfulInstance(instance, costs: costs[p], ends: ends), options: config.options)
            return (eq.totalPayment, tr.totalPayment)
        }
        let payments = PaymentComparison(equilibrium: Estimate(totals.map(\.0)), truthful: Estimate(totals.map(\.1)),
                                         difference: Estimate(totals.map { $0.0 - $0.1 }))
        return (Certificate(perAgent: perAgent, samples: n, types: typeCount, bids: bidCount, target: config.target), payments)
    }

    /// One agent's certificate on `costs` (the others bid their strategies): exact sample-average
    /// best responses over the whole support per type, two folds (even / odd profiles) that each
    /// pick a deviation per type scored on the other fold (cross-fitting, so ε is not inflated by
    /// a deviation tuned to the samples that score it), every utility from a direct run.
    static func certifyAgent(_ mechanism: any Mechanism, instance: Instance, strategies: [BidFunction], agent i: Int,
                             costs: [[Double]], types: [Double], bidCount: Int, ends: (Double, Double),
                             config: EquilibriumConfig, record: ((TypeGain) -> Void)? = nil) throws -> AgentCertificate {
        let n = costs.count, typeCount = types.count
        let profiles = try ownBidProfiles(mechanism, instance: instance, agent: i, against: strategies, costs: costs, range: ends, config: config)
        let folds = [stride(from: 0, to: n, by: 2).map { $0 }, stride(from: 1, to: n, by: 2).map { $0 }]
        let eqBids = types.map { strategies[i].bid($0) }
        let grid = evenGrid(ends.0, ends.1, bidCount)
        // Per fold: direct grid, equilibrium bids and the fold's own exact best responses.
        let foldCandidates = folds.map { fold -> [Double] in
            let avg = AverageUtility(fold.map { profiles[$0] })
            return Array(Set(grid + eqBids + types.map { avg.bestResponse(cost: $0, from: ends.0).bid })).sorted()
        }
        let cand = Array(Set(foldCandidates[0] + foldCandidates[1])).sorted()
        // Direct runs: every candidate bid on every profile (P and x per bid).
        let rows = try IndexedResults.map(count: n, threads: config.threads) { p -> [(p: Double, x: Double)] in
            let inst = profileInstance(instance, strategies: strategies, costs: costs[p])
            return try cand.map { b in
                let o = try mechanism.run(inst.withBid(i, b), options: config.options)
                return (o.payments[i], o.workloads[i])
            }
        }
        func mean(_ fold: [Int], _ j: Int, _ c: Double) -> Double {
            fold.reduce(0) { $0 + rows[$1][j].p - c * rows[$1][j].x } / Double(fold.count)
        }
        var gainPerProfile = Array(repeating: 0.0, count: n), eqPerProfile = gainPerProfile
        var inSample = 0.0
        var worst = (type: types[0], gain: -Double.infinity)
        let all = Array(0..<n)
        for c in types {
            let e = cand.firstIndex(of: strategies[i].bid(c))!
            for f in 0..<2 {
                // Fold f chooses among its own candidates; the other fold scores the choice.
                let allowed = foldCandidates[f].map { cand.firstIndex(of: $0)! }
                var best = e
                for j in allowed where mean(folds[f], j, c) > mean(folds[f], best, c) { best = j }
                for p in folds[1 - f] {
                    let ue = rows[p][e].p - c * rows[p][e].x
                    gainPerProfile[p] += (rows[p][best].p - c * rows[p][best].x - ue) / Double(typeCount)
                }
            }
            for p in 0..<n { eqPerProfile[p] += (rows[p][e].p - c * rows[p][e].x) / Double(typeCount) }
            // In-sample reference: the best candidate scored on all profiles (biased upward).
            let ue = mean(all, e, c)
            let scored = cand.indices.map { mean(all, $0, c) }
            let g = scored.max()! - ue
            inSample += max(0, g) / Double(typeCount)
            if let record {
                let j = scored.firstIndex(of: scored.max()!)!
                record(TypeGain(cost: c, bid: cand[e], utility: ue, deviation: cand[j], gain: g))
            }
            if g > worst.gain { worst = (c, g) }
        }
        let eps = Estimate(gainPerProfile), ueq = Estimate(eqPerProfile)
        let rel: Estimate
        if ueq.mean > 0 { rel = eps.scaled(by: ueq.mean) } else if eps.mean <= 0 { rel = Estimate(mean: 0, ciLow: 0, ciHigh: 0, count: n) } else {
            rel = Estimate(mean: .infinity, ciLow: .infinity, ciHigh: .infinity, count: n)
        }
        return AgentCertificate(agent: instance.agentIDs[i], epsilon: eps, equilibriumUtility: ueq, relativeEpsilon: rel,
                                inSampleEpsilon: inSample, worstType: worst.type, worstGain: worst.gain)
    }

    /// Per agent, per own type of the certificate's grid: the equilibrium bid, its mean utility,
    /// the best candidate bid scored on all of the certificate's profiles and its gain (the
    /// in-sample view behind ``AgentCertificate/inSampleEpsilon``), on the first
    /// `certificateSamples` profiles. A diagnostic: it shows *where* a strategy is worst.
    public static func typeGains(_ mechanism: any Mechanism, instance: Instance, strategies: [BidFunction],
                                 config: EquilibriumConfig) throws -> [[TypeGain]] {
        try config.validate()
        let m = instance.agentCount
        let n = config.certificateSamples ?? max(config.samples, 200)
        let ends = (0..<m).map { validEnds(instance.priors[$0]) }
        let costs = epsilonProfiles(instance, count: n, config: config,
                                    iid: sampleCosts(instance, count: n, seed: config.seed, salt: certificateSalt))
        return try (0..<m).map { i in
            var rows: [TypeGain] = []
            _ = try certifyAgent(mechanism, instance: instance, strategies: strategies, agent: i, costs: costs,
                                 types: evenGrid(ends[i].0, ends[i].1, config.certificateTypes ?? 2 * config.grid + 1),
                                 bidCount: config.certificateBids ?? 4 * config.grid + 1, ends: ends[i], config: config) { rows.append($0) }
            return rows
        }
    }

    /// `strategies` (of another instance with the same agents, e.g. a reference equilibrium)
    /// carried onto `instance`'s supports: each by the affine map of its support onto the agent's
    /// support here (``BidFunction/mapped(floor:ceiling:)``), exact when the two instances differ
    /// by a common price scale.
    public static func carry(_ strategies: [BidFunction], to instance: Instance) -> [BidFunction] {
        (0..<instance.agentCount).map { i in
            let (lo, hi) = validEnds(instance.priors[i])
            return strategies[i].mapped(floor: lo, ceiling: hi)
        }
    }

    /// `other`'s expected total payment at truthful bids on the certificate's profiles of
    /// `config` (the profiles ``certify(_:instance:strategies:config:)`` draws), and the paired
    /// difference `mechanism` at `strategies` − `other` at truthful bids, per profile.
    /// Why: Myerson's bound says no mechanism pays less at equilibrium than the optimal one (STAR)
    /// at truthful bids; on common profiles the paired difference is a tight test of it.
    public static func compareTruthful(_ other: any Mechanism, with mechanism: any Mechanism, instance: Instance,
                                       strategies: [BidFunction], config: EquilibriumConfig) throws -> (other: Estimate, difference: Estimate) {
        let n = config.certificateSamples ?? max(config.samples, 200)
        let ends = (0..<instance.agentCount).map { validEnds(instance.priors[$0]) }
        let costs = sampleCosts(instance, count: n, seed: config.seed, salt: certificateSalt)
        let totals = try IndexedResults.map(count: n, threads: config.threads) { p -> (Double, Double) in
            let eq = try mechanism.run(profileInstance(instance, strategies: strategies, costs: costs[p]), options: config.options)
            let tr = try other.run(truthfulInstance(instance, costs: costs[p], ends: ends), options: config.options)
            return (eq.totalPayment, tr.totalPayment)
        }
        return (Estimate(totals.map(\.1)), Estimate(totals.map { $0.0 - $0.1 }))
    }

    /// `count` profiles of true costs drawn from the priors, profile p from its own stream
    /// derived from (seed, salt, p), so any subset of profiles can be recomputed alone.
    public static func sampleCosts(_ instance: Instance, count: Int, seed: UInt64, salt: UInt64) -> [[Double]] {
        (0..<count).map { p in
            var g = SplitMix64(seed: SplitMix64.derive(master: seed, index: UInt64(p), salt: salt))
            return (0..<instance.agentCount).map { i in
                let prior = instance.priors[i].prior
                var c = prior.sample(using: &g)
                var tries = 0
                while prior.pdf(c) <= 0 && tries < 100 { c = prior.sample(using: &g); tries += 1 }
                return c
            }
        }
    }

    /// The first `count` profiles the certificate scores ε on: `certificateProfiles` when
    /// `config.stratifiedCertificate`, else the first `count` of the i.i.d. profiles `iid`.
    static func epsilonProfiles(_ instance: Instance, count: Int, config: EquilibriumConfig, iid: [[Double]]) -> [[Double]] {
        config.stratifiedCertificate ? certificateProfiles(instance, count: count, seed: config.seed) : Array(iid.prefix(count))
    }

    /// The certificate's ε profiles when stratified: two independent stratified designs
    /// (`stratifiedCosts`) of ⌈count/2⌉ and ⌊count/2⌋ profiles, interleaved so the even profiles
    /// are one and the odd the other — the certificate's two cross-fitting folds.
    /// Why: ε is a mean of sparse, large per-profile differences (a deviation changes the outcome
    /// only where a rival's bid falls between the two bids), and its noise at 200 i.i.d. profiles
    /// (±1–3 % relative, ±6 % for an agent that rarely wins) swamped the 1 % target. Stratifying
    /// each rival's cost removes the part of that variance carried by each cost alone; every
    /// profile is still a draw from the priors, so each fold's mean is unbiased, and the folds stay
    /// independent (separate designs), so cross-fitting keeps its meaning. The t-interval computed
    /// as if the profiles were i.i.d. is then conservative (a stratified design's variance is at
    /// most n/(n−1) times the i.i.d. one, and usually much smaller).
    static func certificateProfiles(_ instance: Instance, count n: Int, seed: UInt64) -> [[Double]] {
        let even = stratifiedCosts(instance, count: (n + 1) / 2, seed: SplitMix64.derive(master: seed, index: UInt64(n)), salt: certificateSalt ^ 0xE7E)
        let odd = stratifiedCosts(instance, count: n / 2, seed: SplitMix64.derive(master: seed, index: UInt64(n)), salt: certificateSalt ^ 0x0DD)
        var out: [[Double]] = []
        out.reserveCapacity(n)
        for p in 0..<n { out.append(p % 2 == 0 ? even[p / 2] : odd[p / 2]) }
        return out
    }

    /// `count` profiles in which each agent's costs are stratified (Latin hypercube): agent j's
    /// quantile in profile p is (π_j(p) + U)/count for a seeded permutation π_j. Why: the best
    /// response depends on the others' bid *distribution*, whose empirical error is O(1/N) per
    /// agent with stratification instead of O(1/√N), which is most of the solver's noise.
    /// (The certificate keeps plain i.i.d. profiles, so its t-intervals are valid.)
    static func stratifiedCosts(_ instance: Instance, count n: Int, seed: UInt64, salt: UInt64) -> [[Double]] {
        var columns: [[Double]] = []
        for j in 0..<instance.agentCount {
            var g = SplitMix64(seed: SplitMix64.derive(master: seed, index: UInt64(j), salt: salt))
            var perm = Array(0..<n)
            if n > 1 { for k in stride(from: n - 1, to: 0, by: -1) { perm.swapAt(k, Int(g.next() % UInt64(k + 1))) } }
            let prior = instance.priors[j].prior
            columns.append((0..<n).map { p in
                var c = prior.quantile((Double(perm[p]) + g.nextOpenUnit()) / Double(n))
                var tries = 0
                while prior.pdf(c) <= 0 && tries < 100 { c = prior.sample(using: &g); tries += 1 }
                return c
            })
        }
        return (0..<n).map { p in columns.map { $0[p] } }
    }

    /// The instance with every agent bidding its strategy at its cost in `costs`.
    static func profileInstance(_ base: Instance, strategies: [BidFunction], costs: [Double]) -> Instance {
        var inst = base
        for i in 0..<base.agentCount { inst = inst.withBid(i, strategies[i].bid(costs[i])) }
        return inst
    }

    /// The instance with every agent bidding its true cost (kept inside the valid ends).
    static func truthfulInstance(_ base: Instance, costs: [Double], ends: [(Double, Double)]) -> Instance {
        var inst = base
        for i in 0..<base.agentCount { inst = inst.withBid(i, min(ends[i].1, max(ends[i].0, costs[i]))) }
        return inst
    }

}
