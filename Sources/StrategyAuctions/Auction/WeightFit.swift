import Foundation
import LabNumerics

/// Fits SALE's score weights by a mixed-integer program with big-M constraints (SALE §3.3),
/// solved by GLPK.
///
/// Our reading of the paper's min–max fit: on the training tasks, the bid that *should* win is
/// the cheapest agent whose plan succeeded (what an oracle would pick); choose weights within
/// `ScoringRule.bounds` to maximise the number of tasks on which that bid scores strictly
/// lowest, by `margin` — equivalently, minimise the number of tasks lost to a wrong winner.
/// One binary y_t per task:
///
///     w·(f(target_t) − f(b)) + margin ≤ M_tb·(1 − y_t)   for every other bidder b
///     maximise Σ_t y_t
///
/// with M_tb = Σ_k max|w_k|·|Δf_k| + margin, the tightest valid big-M. Tasks nobody solved
/// carry no signal and are left out. Deterministic: GLPK's branch-and-cut has no randomness.
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

    /// The fitted weights and how many tasks they win.
    public struct Result: Sendable {
        /// The weights [w_c, w_h, w_1 … w_M], within the bounds.
        public let weights: [Double]
        /// Tasks whose target wins under `weights` (as the MIP counts them).
        public let won: Int
        /// Tasks in the problem.
        public let tasks: Int
    }

    /// The training problem of a list of task records under a scoring rule's feature map.
    /// At most `limit` tasks are kept (the first ones with a target): GLPK's branch-and-cut on
    /// the big-M model grows steeply with the number of binaries (measured, one order of seed 2026:
    /// 40 / 50 / 60 tasks ≈ 0.4 / 1.0 / 3.8 s with the default calibration, and > 2 min at 60 tasks
    /// with weaker plan signals), so the fit uses a capped prefix and reports how many it used.
    /// GLPK's cut generators (Gomory, MIR, cover, clique) made it slower, not faster.
    public static func problem(_ records: [TaskRecord], agents: [SaleAgent], rule: ScoringRule, margin: Double = 1e-4, limit: Int = .max) -> Problem {
        var tasks: [(features: [[Double]], target: Int)] = []
        for r in records where tasks.count < limit {
            guard let target = r.attempts.indices.filter({ r.attempts[$0].success }).min(by: { agents[$0].price < agents[$1].price }) else { continue }
            let f = r.attempts.indices.map { a in rule.features(r.attempts[a].plan!, agent: a, price: agents[a].price) }
            tasks.append((f, target))
        }
        return Problem(tasks: tasks, bounds: ScoringRule.bounds(agents: agents.count), margin: margin)
    }

    /// Solves the big-M MIP above with GLPK: one binary per task, so worst-case exponential in the
    /// number of tasks (hence the cap in ``problem(_:agents:rule:margin:limit:)``).
    /// - Throws: `NumericsError` when GLPK fails.
    public static func solve(_ p: Problem) throws -> Result {
        var mip = MixedIntegerProgram()
        let K = p.bounds.count
        let w = p.bounds.map { mip.addVariable(lower: $0.lowerBound, upper: $0.upperBound, cost: 0) }
        let absMax = p.bounds.map { max(abs($0.lowerBound), abs($0.upperBound)) }
        for t in p.tasks {
            let y = mip.addVariable(lower: 0, upper: 1, kind: .binary, cost: -1)
            for b in t.features.indices where b != t.target {
                let delta = (0..<K).map { t.features[t.target][$0] - t.features[b][$0] }
                let bigM = zip(absMax, delta).reduce(p.margin) { $0 + $1.0 * abs($1.1) }
                // Σ w_k Δ_k + bigM·y ≤ bigM − margin
                mip.addConstraint((0..<K).map { (w[$0], delta[$0]) } + [(y, bigM)], upper: bigM - p.margin)
            }
        }
        let sol = try mip.solve()
        let weights = w.map { sol.values[$0] }
        return Result(weights: weights, won: Int((-sol.objective).rounded()), tasks: p.tasks.count)
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
