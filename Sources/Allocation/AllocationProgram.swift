import LabNumerics
import Workflows

/// The allocation MILP of STAR's appendix with the cache-miss indicator δ_{uv,i} ≥ x_{v,i} − x_{u,i}
/// (the formulation `MILPSolver` solves exactly, and the inexact allocators stop early or relax).
/// With `normalised`, prices are divided by their largest value first: the argmin does not change,
/// and GLPK's tolerances are relative to coefficients of order one (a φ̄ near a zero density at the
/// top can reach 10¹⁶). `MILPSolver` keeps the prices as given.
struct AllocationProgram {
    /// The program.
    var program = MixedIntegerProgram()
    /// x[v][i]: the column of "node v on agent i" (nil where i is not capable of v).
    var x: [[Int?]]

    /// The program for `model` at `prices`, with x binary (`integral`) or in [0, 1].
    init(model: CostModel, prices: [Double], integral: Bool, normalised: Bool = true) {
        let V = model.nodeCount, M = model.agentCount
        let scale = normalised ? prices.filter(\.isFinite).max().map { $0 > 0 ? $0 : 1 } ?? 1 : 1
        let p = prices.map { $0 / scale }
        x = Array(repeating: [Int?](repeating: nil, count: M), count: V)
        var incomingSaving = Array(repeating: [Double](repeating: 0, count: M), count: V)
        for (k, e) in model.edges.enumerated() { for i in 0..<M { incomingSaving[e.to][i] += model.saving[k][i] } }
        for v in 0..<V {
            for i in 0..<M where model.capable[v][i] {
                x[v][i] = program.addVariable(lower: 0, upper: 1, kind: integral ? .binary : .continuous, cost: p[i] * (model.base[v][i] - incomingSaving[v][i]))
            }
            program.addConstraint(x[v].compactMap { $0 }.map { ($0, 1.0) }, lower: 1, upper: 1)
        }
        for (k, e) in model.edges.enumerated() {
            for i in 0..<M {
                guard let xv = x[e.to][i], model.saving[k][i] > 0 else { continue }
                let d = program.addVariable(lower: 0, upper: 1, kind: .continuous, cost: p[i] * model.saving[k][i])
                var terms: [(index: Int, coefficient: Double)] = [(d, 1), (xv, -1)]
                if let xu = x[e.from][i] { terms.append((xu, 1)) }
                program.addConstraint(terms, lower: 0)
            }
        }
    }

    /// Each node to the agent with the largest value of its x column (ties to the lowest agent,
    /// values within 1e-9 counting as equal).
    func rounded(_ values: [Double]) -> [Int] {
        x.map { row in
            var best = -1, bestValue = -Double.infinity
            for (i, col) in row.enumerated() { if let col, values[col] > bestValue + 1e-9 { best = i; bestValue = values[col] } }
            return max(best, 0)
        }
    }
}
