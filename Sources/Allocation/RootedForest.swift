import Workflows

/// The forest left by a cost model's skeleton once `excluded` nodes are removed, rooted by
/// BFS from the lowest index of each component, with the min-trick DP (SPEC §2) that both
/// `TreeDP` (nothing excluded) and `CutsetConditioning` (the cutset excluded) run on it:
///
///     D[v,i] += Σ_{c child of v} min( D[c,i] − p_i·saving[(c,v)][i], min_j D[c,j] )
struct RootedForest: Sendable {
    /// Nodes in BFS order per component; `parent` −1 for roots (and excluded nodes).
    let order: [Int]
    let parent: [Int]
    let parentEdge: [Int]

    init(model: CostModel, excluding excluded: Set<Int> = []) {
        let V = model.nodeCount
        var order: [Int] = [], parent = Array(repeating: -1, count: V), pe = parent
        var seen = (0..<V).map { excluded.contains($0) }
        for root in 0..<V where !seen[root] {
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

    /// Folds leaves into parents over `D` (V×M, unary costs on entry). Fills each node's
    /// minimum and its lowest-index argmin; returns the sum of the roots' minima.
    func fold(_ D: inout [Double], model: CostModel, prices: [Double], best: inout [Double], bestAgent: inout [Int]) throws -> Double {
        let M = model.agentCount
        var total = 0.0
        for v in order.reversed() {
            var m = Double.infinity, arg = 0
            for i in 0..<M where D[v * M + i] < m { m = D[v * M + i]; arg = i }
            guard m.isFinite else { throw AllocationError.infeasible("node \(v) has no capable agent") }
            best[v] = m; bestAgent[v] = arg
            let p = parent[v]
            guard p >= 0 else { total += m; continue }
            let e = parentEdge[v]
            for i in 0..<M where model.capable[p][i] {
                D[p * M + i] += min(D[v * M + i] - prices[i] * model.saving[e][i], m)
            }
        }
        return total
    }

    /// Assigns the forest's nodes top-down after `fold` (nodes outside it keep their agents).
    func traceback(_ D: [Double], model: CostModel, prices: [Double], best: [Double], bestAgent: [Int], into agents: inout [Int]) {
        let M = model.agentCount
        for v in order {
            let p = parent[v]
            if p < 0 { agents[v] = bestAgent[v]; continue }
            let i = agents[p]
            let same = model.capable[v][i] ? D[v * M + i] - prices[i] * model.saving[parentEdge[v]][i] : .infinity
            // Stay on the parent's agent when strictly better, or equal and lower-indexed.
            agents[v] = (same < best[v] || (same == best[v] && i < bestAgent[v])) ? i : bestAgent[v]
        }
    }
}
