import LabNumerics
import Workflows

/// The paper's MILP (STAR Appendix, TheModel.md) through GLPK:
///
///     min Σ_{v,i} p_i·base[v][i]·x_{v,i} − Σ_{(u,v),i} p_i·saving[(u,v)][i]·s_{uv,i}
///     Σ_i x_{v,i} = 1,   x binary
///
/// written with the paper's cache-miss indicator δ_{uv,i} ≥ x_{v,i} − x_{u,i}: the transfer
/// cost ρ_i T_uv (1−κ) is paid on δ, so the unary part charges context at κ only:
/// cost = Σ p_i [x_{v,i}(L^out + ρ_i R_v + κ ρ_i Σ T) + (1−κ) ρ_i Σ_u T_uv δ_{uv,i}].
public struct MILPSolver: AllocationSolver {
    /// "milp".
    public var name: String { "milp" }
    let model: CostModel
    /// A MILP solver for `model`; the program is built per call to ``solve(prices:)``.
    public init(model: CostModel) { self.model = model }

    /// An optimal allocation from GLPK's branch-and-cut on the program above (exponential in the
    /// worst case; the fallback when no structured solver fits).
    /// - Throws: `AllocationError.solverFailed` wrapping any GLPK error, infeasibility included.
    public func solve(prices: [Double]) throws -> Assignment {
        let built = AllocationProgram(model: model, prices: prices, integral: true, normalised: false)
        let V = model.nodeCount, M = model.agentCount, x = built.x
        let sol: MixedIntegerProgram.Solution
        do { sol = try built.program.solve() } catch { throw AllocationError.solverFailed("GLPK: \(error)") }
        let agents = (0..<V).map { v in (0..<M).first { i in x[v][i].map { sol.values[$0] > 0.5 } ?? false } ?? 0 }
        return Assignment(agents: agents, objective: model.objective(agents, prices: prices))
    }
}
