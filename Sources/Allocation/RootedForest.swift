import Workflows

/// The forest left by a cost model's skeleton once `excluded` nodes are removed, rooted by
/// BFS from the lowest index of each component, with the min-trick DP (TheModel.md) that both
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

    /// Folds leaves into parents over `D` (V×M, unary costs on entry, +∞ where a node may not go
    /// to an agent). `edge` holds p_i·saving[e][i] at `edge[e·M + i]` (`PricedCosts`). Fills each
    /// node's minimum and its lowest-index argmin; returns the sum of the roots' minima.
    func fold(_ D: inout [Double], edge: [Double], M: Int, best: inout [Double], bestAgent: inout [Int]) throws -> Double {
        var total = 0.0
        try D.withUnsafeMutableBufferPointer { d in
            try edge.withUnsafeBufferPointer { w in
                for v in order.reversed() {
                    let dv = v * M
                    var m = Double.infinity, arg = 0
                    for i in 0..<M where d[dv + i] < m { m = d[dv + i]; arg = i }
                    guard m.isFinite else { throw AllocationError.infeasible("node \(v) has no capable agent") }
                    best[v] = m; bestAgent[v] = arg
                    let p = parent[v]
                    guard p >= 0 else { total += m; continue }
                    // An entry of the parent at +∞ (not allowed) stays +∞: no check needed.
                    let dp = p * M, we = parentEdge[v] * M
                    for i in 0..<M { d[dp + i] += min(d[dv + i] - w[we + i], m) }
                }
            }
        }
        return total
    }

    /// Assigns the forest's nodes top-down after `fold` (nodes outside it keep their agents).
    func traceback(_ D: [Double], edge: [Double], M: Int, best: [Double], bestAgent: [Int], into agents: inout [Int]) {
        for v in order {
            let p = parent[v]
            if p < 0 { agents[v] = bestAgent[v]; continue }
            let i = agents[p]
            // +∞ when v may not go to i (its D entry is +∞).
            let same = D[v * M + i] - edge[parentEdge[v] * M + i]
            // Stay on the parent's agent when strictly better, or equal and lower-indexed.
            agents[v] = (same < best[v] || (same == best[v] && i < bestAgent[v])) ? i : bestAgent[v]
        }
    }
}

extension RootedForest {
    /// The traceback's certificate: the smallest margin, over the forest's nodes, by which the
    /// agent chosen by `traceback` beats the next best given its parent's agent (a root: given
    /// nothing). Each candidate is an exact min-marginal given the nodes above it (its subtree's
    /// D entry, with the saving when it stays on its parent's agent), so every other allocation
    /// of the forest costs at least the optimum plus this gap. O(V·M).
    func gap(_ D: [Double], edge: [Double], M: Int, agents: [Int]) -> Double {
        var gap = Double.infinity
        D.withUnsafeBufferPointer { d in
            edge.withUnsafeBufferPointer { w in
                for v in order {
                    let p = parent[v], i = p < 0 ? -1 : agents[p], we = p < 0 ? 0 : parentEdge[v] * M
                    var best = Double.infinity, second = Double.infinity
                    for j in 0..<M {
                        let c = j == i ? d[v * M + j] - w[we + j] : d[v * M + j]
                        if c < best { second = best; best = c } else if c < second { second = c }
                    }
                    gap = min(gap, second - best)
                }
            }
        }
        return gap
    }
}

/// An exact solver that can also say how far every other allocation lies above its optimum, so
/// the tie rule can skip its min-marginal passes when no other allocation is within tolerance.
protocol CertifiedOptimum {
    /// An optimum, the optimum's value as the solver summed it, and a gap g such that every other
    /// capable allocation costs at least value + g (0 or less when another optimum may tie).
    func certifiedOptimum(prices: [Double]) throws -> (assignment: Assignment, value: Double, gap: Double)
}

/// A cost model's terms at one price vector, flat (row-major, stride M) for the DP loops, built
/// once per solve instead of multiplying through nested arrays in every pass:
/// `unary[v·M + i]` = p_i·base[v][i] (+∞ where node v may not go to agent i) and
/// `edge[e·M + i]` = p_i·saving[e][i].
struct PricedCosts {
    let unary: [Double]
    let edge: [Double]

    init(model: CostModel, prices: [Double], allowed: [[Bool]]) {
        let M = model.agentCount
        var u = [Double](repeating: .infinity, count: model.nodeCount * M)
        for v in 0..<model.nodeCount {
            let row = model.base[v], ok = allowed[v]
            for i in 0..<M where ok[i] { u[v * M + i] = prices[i] * row[i] }
        }
        var w = [Double](repeating: 0, count: model.edges.count * M)
        for k in model.edges.indices {
            let row = model.saving[k]
            for i in 0..<M { w[k * M + i] = prices[i] * row[i] }
        }
        unary = u; edge = w
    }
}
