import Workflows

/// Exact solver for "almost trees": condition on a small cutset C whose removal leaves a
/// forest, and for each of the ≤ M^|C| capable assignments of C run the O(V·M) tree DP
/// on the rest (edges to C become unary bonuses). Cost O(M^|C|·V·M).
///
/// The paper's S1, S2 and S4 each become forests after removing one node (the Aggregator
/// or Merger), so one solve is M tree DPs — far cheaper than elimination's M³ tables.
public struct CutsetConditioning: AllocationSolver {
    public var name: String { "cutset" }
    public let cutset: [Int]
    let model: CostModel
    /// Forest over the remaining nodes: BFS order, parent and edge to the parent.
    let order: [Int]
    let parent: [Int]
    let parentEdge: [Int]
    /// Edges with one end in the cutset: (edge index, cutset node, other node).
    let boundary: [(edge: Int, cut: Int, other: Int)]
    /// Edges inside the cutset.
    let inner: [Int]

    /// Greedy: repeatedly add the highest-degree node that lies on a cycle, until the rest is
    /// a forest; refuses when more than `maxCut` nodes would be needed.
    public init(model: CostModel, maxCut: Int = 2) throws {
        self.model = model
        let V = model.nodeCount
        var removed = Set<Int>()
        func isForest(_ skip: Set<Int>) -> Bool {
            var parent = Array(0..<V)
            func find(_ x: Int) -> Int { var x = x; while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }; return x }
            for e in model.edges where !skip.contains(e.from) && !skip.contains(e.to) {
                let a = find(e.from), b = find(e.to)
                if a == b { return false }
                parent[a] = b
            }
            return true
        }
        while !isForest(removed) {
            guard removed.count < maxCut else { throw AllocationError.tooLarge("no cutset of ≤ \(maxCut) nodes makes the workflow a forest") }
            // The node whose removal leaves the fewest excess edges (ties: higher degree, lower index).
            var best = -1, bestExcess = Int.max
            for v in 0..<V where !removed.contains(v) {
                var skip = removed; skip.insert(v)
                let edges = model.edges.filter { !skip.contains($0.from) && !skip.contains($0.to) }.count
                let nodes = V - skip.count
                var parent = Array(0..<V)
                func find(_ x: Int) -> Int { var x = x; while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }; return x }
                var comps = nodes
                for e in model.edges where !skip.contains(e.from) && !skip.contains(e.to) {
                    let a = find(e.from), b = find(e.to); if a != b { parent[a] = b; comps -= 1 }
                }
                let excess = edges - (nodes - comps)
                if excess < bestExcess { bestExcess = excess; best = v }
            }
            removed.insert(best)
        }
        cutset = removed.sorted()
        var order: [Int] = [], parent = Array(repeating: -1, count: V), pe = parent
        var seen = Array(repeating: false, count: V)
        for c in cutset { seen[c] = true }
        for root in 0..<V where !seen[root] {
            seen[root] = true
            var queue = [root], head = 0
            while head < queue.count {
                let u = queue[head]; head += 1
                order.append(u)
                for (w, e) in model.neighbours[u] where !seen[w] { seen[w] = true; parent[w] = u; pe[w] = e; queue.append(w) }
            }
        }
        self.order = order; self.parent = parent; self.parentEdge = pe
        let cut = Set(cutset)
        var b: [(edge: Int, cut: Int, other: Int)] = [], inn: [Int] = []
        for (k, e) in model.edges.enumerated() {
            switch (cut.contains(e.from), cut.contains(e.to)) {
            case (true, true): inn.append(k)
            case (true, false): b.append((k, e.from, e.to))
            case (false, true): b.append((k, e.to, e.from))
            default: break
            }
        }
        boundary = b; inner = inn
    }

    public func solve(prices: [Double]) throws -> Assignment {
        let M = model.agentCount, V = model.nodeCount
        let choices = cutset.map { c in (0..<M).filter { model.capable[c][$0] } }
        var idx = [Int](repeating: 0, count: cutset.count)
        var bestValue = Double.infinity
        var best: [Int] = []
        var D = [Double](repeating: 0, count: V * M)
        var bestAt = [Double](repeating: 0, count: V), bestAgent = [Int](repeating: 0, count: V)
        var agents = [Int](repeating: 0, count: V)
        while true {
            // Constant part: the cutset's own unary costs and savings among cutset nodes.
            var constant = 0.0
            for (j, c) in cutset.enumerated() {
                let a = choices[j][idx[j]]
                agents[c] = a
                constant += prices[a] * model.base[c][a]
            }
            for k in inner where agents[model.edges[k].from] == agents[model.edges[k].to] {
                let a = agents[model.edges[k].to]
                constant -= prices[a] * model.saving[k][a]
            }
            for v in order {
                for i in 0..<M { D[v * M + i] = model.capable[v][i] ? prices[i] * model.base[v][i] : .infinity }
            }
            for b in boundary {
                let a = agents[b.cut]
                if model.capable[b.other][a] { D[b.other * M + a] -= prices[a] * model.saving[b.edge][a] }
            }
            var total = constant
            for v in order.reversed() {
                var m = Double.infinity, arg = 0
                for i in 0..<M where D[v * M + i] < m { m = D[v * M + i]; arg = i }
                bestAt[v] = m; bestAgent[v] = arg
                let p = parent[v]
                if p < 0 { total += m; continue }
                let e = parentEdge[v]
                for i in 0..<M where model.capable[p][i] { D[p * M + i] += min(D[v * M + i] - prices[i] * model.saving[e][i], m) }
            }
            if total < bestValue {
                for v in order {
                    let p = parent[v]
                    if p < 0 { agents[v] = bestAgent[v]; continue }
                    let i = agents[p]
                    let same = model.capable[v][i] ? D[v * M + i] - prices[i] * model.saving[parentEdge[v]][i] : .infinity
                    agents[v] = (same < bestAt[v] || (same == bestAt[v] && i < bestAgent[v])) ? i : bestAgent[v]
                }
                bestValue = total; best = agents
            }
            var k = cutset.count - 1
            while k >= 0 && idx[k] == choices[k].count - 1 { idx[k] = 0; k -= 1 }
            if k < 0 { break }
            idx[k] += 1
        }
        guard bestValue.isFinite else { throw AllocationError.infeasible("no capable allocation") }
        return Assignment(agents: best, objective: model.objective(best, prices: prices))
    }
}
