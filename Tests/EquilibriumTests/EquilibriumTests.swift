import Foundation
import Testing
import TestSupport
import LabIO
import LabNumerics
import Mechanisms
import Priors
import Workflows
@testable import Equilibrium

/// One node, `n` identical agents whose workload is 1 when they win: first-price procurement.
func singleNode(_ n: Int, prior: PriorSpec, bid: Double) throws -> Instance {
    let agents = (0..<n).map { AgentSpec(id: "a\($0)", tier: 1, rho: 0, bid: bid, prior: prior) }
    return try Instance(spec: InstanceSpec(agents: agents, nodes: [NodeSpec(id: "v", difficulty: 1, inputTokens: 0, outputTokens: 1)],
                                           edges: []))
}

/// Three agents U[1, 2] on one node bidding 1.2, 1.6 and 1.8: agent 0 wins, the runner-up bids 1.6.
func oneNodeThreeBids() throws -> Instance {
    let agents = (0..<3).map { AgentSpec(id: "a\($0)", tier: 1, rho: 0, bid: [1.2, 1.6, 1.8][$0], prior: .uniform(low: 1, high: 2)) }
    return try Instance(spec: InstanceSpec(agents: agents, nodes: [NodeSpec(id: "v", difficulty: 1, inputTokens: 0, outputTokens: 1)], edges: []))
}

/// Composite Simpson on [a, b] with `m` (even) panels — written here so the reference bid
/// function does not share any numerics with the library (no GSL).
func simpson(_ f: (Double) -> Double, _ a: Double, _ b: Double, panels m: Int = 400) -> Double {
    guard b > a else { return 0 }
    let h = (b - a) / Double(m)
    var s = f(a) + f(b)
    for k in 1..<m { s += (k % 2 == 1 ? 4 : 2) * f(a + Double(k) * h) }
    return s * h / 3
}

/// The symmetric first-price procurement equilibrium b(c) = c + ∫_c^hi (1−F)^(n−1) / (1−F(c))^(n−1).
func firstPriceBid(_ c: Double, hi: Double, n: Int, cdf: (Double) -> Double) -> Double {
    let den = pow(1 - cdf(c), Double(n - 1))
    guard den > 1e-12 else { return hi }
    return c + simpson({ pow(1 - cdf($0), Double(n - 1)) }, c, hi) / den
}

@Suite("Equilibrium: closed forms, revenue equivalence, certificates")
struct EquilibriumTests {
    static let config = EquilibriumConfig(grid: 9, samples: 300, iterations: 60, damping: 0.5, seed: 7, threads: 2,
                                          certificateSamples: 400)

    /// The closed-form settings: N = 1000 profiles per agent (pooled per symmetry class), every
    /// one of the 60 iterations run (no early stop, so the second half is always averaged), and
    /// top knots extrapolated unless 3 % of the profiles inform them.
    static let tight = EquilibriumConfig(grid: 9, samples: 1000, iterations: 60, damping: 0.5, seed: 7, threads: 2, stopTolerance: 0,
                                         certificateSamples: 400, minEventShare: 0.03)

    @Test("pay-as-bid, U[1, 2], n = 2…5: b(c) = c + (hi − c)/n within 0.5 % of the width; payment = STAR's", .tags(.slow), .fullLaneOnly, arguments: [2, 3, 4, 5])
    func uniformFirstPrice(n: Int) throws {
        let (lo, hi) = (1.0, 2.0)
        let inst = try singleNode(n, prior: .uniform(low: lo, high: hi), bid: 1.5)
        let r = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: Self.tight)
        var worst = 0.0
        for s in r.strategies {
            for (c, b) in zip(s.costs, s.bids) { worst = max(worst, abs(b - (c + (hi - c) / Double(n))) / (hi - lo)) }
        }
        print("n=\(n): iterations \(r.iterations), worst knot error \(worst) of the width, relative ε \(r.certificate.perAgent.map { "\($0.relativeEpsilon.mean) [\($0.relativeEpsilon.ciLow), \($0.relativeEpsilon.ciHigh)] in-sample \($0.inSampleEpsilon / $0.equilibriumUtility.mean)" }), runs \(r.solverRuns)")
        // Measured (release build, `tight`, seeds 7 / 8), worst knot: n = 2 0.27 / 0.28 %, n = 3
        // 0.22 / 0.21 %, n = 4 0.19 / 0.31 %, n = 5 0.29 / 0.23 % of the width.
        #expect(worst <= 0.005, "worst knot error \(worst) of the width")
        // Symmetric agents share one strategy.
        for s in r.strategies { #expect(s.bids == r.strategies[0].bids) }
        #expect(r.converged, "relative ε \(r.certificate.maxRelativeEpsilon)")
        // Revenue equivalence: STAR at truthful bids vs pay-as-bid at the learned equilibrium on the
        // same 4000 profiles (a stream of their own; only two runs per profile, so many are cheap).
        let costs = EquilibriumSolver.sampleCosts(inst, count: 4000, seed: Self.config.seed, salt: 0x7E57)
        var diffs: [Double] = [], star: [Double] = []
        for c in costs {
            var t = inst
            for i in 0..<n { t = t.withBid(i, c[i]) }
            let ps = try STAR().run(t, options: .init()).totalPayment
            let pe = try PayAsBid().run(EquilibriumSolver.profileInstance(inst, strategies: r.strategies, costs: c), options: .init()).totalPayment
            star.append(ps); diffs.append(pe - ps)
        }
        let s = Summary(star), d = Summary(diffs)
        let e = r.payments.equilibrium
        print("n=\(n): E[payment] pay-as-bid at equilibrium \(e.mean) [\(e.ciLow), \(e.ciHigh)], STAR truthful \(s.mean) [\(s.ciLow), \(s.ciHigh)], paired difference \(d.mean) [\(d.ciLow), \(d.ciHigh)], pay-as-bid truthful \(r.payments.truthful.mean)")
        #expect(d.ciLow <= 0 && 0 <= d.ciHigh, "paired difference equilibrium − STAR \(d.mean), 95% CI [\(d.ciLow), \(d.ciHigh)]")
        // At truthful bids pay-as-bid looks cheaper than STAR: the comparison this module corrects.
        #expect(r.payments.truthful.mean < s.mean)
    }

    /// Two bidders with values U[0, ω₁] and U[0, ω₂] in a first-price auction (Griesmer, Levitan &
    /// Shubik 1967; Krishna, *Auction Theory*, 2nd ed., §4.3; the family Kaplan & Zamir 2012 solve
    /// in general): inverse bids v₁(β) = 2β/(1 + Kβ²), v₂(β) = 2β/(1 − Kβ²), K = 1/ω₁² − 1/ω₂²,
    /// common top bid ω₁ω₂/(ω₁ + ω₂). Procurement with costs c = H − v (supports [H − ω, H]) is the
    /// mirror image: bid p(c) = H − β(H − c). Solved for β here (the root that tends to v/2 as K → 0).
    static func asymmetricBid(cost c: Double, top h: Double, own: Double, other: Double) -> Double {
        let k = 1 / (own * own) - 1 / (other * other)
        let v = h - c
        guard v > 0 else { return h }
        // v(1 + kβ²) = 2β ⇒ β = (1 − √(1 − k v²)) / (k v).
        let beta = abs(k) < 1e-12 ? v / 2 : (1 - (1 - k * v * v).squareRoot()) / (k * v)
        return h - beta
    }

    @Test("pay-as-bid, asymmetric U[1, 2] vs U[1.5, 2]: the Griesmer–Levitan–Shubik equilibrium within 0.75 % of the cost range", .tags(.slow), .fullLaneOnly)
    func asymmetricFirstPrice() throws {
        let agents = [AgentSpec(id: "strong", tier: 1, rho: 0, bid: 1.5, prior: .uniform(low: 1, high: 2)),
                      AgentSpec(id: "weak", tier: 1, rho: 0, bid: 1.75, prior: .uniform(low: 1.5, high: 2))]
        let inst = try Instance(spec: InstanceSpec(agents: agents, nodes: [NodeSpec(id: "v", difficulty: 1, inputTokens: 0, outputTokens: 1)], edges: []))
        let r = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: Self.tight)
        let omega = [1.0, 0.5]
        var worst = 0.0
        for (i, s) in r.strategies.enumerated() {
            for (c, b) in zip(s.costs, s.bids) {
                worst = max(worst, abs(b - Self.asymmetricBid(cost: c, top: 2, own: omega[i], other: omega[1 - i])))
            }
        }
        print("asymmetric: worst knot error \(worst) (cost range 1), relative ε \(r.certificate.maxRelativeEpsilon)")
        // The closed form itself, checked on its defining property: each bidder's inverse bid
        // solves the other's first-order condition (v_i − β)·v_j'(β) = v_j(β) (numerical derivative).
        let k = 1 - 1 / 0.25
        let v1 = { (x: Double) in 2 * x / (1 + k * x * x) }, v2 = { (x: Double) in 2 * x / (1 - k * x * x) }
        for x in [0.05, 0.15, 0.3] {
            let h = 1e-6
            #expect(abs((v1(x) - x) * (v2(x + h) - v2(x - h)) / (2 * h) - v2(x)) < 1e-6)
            #expect(abs((v2(x) - x) * (v1(x + h) - v1(x - h)) / (2 * h) - v1(x)) < 1e-6)
        }
        // Measured (release build, `tight`, seeds 7 / 8): 0.0050 / 0.0051, at the weak bidder's lowest knot
        // (the same on both seeds: the piecewise-linear bid functions' own error, not sampling; K = 13
        // and 17 were worse).
        #expect(worst <= 0.0075, "worst knot error \(worst)")
        #expect(r.converged, "relative ε \(r.certificate.maxRelativeEpsilon)")
    }

    @Test("pay-as-bid, Beta(2, 2) on [0, 1], n = 2: matches the quadrature of the first-price formula within 1 % of the width", .tags(.slow), .fullLaneOnly)
    func betaFirstPrice() throws {
        let n = 2
        let inst = try singleNode(n, prior: .beta(alpha: 2, beta: 2, low: 0, high: 1), bid: 0.5)
        var config = Self.config
        config.samples = 1000  // 300 gave 1.7 % at the top knot; 1000: 0.76 %
        let r = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config)
        let cdf = { (t: Double) in t <= 0 ? 0 : t >= 1 ? 1 : 3 * t * t - 2 * t * t * t }
        var worst = 0.0
        for s in r.strategies {
            for (c, b) in zip(s.costs, s.bids) { worst = max(worst, abs(b - firstPriceBid(c, hi: 1, n: n, cdf: cdf))) }
        }
        print("beta: iterations \(r.iterations), worst knot error \(worst), relative ε \(r.certificate.maxRelativeEpsilon)")
        #expect(worst <= 0.01, "worst knot error \(worst) of the width")
        #expect(r.converged, "relative ε \(r.certificate.maxRelativeEpsilon)")
    }

    @Test("a DSIC mechanism (star): truthful bidding reported without iterating, ε ≈ 0", .tags(.slow), .fullLaneOnly)
    func dsicShortcut() throws {
        let inst = try singleNode(3, prior: .uniform(low: 1, high: 2), bid: 1.5)
        let r = try EquilibriumSolver.solve(STAR(), instance: inst, config: Self.config)
        #expect(r.truthfulShortcut)
        #expect(r.iterations == 0)
        for s in r.strategies { #expect(s.bids == s.costs) }
        print("star: max ε \(r.certificate.maxEpsilon), relative \(r.certificate.maxRelativeEpsilon)")
        #expect(r.certificate.maxRelativeEpsilon <= 1e-9)
        #expect(r.converged)
        // DSIC: the equilibrium is truthful bidding, so the two payments coincide.
        #expect(r.payments.difference.mean == 0)
    }

    @Test("the certificate catches bad strategies: truthful and half-shaded bids under pay-as-bid", .tags(.slow), .fullLaneOnly)
    func certificateCatchesBadStrategies() throws {
        let n = 2
        let inst = try singleNode(n, prior: .uniform(low: 1, high: 2), bid: 1.5)
        let knots = knotGrid(1, 2, 9)
        let truthful = Array(repeating: BidFunction.truthful(knots, floor: 1, ceiling: 2), count: n)
        let (ct, _) = try EquilibriumSolver.certify(PayAsBid(), instance: inst, strategies: truthful, config: Self.config)
        // Truthful bidding earns nothing under pay-as-bid: any gain is infinitely many times that.
        print("truthful: ε \(ct.maxEpsilon), relative \(ct.maxRelativeEpsilon)")
        #expect(ct.maxEpsilon > 0.05)
        #expect(ct.maxRelativeEpsilon > 0.01)
        #expect(!ct.converged)
        let half = Array(repeating: BidFunction(costs: knots, bids: knots.map { $0 + 0.5 * (2 - $0) / Double(n) }, floor: 1, ceiling: 2), count: n)
        let (ch, _) = try EquilibriumSolver.certify(PayAsBid(), instance: inst, strategies: half, config: Self.config)
        print("half-shaded: ε \(ch.maxEpsilon), relative \(ch.maxRelativeEpsilon)")
        #expect(ch.maxRelativeEpsilon > 0.05)
        #expect(ch.perAgent.allSatisfy { $0.relativeEpsilon.ciLow > 0.01 })
        #expect(!ch.converged)
    }

    @Test("symmetry classes: the same prior, tier and ρ share a representative; any difference splits")
    func classes() throws {
        let u = PriorSpec.uniform(low: 1, high: 2)
        let agents = [AgentSpec(id: "a", tier: 1, rho: 0, bid: 1.5, prior: u), AgentSpec(id: "b", tier: 1, rho: 0, bid: 1.2, prior: u),
                      AgentSpec(id: "c", tier: 1, rho: 0, bid: 1.5, prior: .uniform(low: 1, high: 2.5)), AgentSpec(id: "d", tier: 2, rho: 0, bid: 1.5, prior: u),
                      AgentSpec(id: "e", tier: 1, rho: 0.5, bid: 1.5, prior: u), AgentSpec(id: "f", tier: 1, rho: 0, bid: 1.9, prior: u)]
        let inst = try Instance(spec: InstanceSpec(agents: agents, nodes: [NodeSpec(id: "v", difficulty: 1, inputTokens: 1, outputTokens: 1)], edges: []))
        #expect(EquilibriumSolver.symmetryClasses(inst) == [0, 0, 2, 3, 4, 0])
    }

    @Test("uninformed knots follow the least-squares line of the last three informed ones and the top anchor, kept in [cost, ceiling]")
    func extrapolation() {
        let knots = (0..<8).map { 1 + Double($0) / 8 }
        // Informed knots 0…4 on b = 0.5·c + 1, which passes through the anchor (2, 2), with noise that
        // cancels in the fit of knots 2…4 and the anchor (residuals (+1, −2, +1, 0)·0.01 are orthogonal
        // to 1 and c), but not in a line through two of them or through all five.
        let line = { (c: Double) in 0.5 * c + 1 }
        let noise = [0.3, -0.2, 0.01, -0.02, 0.01]
        var targets = knots.map { _ in -5.0 }
        for k in 0..<5 { targets[k] = line(knots[k]) + noise[k] }
        let informed = (0..<8).map { $0 < 5 }
        let out = EquilibriumSolver.extrapolateUninformed(targets, knots: knots, informed: informed, old: knots, ceiling: 2)
        for k in 0..<5 { #expect(out[k] == targets[k]) }
        for k in 5..<8 { #expect(abs(out[k] - line(knots[k])) < 1e-12, "knot \(k): \(out[k])") }
        // Kept in [cost, ceiling]: informed knots bidding below cost give a line below cost at knot 3,
        // raised to the cost there.
        let falling = EquilibriumSolver.extrapolateUninformed([0.6, 0.5, 0.4, 0, 0, 0, 0, 0], knots: knots, informed: (0..<8).map { $0 < 3 },
                                                              old: knots, ceiling: 2)
        for k in 3..<8 { #expect(falling[k] >= knots[k] && falling[k] <= 2, "knot \(k): \(falling[k])") }
        #expect(falling[3] == knots[3])
        // Fewer than two informed knots below: the old bids stay.
        let few = EquilibriumSolver.extrapolateUninformed(targets, knots: knots, informed: [true] + Array(repeating: false, count: 7), old: knots, ceiling: 2)
        #expect(Array(few.dropFirst()) == Array(knots.dropFirst()))
    }

    @Test("deterministic whatever the thread count")
    func threadInvariance() throws {
        let inst = try singleNode(2, prior: .uniform(low: 1, high: 2), bid: 1.5)
        var c = EquilibriumConfig(grid: 5, samples: 40, iterations: 3, seed: 3, threads: 1, certificateSamples: 40)
        let a = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: c)
        c.threads = 2
        let b = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: c)
        #expect(a.strategies == b.strategies)
        #expect(a.certificate == b.certificate)
        #expect(a.payments == b.payments)
    }

    @Test("bad settings are refused naming the field")
    func badSettings() throws {
        let inst = try singleNode(2, prior: .uniform(low: 1, high: 2), bid: 1.5)
        for (c, field) in [(EquilibriumConfig(grid: 1), "grid"), (EquilibriumConfig(samples: 0), "samples"),
                           (EquilibriumConfig(iterations: 0), "iterations"), (EquilibriumConfig(damping: 0), "damping")] {
            #expect(throws: FieldError.self) { try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: c) }
            do { try c.validate(); Issue.record("\(field): accepted") } catch let e as FieldError {
                #expect(e.field == field && e.description.hasPrefix("`\(field)` must be"), "\(e)")
            }
        }
    }
}

@Suite("Equilibrium: Myopic on a small workflow")
struct MyopicEquilibriumTests {
    @Test("Myopic on a 3-node chain: certified equilibrium, and Myerson's bound E[payment] ≥ STAR's (paired)", .tags(.slow), .fullLaneOnly)
    func myopicChain() throws {
        let priors: [PriorSpec] = [.uniform(low: 1, high: 3), .uniform(low: 1.5, high: 4), .uniform(low: 1, high: 5)]
        let agents = priors.enumerated().map { AgentSpec(id: "a\($0.offset)", tier: 1, rho: 0.5, bid: 2.5, prior: $0.element) }
        let nodes = (0..<3).map { NodeSpec(id: "v\($0)", difficulty: 1, inputTokens: 2, outputTokens: 1) }
        let inst = try Instance(spec: InstanceSpec(agents: agents, nodes: nodes,
                                                   edges: [EdgeSpec(from: "v0", to: "v1"), EdgeSpec(from: "v1", to: "v2")]))
        let config = EquilibriumConfig(grid: 7, samples: 150, iterations: 30, seed: 11, threads: 2, certificateSamples: 300)
        let r = try EquilibriumSolver.solve(Myopic(), instance: inst, config: config)
        let costs = EquilibriumSolver.sampleCosts(inst, count: 2000, seed: 11, salt: 0x7E58)
        var diffs: [Double] = []
        for c in costs {
            var t = inst
            for i in 0..<3 { t = t.withBid(i, c[i]) }
            let star = try STAR().run(t, options: .init()).totalPayment
            let eq = try Myopic().run(EquilibriumSolver.profileInstance(inst, strategies: r.strategies, costs: c), options: .init()).totalPayment
            diffs.append(eq - star)
        }
        let d = Summary(diffs)
        print("myopic chain: iterations \(r.iterations), max relative ε \(r.certificate.maxRelativeEpsilon), E[eq] \(r.payments.equilibrium.mean) vs truthful \(r.payments.truthful.mean); eq − STAR \(d.mean) [\(d.ciLow), \(d.ciHigh)]")
        for (id, s) in zip(r.agents, r.strategies) { print(id, s.costs.map { String(format: "%.2f", $0) }, s.bids.map { String(format: "%.3f", $0) }) }
        #expect(r.converged, "max relative ε \(r.certificate.maxRelativeEpsilon)")
        #expect(d.ciHigh >= 0, "Myopic at equilibrium pays less than STAR: \(d.mean) [\(d.ciLow), \(d.ciHigh)]")
    }
}

/// Myerson's bound on a small subset (issue 14): with independent private costs no mechanism's
/// expected payment at a Bayes–Nash equilibrium is below STAR's. Random 3-node workflows with one
/// agent per tier: asymmetric supports, one agent's prior irregular (ironed by STAR).
@Suite("Equilibrium: Myerson's bound on random small workflows")
struct MyersonBoundTests {
    static func instance(_ k: Int) throws -> (Instance, String) {
        var g = SplitMix64(seed: SplitMix64.derive(master: 14, index: UInt64(k)))
        var spec = RandomWorkflow.instance([.chain, .tree, .dag][k % 3], nodes: 3, perTier: 1, using: &g)
        let j = k % spec.agents.count
        if case let .uniform(lo, hi) = spec.agents[j].prior {
            spec.agents[j].prior = try PriorZoo.spec("ironing-mixture", low: lo, high: hi)
        }
        return (try Instance(spec: spec), "\(spec)")
    }

    @Test("pay-as-bid and Myopic at their equilibria pay at least STAR's expected payment (paired, 95 %)", .tags(.slow), .fullLaneOnly,
          arguments: [0, 1, 2])
    func bound(k: Int) throws {
        let (inst, text) = try Self.instance(k)
        let config = EquilibriumConfig(grid: 7, samples: 400, iterations: 60, seed: 21, threads: 2, certificateSamples: 400)
        let costs = EquilibriumSolver.sampleCosts(inst, count: 1000, seed: 21, salt: 0x7E59)
        for mech in [PayAsBid(), Myopic()] as [any Mechanism] {
            let r = try EquilibriumSolver.solve(mech, instance: inst, config: config)
            var diffs: [Double] = [], starPayments: [Double] = []
            var lowestBidWork = Array(repeating: 0.0, count: inst.agentCount)
            for (p, c) in costs.enumerated() {
                var t = inst
                for i in 0..<inst.agentCount { t = t.withBid(i, c[i]) }
                let star = try STAR().run(t, options: .init()).totalPayment
                let atEq = EquilibriumSolver.profileInstance(inst, strategies: r.strategies, costs: c)
                let eq = try mech.run(atEq, options: .init()).totalPayment
                diffs.append(eq - star); starPayments.append(star)
                guard p < 250 else { continue }   // q̄_i: an estimate, on the first 250 profiles
                for i in 0..<inst.agentCount {
                    lowestBidWork[i] += try mech.run(atEq.withBid(i, r.strategies[i].floor), options: .init()).workloads[i] / 250
                }
            }
            let stars = Summary(starPayments)
            let d = Summary(diffs)
            // ε-slack of an approximate equilibrium (derivation: `MyersonStudy.slackBound`; computed
            // here on its own): E[STAR] − E[eq] ≤ Σ_i (E_f[ε_i] + 2·√(q̄_i·W_i·ε̄_i)), with E_f[ε_i] ≤ the
            // largest per-type gain, ε̄_i the upper end of ε_i's interval, q̄_i the workload at the lowest bid.
            var slack = 0.0
            for (i, a) in r.certificate.perAgent.enumerated() {
                let width = r.strategies[i].ceiling - r.strategies[i].floor
                slack += max(0, a.worstGain) + 2 * (max(0, lowestBidWork[i]) * width * max(0, a.epsilon.ciHigh)).squareRoot()
            }
            print("Myerson k=\(k) \(mech.name): max relative ε \(r.certificate.maxRelativeEpsilon) (\(r.converged ? "converged" : "NOT converged")), eq − STAR \(d.mean) [\(d.ciLow), \(d.ciHigh)], STAR \(stars.mean), ε-slack bound \(slack)")
            #expect(r.converged, "\(mech.name) on instance \(k): relative ε \(r.certificate.maxRelativeEpsilon)")
            // What an ε-equilibrium guarantees: a shortfall, if any, within the slack.
            #expect(d.ciHigh >= -slack, "\(mech.name) on instance \(k) pays below STAR by more than the ε-slack \(slack): \(d.mean) [\(d.ciLow), \(d.ciHigh)]")
            if k == 1 && mech.name == PayAsBid().name {
                // Explained (issue 14, Results/myerson-bound/README.md): on instance 1 every agent is
                // the cheapest capable bidder of its nodes by a wide margin, so at the exact equilibrium
                // each bids the top of its support and pay-as-bid pays Σ hi_i·x_i — exactly STAR's
                // payment (reserve = prior top). The solver's logit-smoothed best response sits inside
                // that corner by a fixed share of the utility (relative ε 0.95 % at temperature 0.01,
                // 0.27 % at 0.003, 0.095 % at 0.001, independent of N, K and T), and every unit shaded
                // is a unit below STAR: −12 691 [−13 646, −11 736] here, within the ε-slack asserted above
                // (Results/myerson-bound, same settings: 0.75 of the ε-sum; at temperature 0.001 the
                // difference is +2 073 [1 457, 2 689]). Myerson's bound itself is for exact equilibria.
                print("Myerson k=1 pay-as-bid: strict bound \(d.ciHigh >= 0 ? "holds" : "fails by the smoothing's ε (explained above)")")
            } else {
                #expect(d.ciHigh >= 0, "Myerson's bound violated by \(mech.name) (relative ε \(r.certificate.maxRelativeEpsilon)): eq − STAR \(d.mean) [\(d.ciLow), \(d.ciHigh)] on \(text)")
            }
        }
    }
}
