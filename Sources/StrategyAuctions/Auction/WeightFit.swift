import Foundation
import LabNumerics

/// Fits SALE's score weights by a mixed-integer program (SALE §3.3), with a certificate.
///
/// Our reading of the paper's min–max fit: on the training tasks, the bid that *should* win is
/// the cheapest agent whose plan succeeded (what an oracle would pick); choose weights within
/// `ScoringRule.bounds` to maximise the number of tasks on which that bid scores strictly
/// lowest, by `margin` — equivalently, minimise the number of tasks lost to a wrong winner.
/// The paper's big-M model has one binary y_t per task:
///
///     w·(f(target_t) − f(b)) + margin ≤ M_tb·(1 − y_t)   for every other bidder b
///     maximise Σ_t y_t
///
/// with M_tb = Σ_k max|w_k|·|Δf_k| + margin, the tightest valid big-M. Its LP relaxation is weak
/// (GLPK alone does not finish 80 tasks in a minute), so `solve` by default finds a point with an
/// exact line search (`WeightLineSearch`) and proves a bound by combinatorial Benders cuts on
/// the task sets no weights can win together (see `benders`). Every result states the tasks won
/// (a direct recount), a proven upper bound and the gap; `optimal` only when they meet.
/// Tasks nobody solved carry no signal and are left out. Deterministic: seeded starts, and
/// GLPK's branch-and-cut has no randomness; limits are counted in nodes and masters, not seconds.
public enum WeightFit {
    /// The fit's input: per task the bids' feature vectors and the target bid, plus weight bounds.
    public struct Problem: Sendable {
        /// Per task: the feature vector of every bid, and the index of the target bid.
        public var tasks: [(features: [[Double]], target: Int)]
        /// Bounds of each weight, in feature order (see `ScoringRule.bounds(agents:)`).
        public var bounds: [ClosedRange<Double>]
        /// Score margin by which the target must beat every other bid to count as won (score units).
        public var margin: Double
        /// A problem from its tasks, weight bounds and margin (default 1e-4).
        public init(tasks: [(features: [[Double]], target: Int)], bounds: [ClosedRange<Double>], margin: Double = 1e-4) {
            self.tasks = tasks; self.bounds = bounds; self.margin = margin
        }
    }

    /// How hard `solve` tries. The defaults fit ≈ 150 tasks, 6 weights in a few seconds.
    public struct Options: Sendable {
        /// How the bound is proven (see `solve`).
        public enum Method: String, Sendable { case bigM = "big-m", benders }
        /// `.benders` (default: line search + Benders loop with LP feasibility cuts) or `.bigM` (GLPK on the big-M model).
        public var method = Method.benders
        /// Master problems the Benders loop may solve before it stops with its bound.
        public var iterations = 400
        /// Random starts of the line-search heuristic (`WeightLineSearch`).
        public var starts = 16
        /// Branch-and-bound nodes GLPK may open before it stops with a bound (deterministic, so
        /// the fit does not depend on the machine's speed); nil: search to optimality.
        public var nodeLimit: Int? = 20_000
        /// Add y_t + y_u ≤ 1 (grouped into cliques) for every pair of tasks that no weight vector
        /// in the box can win together, each pair proven by an LP.
        public var conflictCuts = true
        /// Seed of the heuristic's starts and directions.
        public var seed: UInt64 = 0x5A1E_F17
        /// Benders: after a master's chosen set has been split into minimal infeasible subsets,
        /// split it again this many times from fresh random orders, adding every new subset as a
        /// cut (more cuts per master, fewer masters). 0 = one split per master (before issue 16's
        /// weak-signal fix).
        public var extraPasses = 2
        /// Benders: run the line search (`WeightLineSearch.climb`) from every LP point a master
        /// yields and keep it if it wins more tasks, so better counts — hence higher cutoffs —
        /// are found sooner.
        public var climbFromWitness = true
        /// Benders: whenever the best count improves (and once for the heuristic's point), add a
        /// cut for every winnable task u it does not win: a minimal infeasible subset of its win
        /// set plus u, containing u — the cuts that forbid extending the best set, which the
        /// final master (the optimality proof) needs.
        public var harvestAroundBest = true
        /// Options with the given heuristic starts, node limit, conflict cuts and seed (method `.benders`).
        public init(starts: Int = 16, nodeLimit: Int? = 20_000, conflictCuts: Bool = true, seed: UInt64 = 0x5A1E_F17) {
            self.starts = starts; self.nodeLimit = nodeLimit; self.conflictCuts = conflictCuts; self.seed = seed
        }
        /// Plain GLPK on the big-M model, as before issue 16: no incumbent, no cuts, no node limit.
        public static let glpkOnly: Options = {
            var o = Options(starts: 0, nodeLimit: nil, conflictCuts: false)
            o.method = .bigM
            return o
        }()
        /// The Benders fit as before the weak-signal speed-up (issue 16): one split per master,
        /// no climb from LP points, no cuts around the best point. Same optimum, kept for the
        /// benchmark and the tests.
        public static let plainBenders: Options = {
            var o = Options()
            o.extraPasses = 0; o.climbFromWitness = false; o.harvestAroundBest = false
            return o
        }()
    }

    /// The fitted weights, how many tasks they win, and the proven bound.
    public struct Result: Sendable {
        /// The weights [w_c, w_h, w_1 … w_M], within the bounds.
        public let weights: [Double]
        /// Tasks whose target wins under `weights`, counted directly by `count(_:weights:)`.
        public let won: Int
        /// Tasks in the problem.
        public let tasks: Int
        /// A proven upper bound on the number of tasks any weights in the box can win
        /// (GLPK's best bound, rounded down; the count is integral). `won ≤ upperBound ≤ tasks`.
        public let upperBound: Int
        /// The heuristic's count before GLPK (0 when the heuristic was not run).
        public let heuristicWon: Int
        /// Tasks that no weights in the box can win even alone (fixed to y = 0).
        public let unwinnable: Int
        /// Task pairs proven incompatible by an LP (conflict cuts added).
        public let conflicts: Int
        /// Branch-and-bound nodes GLPK opened (big-M), or master problems solved (Benders).
        public let nodes: Int
        /// Infeasible task sets cut off by the Benders loop (0 for big-M).
        public var benderCuts = 0
        /// Proven optimal: no weights win more tasks than `won`.
        public var optimal: Bool { won == upperBound }
        /// Tasks between the best found and the proven bound.
        public var gap: Int { upperBound - won }
    }

    /// The training problem of a list of task records under a scoring rule's feature map.
    /// At most `limit` tasks are kept (the first ones with a target). Before issue 16 the plain
    /// big-M model capped this at 40 (GLPK alone: 40 / 50 / 60 tasks ≈ 0.4 / 1.0 / 3.8 s, > 60 s
    /// at 80); the default fit (`solve`) proves the optimum on all 105–115 solvable tasks of
    /// `Experiments/sale.yaml`'s 151-task prefixes in 0.5–4.2 s (`auctionlab bench weight-fit`).
    public static func problem(_ records: [TaskRecord], agents: [SaleAgent], rule: ScoringRule, margin: Double = 1e-4, limit: Int = .max) -> Problem {
        var tasks: [(features: [[Double]], target: Int)] = []
        for r in records where tasks.count < limit {
            guard let target = r.attempts.indices.filter({ r.attempts[$0].success }).min(by: { agents[$0].price < agents[$1].price }) else { continue }
            let f = r.attempts.indices.map { a in rule.features(r.attempts[a].plan!, agent: a, price: agents[a].price) }
            tasks.append((f, target))
        }
        return Problem(tasks: tasks, bounds: ScoringRule.bounds(agents: agents.count), margin: margin)
    }

    /// Maximises the number of won tasks: (1) the line-search heuristic finds a good point;
    /// (2) every task is checked for being winnable at all and every pair of tasks the heuristic
    /// never won together for being winnable together (an LP each; the heuristic's win sets prove
    /// most pairs compatible without one); (3) the bound: by default (`.benders`) the Benders loop
    /// of `benders`, seeded with those facts; with `.bigM`, GLPK's branch-and-cut on the big-M
    /// model with the unwinnable tasks fixed to 0, one clique inequality Σ y ≤ 1 per group of
    /// pairwise incompatible tasks, the heuristic's point as first incumbent, and `nodeLimit`.
    /// The result is the best point found by direct count, with the proven bound: optimal when
    /// they meet. Cost on SALE's simulated data, ~110 tasks, K = 6: 0.5–4.2 s per fit with the
    /// default calibration, 0.8–8.8 s with weak plan signals (`Experiments/sale/weak-signals.yaml`;
    /// `auctionlab bench weight-fit`, figures in the issue-16 note).
    /// - Throws: `NumericsError` when GLPK fails.
    public static func solve(_ p: Problem, options: Options = Options()) throws -> Result {
        let T = p.tasks.count, K = p.bounds.count
        let heuristic = options.starts > 0 ? WeightLineSearch.search(p, starts: options.starts, seed: options.seed) : nil
        let lp = try TaskLP(p)
        var winnable = [Bool](repeating: true, count: T)
        var conflicts: [[Int]] = Array(repeating: [], count: T)
        var conflictCount = 0
        if options.conflictCuts {
            let visited = heuristic?.visited ?? []
            let everWon = (0..<T).map { t in visited.contains { $0[t] } }
            for t in 0..<T where !everWon[t] { winnable[t] = try lp.feasible([t]) }
            for t in 0..<T where winnable[t] {
                for u in (t + 1)..<T where winnable[u] {
                    if everWon[t], everWon[u], visited.contains(where: { $0[t] && $0[u] }) { continue }
                    if try !lp.feasible([t, u]) { conflicts[t].append(u); conflicts[u].append(t); conflictCount += 1 }
                }
            }
        }
        if options.method == .benders {
            return try benders(p, lp: lp, options: options, heuristic: heuristic, winnable: winnable, conflicts: conflicts, conflictCount: conflictCount)
        }
        var mip = MixedIntegerProgram()
        let w = p.bounds.map { mip.addVariable(lower: $0.lowerBound, upper: $0.upperBound, cost: 0) }
        let absMax = p.bounds.map { max(abs($0.lowerBound), abs($0.upperBound)) }
        var y: [Int] = []
        for (i, t) in p.tasks.enumerated() {
            y.append(mip.addVariable(lower: 0, upper: winnable[i] ? 1 : 0, kind: .binary, cost: -1))
            guard winnable[i] else { continue }
            for b in t.features.indices where b != t.target {
                let delta = (0..<K).map { t.features[t.target][$0] - t.features[b][$0] }
                let bigM = zip(absMax, delta).reduce(p.margin) { $0 + $1.0 * abs($1.1) }
                // Σ w_k Δ_k + bigM·y ≤ bigM − margin
                mip.addConstraint((0..<K).map { (w[$0], delta[$0]) } + [(y[i], bigM)], upper: bigM - p.margin)
            }
        }
        for clique in cliques(conflicts) {
            mip.addConstraint(clique.map { (y[$0], 1.0) }, upper: 1)
        }
        var incumbent: [Double]?
        if let h = heuristic {
            let won = WeightLineSearch.wins(p.tasks.map { t in t.features.indices.filter { $0 != t.target }.map { b in (0..<K).map { t.features[t.target][$0] - t.features[b][$0] } } }, h.weights, margin: p.margin)
            incumbent = h.weights + won.map { $0 ? 1 : 0 }
        }
        let out = try mip.solve(MixedIntegerProgram.Options(nodeLimit: options.nodeLimit, incumbent: incumbent))
        // The box's upper corner stands in when GLPK stopped (node limit) before any point.
        var candidates: [[Double]] = heuristic.map { [$0.weights] } ?? [p.bounds.map(\.upperBound)]
        if let s = out.solution { candidates.append(w.map { s.values[$0] }) }
        let best = candidates.max(by: { count(p, weights: $0) < count(p, weights: $1) })!
        let scaled = normalised(p, best)
        let won = count(p, weights: scaled)
        let bound = out.bound.isFinite ? Int(min(Double(T), (-out.bound + 1e-6).rounded(.down))) : T
        return Result(weights: scaled, won: won, tasks: T, upperBound: max(won, min(T, bound)), heuristicWon: heuristic?.won ?? 0,
                      unwinnable: winnable.filter { !$0 }.count, conflicts: conflictCount, nodes: out.nodes)
    }

    /// Combinatorial Benders decomposition (logic-based; the subproblem is an LP). The master
    /// chooses a set of tasks to win — max Σ y_t over binaries, subject to Σ_{t∈S} y_t ≤ |S| − 1
    /// for every task set S found infeasible so far (no weights in the box win all of S), seeded
    /// with the unwinnable singletons and incompatible pairs, and with the cutoff Σ y ≥ best + 1:
    /// GLPK stops at the first such set (any one is useful), and the best open-node bound at that
    /// moment is a valid upper bound on the true count (sets the cutoff removes are no better
    /// than the best already found). A master with no point proves the best count optimal.
    /// A winnable chosen set is a new best. Otherwise the
    /// set is split into minimal infeasible subsets (each found by growing a prefix until the LP
    /// fails, then a deletion filter: in the box, at most K + 1 tasks' rows) — every one a new
    /// cut — until what remains is winnable; the LP's weights for that remainder are a new
    /// candidate, recounted directly. Three additions (on by default, off in
    /// `Options.plainBenders`) cut the number of masters, which dominate the time when plan signals
    /// are weak: `extraPasses` more splits of each infeasible chosen set from fresh random
    /// orders (more cuts per master); `climbFromWitness` (a line search from every LP point, so
    /// better counts and higher cutoffs come sooner); `harvestAroundBest` (for each winnable
    /// task u outside the best point's win set W, a minimal infeasible subset of W ∪ {u}
    /// containing u — the cuts the final, proving master needs). Every cut is valid for every
    /// weight vector, so the bound and the optimum do not depend on them; only which of several
    /// optimal points is returned can. Stops when bound and best count meet or after
    /// `options.iterations` masters; the smallest master bound is the certificate.
    static func benders(_ p: Problem, lp: TaskLP, options: Options, heuristic: WeightLineSearch.Result?, winnable: [Bool],
                        conflicts: [[Int]], conflictCount: Int) throws -> Result {
        let T = p.tasks.count
        var best: (w: [Double], won: Int) = heuristic.map { ($0.weights, count(p, weights: $0.weights)) }
            ?? (p.bounds.map { $0.upperBound }, count(p, weights: p.bounds.map { $0.upperBound }))
        var cuts: [(set: [Int], rhs: Int)] = cliques(conflicts).map { ($0, 1) }
        var bound = winnable.filter { $0 }.count
        var masters = 0
        var rng = SplitMix64(seed: options.seed ^ 0xBE4D)
        let climbing = options.climbFromWitness
        var climbRNG = SplitMix64(seed: options.seed ^ 0xC11B)
        let extraPasses = options.extraPasses
        var passRNG = SplitMix64(seed: options.seed ^ 0x9A55)
        let harvesting = options.harvestAroundBest
        var known = Set(cuts.map { $0.set.sorted() })   // every cut so far, as a sorted task list
        func harvest(_ w: [Double]) throws {
            let won = wins(p, w)
            let base = (0..<T).filter { won[$0] }
            for u in 0..<T where winnable[u] && !won[u] {
                var set = base + [u]
                set.shuffle(using: &passRNG)
                if let k = set.firstIndex(of: u) { set.swapAt(0, k) }   // u first: the IIS found contains it
                guard try !lp.feasible(set) else { continue }
                let iis = try minimalInfeasible(lp, set).sorted()
                if known.insert(iis).inserted { cuts.append((iis, iis.count - 1)) }
            }
        }
        if harvesting { try harvest(best.w) }
        let rows = WeightLineSearch.differenceRows(p)
        while masters < options.iterations, best.won < bound {
            var mip = MixedIntegerProgram()
            let y = (0..<T).map { mip.addVariable(lower: 0, upper: winnable[$0] ? 1 : 0, kind: .binary, cost: -1) }
            for c in cuts { mip.addConstraint(c.set.map { (y[$0], 1.0) }, upper: Double(c.rhs)) }
            // Cutoff: only sets larger than the best count are of use; GLPK stops at the first one.
            mip.addConstraint(y.map { ($0, 1.0) }, lower: Double(best.won + 1))
            let out: MixedIntegerProgram.Outcome
            do {
                out = try mip.solve(MixedIntegerProgram.Options(nodeLimit: options.nodeLimit, mostFractionalBestBound: true, stopAtFirstPoint: true))
            } catch NumericsError.infeasible {
                masters += 1
                bound = best.won   // no set larger than the best survives the cuts: proven optimal
                break
            }
            masters += 1
            bound = min(bound, max(best.won, Int(min(Double(T), (-out.bound + 1e-6).rounded(.down)))))
            guard best.won < bound, let sol = out.solution else { break }
            let cutsBefore = cuts.count
            var chosen = (0..<T).filter { sol.values[y[$0]] > 0.5 }
            chosen.shuffle(using: &rng)
            var stalled = false
            while true {
                if var w = try lp.witness(chosen) {
                    var n = count(p, weights: w)
                    if climbing {
                        let c = WeightLineSearch.climb(rows, p, from: w, rounds: 40, rng: &climbRNG)
                        if c.won > n { (w, n) = c }
                    }
                    if n > best.won { best = (w, n); if harvesting { try harvest(w) } } else { stalled = true }
                    break
                }
                let iis = try minimalInfeasible(lp, chosen)
                cuts.append((iis, iis.count - 1))   // new: `chosen` satisfied every earlier cut
                known.insert(iis.sorted())
                let drop = iis[Int(rng.next() % UInt64(iis.count))]
                chosen.removeAll { $0 == drop }
            }
            if extraPasses > 0, cuts.count > cutsBefore {
                let original = (0..<T).filter { sol.values[y[$0]] > 0.5 }
                for _ in 0..<extraPasses {
                    var again = original
                    again.shuffle(using: &passRNG)
                    while try !lp.feasible(again) {
                        let iis = try minimalInfeasible(lp, again).sorted()
                        if known.insert(iis).inserted { cuts.append((iis, iis.count - 1)) }
                        let drop = iis[Int(passRNG.next() % UInt64(iis.count))]
                        again.removeAll { $0 == drop }
                    }
                }
            }
            // The LP's point recounted below the set it was asked for (GLPK's tolerances): the
            // next master would return the same set, so stop with the bound proven so far.
            if stalled && cuts.count == cutsBefore { break }
        }
        let scaled = normalised(p, best.w)
        var r = Result(weights: scaled, won: count(p, weights: scaled), tasks: T, upperBound: max(best.won, bound), heuristicWon: heuristic?.won ?? 0,
                       unwinnable: winnable.filter { !$0 }.count, conflicts: conflictCount, nodes: masters)
        r.benderCuts = cuts.count
        return r
    }

    /// `weights` scaled up by the largest factor λ ≥ 1 that keeps them in the box. The argmin of
    /// the scores does not depend on the scale, and every won task's constraint
    /// w·Δ ≤ −margin only gains room (λ·w·Δ ≤ −λ·margin), so no task is lost; an LP vertex
    /// (tight at −margin) becomes a point with a λ-times larger margin, and the scale of the
    /// fitted weights is comparable across orders (the largest weight relative to its bound is 1).
    /// Returned unchanged if scaling would lose a task by rounding.
    static func normalised(_ p: Problem, _ weights: [Double]) -> [Double] {
        var lambda = Double.infinity
        for (w, b) in zip(weights, p.bounds) where w != 0 {
            lambda = min(lambda, w > 0 ? b.upperBound / w : b.lowerBound / w)
        }
        guard lambda.isFinite, lambda > 1 else { return weights }
        let scaled = zip(weights, p.bounds).map { min(max($0 * lambda, $1.lowerBound), $1.upperBound) }
        return count(p, weights: scaled) >= count(p, weights: weights) ? scaled : weights
    }

    /// Which tasks `weights` wins (the same test as `count`).
    static func wins(_ p: Problem, _ weights: [Double], slack: Double = 1e-9) -> [Bool] {
        p.tasks.map { t in
            let s = t.features.map { f in zip(weights, f).reduce(0) { $0 + $1.0 * $1.1 } }
            return s.indices.allSatisfy { $0 == t.target || s[t.target] + p.margin <= s[$0] + slack }
        }
    }

    /// A minimal subset of `tasks` that no weights in the box win together (`tasks` must be
    /// such a set): the shortest infeasible prefix by bisection, then a deletion filter on it.
    static func minimalInfeasible(_ lp: TaskLP, _ tasks: [Int]) throws -> [Int] {
        var lo = 1, hi = tasks.count   // prefix of length hi is infeasible
        while lo < hi {
            let mid = (lo + hi) / 2
            if try lp.feasible(Array(tasks[..<mid])) { lo = mid + 1 } else { hi = mid }
        }
        var set = Array(tasks[..<hi])
        var i = 0
        while i < set.count {
            var rest = set; rest.remove(at: i)
            if try !lp.feasible(rest) { set = rest } else { i += 1 }
        }
        return set
    }

    /// The LP "weights in the box that win all of these tasks", over every task's rows at once;
    /// a check switches the rows of the asked tasks on (`FeasibilityLP`, warm-started).
    final class TaskLP {
        let lp: FeasibilityLP
        let rows: [[Int]]
        init(_ p: Problem) throws {
            var all: [[Double]] = [], rows: [[Int]] = []
            for t in p.tasks {
                var mine: [Int] = []
                for b in t.features.indices where b != t.target {
                    mine.append(all.count)
                    all.append(p.bounds.indices.map { t.features[t.target][$0] - t.features[b][$0] })
                }
                rows.append(mine)
            }
            lp = try FeasibilityLP(bounds: p.bounds, rows: all, upper: Array(repeating: -p.margin, count: all.count))
            self.rows = rows
        }
        /// Weights in the box that win all of `tasks`, or nil if none exist.
        func witness(_ tasks: [Int]) throws -> [Double]? {
            lp.activate(Set(tasks.flatMap { rows[$0] }))
            return try lp.solve()
        }
        func feasible(_ tasks: [Int]) throws -> Bool { try witness(tasks) != nil }
    }

    /// Greedy clique cover of the conflict graph's edges: every edge lies in at least one
    /// returned clique (size ≥ 2), each grown greedily from an uncovered edge.
    static func cliques(_ adjacency: [[Int]]) -> [[Int]] {
        let neighbours = adjacency.map(Set.init)
        var covered = Set<[Int]>()
        var out: [[Int]] = []
        for t in adjacency.indices {
            for u in adjacency[t].sorted() where u > t && !covered.contains([t, u]) {
                var clique = [t, u]
                var candidates = neighbours[t].intersection(neighbours[u])
                while let v = candidates.max(by: { (neighbours[$0].intersection(candidates).count, -$0) < (neighbours[$1].intersection(candidates).count, -$1) }) {
                    clique.append(v)
                    candidates.formIntersection(neighbours[v])
                }
                for a in clique { for b in clique where a < b { covered.insert([a, b]) } }
                out.append(clique.sorted())
            }
        }
        return out
    }

    /// Tasks whose target scores lowest by at least `margin` under `weights` (a direct count,
    /// used to check the MIP and by the brute-force test).
    public static func count(_ p: Problem, weights: [Double], slack: Double = 1e-9) -> Int {
        p.tasks.filter { t in
            let s = t.features.map { f in zip(weights, f).reduce(0) { $0 + $1.0 * $1.1 } }
            return s.indices.allSatisfy { $0 == t.target || s[t.target] + p.margin <= s[$0] + slack }
        }.count
    }
}
