import Workflows

/// Greedy by cost: repeatedly place the (node, agent) pair with the smallest marginal cost
/// p_j·(base[v][j] − Σ savings of edges to neighbours already on j) among unplaced nodes; ties to
/// the lowest node, then the lowest agent. Marginals are updated incrementally: O(V²·M + E·M).
public struct GreedyCost: AllocationSolver {
    /// "greedy-cost".
    public var name: String { InexactKind.greedyCost.rawValue }
    let model: CostModel
    /// The allocator for `model`.
    public init(model: CostModel) { self.model = model }

    /// The greedy allocation at `prices`.
    /// - Throws: `AllocationError.infeasible` when a node has no capable agent.
    public func solve(prices: [Double]) throws -> Assignment {
        let V = model.nodeCount, M = model.agentCount
        for v in 0..<V { _ = try model.capableAgents(v) }
        var marginal = (0..<V).map { v in (0..<M).map { j in model.capable[v][j] ? prices[j] * model.base[v][j] : .infinity } }
        var a = [Int](repeating: 0, count: V)
        var placed = [Bool](repeating: false, count: V)
        for _ in 0..<V {
            var best = Double.infinity, bv = -1, bj = -1
            for v in 0..<V where !placed[v] {
                for j in 0..<M where model.capable[v][j] && (bv < 0 || marginal[v][j] < best) {
                    best = marginal[v][j]; bv = v; bj = j
                }
            }
            a[bv] = bj
            placed[bv] = true
            for (w, e) in model.neighbours[bv] where !placed[w] && model.capable[w][bj] {
                marginal[w][bj] -= prices[bj] * model.saving[e][bj]
            }
        }
        return Assignment(agents: a, objective: model.objective(a, prices: prices))
    }
}
