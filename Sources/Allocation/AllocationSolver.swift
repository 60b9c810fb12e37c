import Workflows

/// An optimal allocation under given per-agent prices.
public struct Assignment: Sendable, Hashable {
    /// Agent index per node.
    public let agents: [Int]
    /// Σ_i p_i·x_i(A), recomputed by `CostModel.objective` so every solver reports it identically.
    public let objective: Double
}

/// Why a solver refused or failed; each case says what to do instead.
public enum AllocationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Variable elimination would need a table of M^(w+1) entries above `limit` (w = width).
    case widthTooLarge(width: Int, tableSize: Double, limit: Double)
    /// Tree DP was asked for a workflow whose skeleton has an undirected cycle.
    case notAForest
    /// The instance exceeds a solver's size limit (the message says which and by how much).
    case tooLarge(String)
    /// Some node has no capable agent, or the MILP has no feasible solution.
    case infeasible(String)
    /// The underlying numerical solver (GLPK) failed.
    case solverFailed(String)

    /// What went wrong and which `--solver` to use instead.
    public var description: String {
        switch self {
        case let .widthTooLarge(w, size, limit):
            return "elimination refused: the tree decomposition has width \(w), so its largest table has M^(w+1) = \(size.formatted) entries (limit \(limit.formatted)); use --solver milp"
        case .notAForest: return "tree DP needs a forest (no undirected cycle); use --solver elimination or milp"
        case let .tooLarge(m): return "instance too large: \(m)"
        case let .infeasible(m): return "no feasible allocation: \(m)"
        case let .solverFailed(m): return "solver failed: \(m)"
        }
    }
}

/// An exact solver of min_A Σ_i p_i·x_i(A) over capable allocations (STAR Eq. 2–3).
/// Solvers are built once per cost model (structure) and called with many price vectors
/// (payments call them once per breakpoint).
///
/// Tie-breaking: a raw solver returns *an* optimum. `SolverKind.make` wraps every kind in
/// `Canonical`, which returns the optimum chosen by `TieRule` (the one tie rule), except
/// `PrunedElimination`, which follows the rule itself; so every solver kind gives the same
/// allocation.
public protocol AllocationSolver: Sendable {
    /// The solver kind's name, reported in outcomes (`tree`, `cutset`, `pruned`, `elimination`, `milp`, `brute`).
    var name: String { get }
    /// An optimal allocation for per-agent `prices` (money per work unit, finite, ≥ 0), or
    /// `AllocationError.infeasible` when some node has no capable agent.
    func solve(prices: [Double]) throws -> Assignment
    /// The optimal objective min_A Σ_i p_i·x_i(A) alone, without choosing among optima. Equal to
    /// `solve(prices:).objective` up to summation order (a few ulps); solvers that can compute it
    /// cheaper than an allocation (no traceback, no tie rule) override the default, which solves.
    func optimalValue(prices: [Double]) throws -> Double
    /// *An* optimal allocation, not necessarily the one `TieRule` picks among tied optima: what a
    /// caller gets when only the optimum's value and one supporting line matter (a parametric
    /// search away from tie prices). Solvers whose tie rule costs extra override the default,
    /// which is `solve(prices:)`.
    func anyOptimum(prices: [Double]) throws -> Assignment
}

extension AllocationSolver {
    /// Default: the objective of `solve(prices:)`.
    public func optimalValue(prices: [Double]) throws -> Double { try solve(prices: prices).objective }
    /// Default: `solve(prices:)` (already a single optimum).
    public func anyOptimum(prices: [Double]) throws -> Assignment { try solve(prices: prices) }
}

/// The solver choices of the CLI and experiment specs.
public enum SolverKind: String, CaseIterable, Sendable, Codable {
    /// `auto` chooses per cost model; the others force one solver (`brute` enumerates, for tests).
    case auto, tree, cutset, pruned, elimination, milp, brute

    /// Builds the solver for a cost model. `auto` picks tree DP on forests, cutset
    /// conditioning when ≤ 2 nodes break every cycle (8 nodes or more), pruned elimination
    /// (dominance, then elimination on what is left) on other graphs of 8 nodes or more,
    /// elimination on smaller ones, and MILP only where none of these applies (more than 64 agents
    /// and a wide decomposition). Pruned elimination itself falls back to elimination or MILP for
    /// a price vector whose reduced problem is still too wide.
    ///
    /// The allocation follows `TieRule`: pruned elimination implements it itself, every other
    /// kind is wrapped in `Canonical`.
    public func make(for model: CostModel, eliminationLimit: Double = 2e7) throws -> any AllocationSolver {
        let raw = try makeRaw(for: model, eliminationLimit: eliminationLimit)
        if raw is PrunedElimination { return raw }
        let redundant = raw is TreeDP || raw is CutsetConditioning
        let kind = self
        return Canonical(inner: raw, model: model, innerRedundant: redundant) { restricted in
            try kind == .auto || kind == .tree || kind == .cutset
                ? SolverKind.auto.makeRaw(for: restricted, eliminationLimit: eliminationLimit)
                : kind.makeRaw(for: restricted, eliminationLimit: eliminationLimit)
        }
    }

    /// The exact solver of this kind without the `Canonical` wrapper (its allocation is *an*
    /// optimum; `pruned` follows the tie rule already).
    public func makeRaw(for model: CostModel, eliminationLimit: Double = 2e7) throws -> any AllocationSolver {
        switch self {
        case .tree: return try TreeDP(model: model)
        case .cutset: return try CutsetConditioning(model: model)
        case .pruned: return try Self.pruned(model, eliminationLimit: eliminationLimit)
        case .elimination: return try VariableElimination(model: model, tableLimit: eliminationLimit)
        case .milp: return MILPSolver(model: model)
        case .brute: return try BruteForce(model: model)
        case .auto:
            if model.isForest { return try TreeDP(model: model) }
            if model.nodeCount >= 8, let c = try? CutsetConditioning(model: model, maxCut: model.agentCount <= 9 ? 2 : 1) { return c }
            if model.nodeCount >= 8, let p = try? Self.pruned(model, eliminationLimit: eliminationLimit) { return p }
            if let ve = try? VariableElimination(model: model, tableLimit: min(eliminationLimit, 1e6)) { return ve }
            return MILPSolver(model: model)
        }
    }

    /// Pruned elimination whose fallback (a price vector whose reduced problem stays too wide) is
    /// what `auto` chose before it: elimination when its tables stay within min(limit, 10⁶)
    /// entries, else MILP, with the tie rule. Built on first use only.
    static func pruned(_ model: CostModel, eliminationLimit: Double) throws -> PrunedElimination {
        try PrunedElimination(model: model) {
            let limit = min(eliminationLimit, 1e6)
            if (try? VariableElimination(model: model, tableLimit: limit)) != nil {
                return try SolverKind.elimination.make(for: model, eliminationLimit: limit)
            }
            return try SolverKind.milp.make(for: model)
        }
    }
}

extension Double {
    /// Whole numbers as integers when they fit, else scientific: never traps on huge counts.
    var formatted: String { self < 9e15 ? String(Int(self)) : "\(self)" }
    func power(_ n: Int) -> Double { (0..<n).reduce(1.0) { p, _ in p * self } }
}

extension CostModel {
    /// Unary virtual cost p_i·base[v][i], +∞ where agent i is not capable of v.
    func unary(_ v: Int, _ prices: [Double]) -> [Double] {
        (0..<agentCount).map { i in capable[v][i] ? prices[i] * base[v][i] : .infinity }
    }
}
