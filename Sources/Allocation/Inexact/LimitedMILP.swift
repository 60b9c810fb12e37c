import LabNumerics
import Workflows

/// The allocation MILP stopped early: at a relative gap, or at GLPK's first integer point. Both
/// limits are deterministic (a wall-clock limit would make x_i(z), and so the payment, depend on
/// the machine's load). Exact whenever GLPK proves optimality before the limit bites.
public struct LimitedMILP: AllocationSolver {
    /// Where branch-and-cut stops.
    public enum Limit: Sendable, Hashable {
        /// Stop once the incumbent is within this relative gap of the best bound.
        case relativeGap(Double)
        /// Stop at the first integer-feasible point (presolve off).
        case firstPoint
    }
    /// "milp-gap" or "milp-first".
    public var name: String {
        if case .firstPoint = limit { return InexactKind.milpFirst.rawValue }
        return InexactKind.milpGap.rawValue
    }
    let model: CostModel
    /// The stopping rule.
    public let limit: Limit
    /// The allocator for `model` with `limit`.
    public init(model: CostModel, limit: Limit) { self.model = model; self.limit = limit }

    /// The best integer point found before the limit, at `prices`.
    /// - Throws: `AllocationError.infeasible` (a node without capable agent) or `.solverFailed`
    ///   (GLPK failed, or stopped without any integer point).
    public func solve(prices: [Double]) throws -> Assignment {
        for v in 0..<model.nodeCount { _ = try model.capableAgents(v) }
        let mip = AllocationProgram(model: model, prices: prices, integral: true)
        let options: MixedIntegerProgram.Options
        switch limit {
        case let .relativeGap(g): options = .init(relativeGap: g)
        case .firstPoint: options = .init(stopAtFirstPoint: true)
        }
        let out: MixedIntegerProgram.Outcome
        do { out = try mip.program.solve(options) } catch { throw AllocationError.solverFailed("GLPK: \(error)") }
        guard let s = out.solution else { throw AllocationError.solverFailed("GLPK stopped without an integer point") }
        let a = mip.rounded(s.values)
        return Assignment(agents: a, objective: model.objective(a, prices: prices))
    }
}
