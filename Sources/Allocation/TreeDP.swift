import Workflows

/// Exact DP on a forest skeleton in O(V·M) (SPEC §2), with the min-trick:
///
///     D[v,i] = p_i·base[v][i] + Σ_{c child of v} min( D[c,i] − p_i·saving[(c,v)][i], min_j D[c,j] )
///
/// instead of the paper's O(V·M²) inner minimum over all (i, j) pairs (STAR §4.1):
/// the only pairwise term is the saving when both ends sit on the same agent.
public struct TreeDP: AllocationSolver {
    public var name: String { "tree" }
    let model: CostModel
    /// Nodes in BFS order per component, each with its parent and the edge to it.
    let order: [Int]
    let parent: [Int]
    let parentEdge: [Int]

    public init(model: CostModel) throws {
        guard model.isForest else { throw AllocationError.notAForest }
        self.model = model
        var order: [Int] = [], parent = Array(repeating: -1, count: model.nodeCount), pe = parent
        var seen = Array(repeating: false, count: model.nodeCount)
        for root in 0..<model.nodeCount where !seen[root] {
            seen[root] = true
            var queue = [root], head = 0
            while head < queue.count {
                let u = queue[head]; head += 1
                order.append(u)
                for (w, e) in model.neighbours[u] where !seen[w] {
                    seen[w] = true; parent[w] = u; pe[w] = e; queue.append(w)
                }
            }
        }
        self.order = order; self.parent = parent; self.parentEdge = pe
    }

    public func solve(prices: [Double]) throws -> Assignment {
        let M = model.agentCount, V = model.nodeCount
        var D = [Double](repeating: 0, count: V * M)
        var best = [Double](repeating: 0, count: V)
        var bestAgent = [Int](repeating: 0, count: V)
        for v in 0..<V {
            for i in 0..<M { D[v * M + i] = model.capable[v][i] ? prices[i] * model.base[v][i] : .infinity }
        }
        // Leaves first: fold each node into its parent.
        for v in order.reversed() {
            var m = Double.infinity, arg = 0
            for i in 0..<M where D[v * M + i] < m { m = D[v * M + i]; arg = i }
            guard m.isFinite else { throw AllocationError.infeasible("node \(v) has no capable agent") }
            best[v] = m; bestAgent[v] = arg
            let p = parent[v]
            guard p >= 0 else { continue }
            let e = parentEdge[v]
            for i in 0..<M where model.capable[p][i] {
                let same = D[v * M + i] - prices[i] * model.saving[e][i]
                D[p * M + i] += min(same, m)
            }
        }
        var agents = [Int](repeating: 0, count: V)
        for v in order {
            let p = parent[v]
            if p < 0 { agents[v] = bestAgent[v]; continue }
            let i = agents[p]
            let same = model.capable[v][i] ? D[v * M + i] - prices[i] * model.saving[parentEdge[v]][i] : .infinity
            // Stay on the parent's agent when strictly better, or equal and lower-indexed.
            agents[v] = (same < best[v] || (same == best[v] && i < bestAgent[v])) ? i : bestAgent[v]
        }
        return Assignment(agents: agents, objective: model.objective(agents, prices: prices))
    }
}
