import LabNumerics
import Workflows

/// LP relaxation rounded: solve the allocation MILP with x ∈ [0, 1] (one simplex solve through
/// GLPK) and put each node on its largest fractional agent. Exact whenever the relaxation is
/// integral (always on a forest with κ = 1, often elsewhere); otherwise the rounding ignores
/// the edges, so neighbours split between agents can both round away from each other.
public struct LPRounding: AllocationSolver {
    /// "lp-round".
    public var name: String { InexactKind.lpRounding.rawValue }
    let model: CostModel
    /// The allocator for `model`.
    public init(model: CostModel) { self.model = model }

    /// The rounded LP allocation at `prices`.
    /// - Throws: `AllocationError.infeasible` (a node without capable agent) or `.solverFailed`.
    public func solve(prices: [Double]) throws -> Assignment {
        for v in 0..<model.nodeCount { _ = try model.capableAgents(v) }
        let lp = AllocationProgram(model: model, prices: prices, integral: false)
        let values: [Double]
        do { values = try lp.program.solve().values } catch { throw AllocationError.solverFailed("GLPK (LP relaxation): \(error)") }
        let a = lp.rounded(values)
        return Assignment(agents: a, objective: model.objective(a, prices: prices))
    }
}
