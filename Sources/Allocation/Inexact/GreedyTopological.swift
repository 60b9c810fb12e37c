import Workflows

/// Greedy by topological order: each node, parents first, goes to the capable agent with the
/// smallest p_j·(base[v][j] − Σ savings of edges from parents already on j); ties to the lowest
/// agent index. O(V·M·deg). Ignores what the node's children will save, so it can miss the
/// optimum whenever co-locating a chain is worth a dearer first node.
public struct GreedyTopological: AllocationSolver {
    /// "greedy-topo".
    public var name: String { InexactKind.greedyTopological.rawValue }
    let model: CostModel
    let order: [Int]
    /// The allocator for `model` (its topological order computed once).
    public init(model: CostModel) { self.model = model; order = model.topologicalNodes }

    /// The greedy allocation at `prices`.
    /// - Throws: `AllocationError.infeasible` when a node has no capable agent.
    public func solve(prices: [Double]) throws -> Assignment {
        var a = [Int](repeating: 0, count: model.nodeCount)
        var placed = [Bool](repeating: false, count: model.nodeCount)
        for v in order {
            var best = Double.infinity, bestAgent = -1
            for j in try model.capableAgents(v) {
                let c = model.marginal(v, on: j, a, placed: placed, prices: prices)
                if bestAgent < 0 || c < best { best = c; bestAgent = j }
            }
            a[v] = bestAgent
            placed[v] = true
        }
        return Assignment(agents: a, objective: model.objective(a, prices: prices))
    }
}
