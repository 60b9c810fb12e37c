import Foundation
import HeapModule
import Workflows

/// Exact min-sum variable elimination over a tree decomposition of the workflow's
/// skeleton (TheModel.md, STAR Appendix B), O(V·M^{w+1}) for width w.
///
/// The elimination order is chosen once per cost model by the **min-fill** heuristic (ties:
/// fewer neighbours, then lower index), or, on graphs where min-fill's width is ≥ 5, by
/// min-degree when that gives a smaller largest table; `solve(prices:)` only redoes the
/// arithmetic, so a payment search that calls it many times pays for the order once.
/// Construction refuses when the largest table M^{w+1} exceeds `tableLimit`.
public struct VariableElimination: AllocationSolver {
    /// "elimination".
    public var name: String { "elimination" }
    /// Width of the decomposition: largest bag size minus one.
    public let width: Int
    /// The elimination order (node indices), chosen by min-fill or min-degree (see above).
    public let order: [Int]
    let model: CostModel

    struct Step {
        let variable: Int
        let scope: [Int]              // remaining variables of the new factor (v excluded)
        let consumed: [Int]           // factor ids combined at this step
        let strides: [[Int]]          // per consumed factor: stride for each position of scope + [v]
        let output: Int               // id of the new factor
        /// Positions in `consumed` of the table factors (v's unary and messages).
        let tableFactors: [Int]
        /// The consumed edge factors, not tabulated by `solve`: (edge index, position in `scope` of
        /// its other end). An edge factor is −p_a·saving[e][a] when both ends are on agent a, else 0,
        /// so it touches one entry per scope assignment (the min-trick of the tree DP).
        let edgeTerms: [(edge: Int, position: Int)]
    }
    let steps: [Step]
    let factorCount: Int

    /// Chooses the elimination order and plans every step's table layout once.
    /// - Throws: `AllocationError.widthTooLarge` when the largest table M^{w+1} exceeds `tableLimit` entries.
    public init(model: CostModel, tableLimit: Double = 2e7) throws {
        self.model = model
        let V = model.nodeCount, M = model.agentCount
        // Min-fill; when its largest bag has ≥ `Self.secondOrderWidth` other nodes, also min-degree,
        // which replaces it only with a smaller largest table (or as large with fewer entries in
        // all): min-fill is the better rule on most graphs, min-degree on some large layered DAGs
        // (width 6 against 7 at 10⁴ nodes in `bench`). Narrow graphs (the paper's, rebuilt per
        // trial in sweeps) skip the second order: their tables are small either way.
        func cost(_ o: (order: [Int], degrees: [Int])) -> (Int, Double) {
            (o.degrees.max() ?? 0, o.degrees.reduce(0.0) { $0 + pow(Double(M), Double($1 + 1)) })
        }
        var chosen = Self.greedyOrder(model, minDegree: false)
        if (chosen.degrees.max() ?? 0) >= Self.secondOrderWidth {
            let byDegree = Self.greedyOrder(model, minDegree: true)
            if cost(byDegree) < cost(chosen) { chosen = byDegree }
        }
        // Initial factors: unary v → id v, edge k → id V + k.
        var scopes: [[Int]] = (0..<V).map { [$0] } + model.edges.map { [min($0.from, $0.to), max($0.from, $0.to)] }
        var containing = Array(repeating: Set<Int>(), count: V)
        for (id, s) in scopes.enumerated() { for x in s { containing[x].insert(id) } }
        var steps: [Step] = [], width = 0
        for v in chosen.order {
            // Symbolic step.
            let consumed = containing[v].sorted()
            var scopeSet = Set<Int>()
            for f in consumed { scopeSet.formUnion(scopes[f]) }
            scopeSet.remove(v)
            let scope = scopeSet.sorted()
            width = max(width, scope.count)
            let size = pow(Double(M), Double(scope.count + 1))
            guard size <= tableLimit else { throw AllocationError.widthTooLarge(width: scope.count, tableSize: size, limit: tableLimit) }
            let full = scope + [v]
            var strides: [[Int]] = []
            for f in consumed {
                let s = scopes[f]
                strides.append(full.map { x in s.firstIndex(of: x).map { Self.ipow(M, $0) } ?? 0 })
            }
            let out = scopes.count
            scopes.append(scope)
            for x in scope { containing[x].subtract(consumed); containing[x].insert(out) }
            containing[v] = []
            let isEdge = consumed.map { $0 >= V && $0 < V + model.edges.count }
            let edgeTerms = consumed.enumerated().filter { isEdge[$0.offset] }.map { (_, id) -> (edge: Int, position: Int) in
                let e = model.edges[id - V]
                return (id - V, scope.firstIndex(of: e.from == v ? e.to : e.from)!)
            }
            steps.append(Step(variable: v, scope: scope, consumed: consumed, strides: strides, output: out,
                              tableFactors: consumed.indices.filter { !isEdge[$0] }, edgeTerms: edgeTerms))
        }
        self.width = width
        self.order = chosen.order
        self.steps = steps
        self.factorCount = scopes.count
    }

    /// The min-fill width from which min-degree is tried as well.
    static let secondOrderWidth = 5

    /// A greedy elimination order on the skeleton with its fill edges, and each step's number of
    /// remaining neighbours (its table is M^(that + 1)). Min-fill: fewest fill edges, ties fewer
    /// neighbours then lower index; min-degree: fewest neighbours, ties fewer fill edges then lower
    /// index. A heap of keys with lazy deletion (an entry is current when it matches the node's
    /// fill and degree), so choosing is O(log V) instead of a scan of every node.
    static func greedyOrder(_ model: CostModel, minDegree: Bool) -> (order: [Int], degrees: [Int]) {
        let V = model.nodeCount
        var adj = Array(repeating: Set<Int>(), count: V)
        for e in model.edges { adj[e.from].insert(e.to); adj[e.to].insert(e.from) }
        var alive = Array(repeating: true, count: V)
        func fill(_ v: Int) -> Int {
            let n = Array(adj[v]); var f = 0
            for a in 0..<n.count { for b in (a + 1)..<max(a + 1, n.count) where !adj[n[a]].contains(n[b]) { f += 1 } }
            return f
        }
        var score = (0..<V).map { fill($0) }
        struct Key: Comparable {
            let first: Int, second: Int, node: Int
            static func < (a: Key, b: Key) -> Bool { (a.first, a.second, a.node) < (b.first, b.second, b.node) }
        }
        func key(_ u: Int) -> Key {
            minDegree ? Key(first: adj[u].count, second: score[u], node: u) : Key(first: score[u], second: adj[u].count, node: u)
        }
        func current(_ k: Key) -> Bool { alive[k.node] && k == key(k.node) }
        var heap = Heap((0..<V).map(key))
        var order: [Int] = [], degrees: [Int] = []
        order.reserveCapacity(V); degrees.reserveCapacity(V)
        for _ in 0..<V {
            var v = -1
            while let k = heap.popMin() { if current(k) { v = k.node; break } }
            let nbrs = adj[v]
            order.append(v); degrees.append(nbrs.count)
            // Graph update: connect v's neighbours, remove v, refresh fill scores nearby.
            alive[v] = false
            for a in nbrs { adj[a].remove(v); for b in nbrs where b != a { adj[a].insert(b) } }
            adj[v] = []
            var touched = nbrs
            for a in nbrs { touched.formUnion(adj[a]) }
            for u in touched where alive[u] {
                score[u] = fill(u)
                heap.insert(key(u))
            }
        }
        return (order, degrees)
    }

    /// Σ over elimination steps of M^(|scope|+1): the clique entries one `solve` visits, each a
    /// sum over the step's table factors (the floor its time scales with).
    public var cliqueEntries: Double {
        steps.reduce(0.0) { $0 + pow(Double(model.agentCount), Double($1.scope.count + 1)) }
    }

    static func ipow(_ b: Int, _ e: Int) -> Int { var r = 1; for _ in 0..<e { r *= b }; return r }

    /// The initial factors (unary v → id v, edge k → id V + k) under `prices`, with node v allowed on
    /// agent i where `allowed[v][i]`; the slots of factors made by elimination steps are empty.
    func initialTables(prices: [Double], allowed: [[Bool]]) -> [[Double]] {
        let V = model.nodeCount, M = model.agentCount
        var tables = [[Double]](repeating: [], count: factorCount)
        for v in 0..<V {
            tables[v] = (0..<M).map { i in allowed[v][i] ? prices[i] * model.base[v][i] : .infinity }
        }
        for k in model.edges.indices {
            var t = [Double](repeating: 0, count: M * M)
            for i in 0..<M { t[i * M + i] = -prices[i] * model.saving[k][i] }
            tables[V + k] = t
        }
        return tables
    }

    /// An optimal allocation: eliminates in ``order`` with the planned tables, then back-substitutes.
    /// O(V·M^{w+1}) time, O(M^{w+1}) memory per table. Edge factors are never tabulated: per scope
    /// assignment each subtracts its saving from one candidate agent (the one its other end holds),
    /// so a step costs M·(1 + messages) + edges per entry instead of M·(1 + messages + edges).
    /// - Throws: `AllocationError.infeasible` when no capable allocation exists.
    public func solve(prices: [Double]) throws -> Assignment {
        let V = model.nodeCount, M = model.agentCount
        var tables = [[Double]](repeating: [], count: factorCount)
        for v in 0..<V { tables[v] = (0..<M).map { i in model.capable[v][i] ? prices[i] * model.base[v][i] : .infinity } }
        // w[e·M + a] = p_a·saving[e][a]: the edge's saving when both ends are on a.
        var w = [Double](repeating: 0, count: model.edges.count * M)
        for k in model.edges.indices { for a in 0..<M { w[k * M + a] = prices[a] * model.saving[k][a] } }
        var argmins = [[Int]](repeating: [], count: steps.count)
        var cand = [Double](repeating: 0, count: M)
        for (s, step) in steps.enumerated() {
            let k = step.scope.count
            let outSize = Self.ipow(M, k)
            var out = [Double](repeating: 0, count: outSize)
            var arg = [Int](repeating: 0, count: outSize)
            let nf = step.tableFactors.count, ne = step.edgeTerms.count
            // Flattened strides (factor-major) and unsafe table pointers: this loop is the
            // whole cost of a solve, and payments call solve once per breakpoint.
            var strides = [Int](repeating: 0, count: nf * (k + 1))
            for (f, c) in step.tableFactors.enumerated() { for p in 0...k { strides[f * (k + 1) + p] = step.strides[c][p] } }
            let ftables = step.tableFactors.map { tables[step.consumed[$0]] }
            let edgePos = step.edgeTerms.map(\.position), edgeRow = step.edgeTerms.map { $0.edge * M }
            let xStride = (0..<nf).map { strides[$0 * (k + 1) + k] }
            // Scratch as raw buffers: the loop below is the whole cost of a solve (and payments call
            // solve once per breakpoint), so no bounds or exclusivity checks inside it.
            let bi = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(1, nf)); bi.initialize(repeating: 0)
            let digits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(1, k)); digits.initialize(repeating: 0)
            defer { bi.deallocate(); digits.deallocate() }
            try withExtendedLifetime(ftables) {
                let ptrs = ftables.map { $0.withUnsafeBufferPointer { $0.baseAddress! } }
                try strides.withUnsafeBufferPointer { st in
                    try ptrs.withUnsafeBufferPointer { tp in
                        try xStride.withUnsafeBufferPointer { sx in
                            try edgePos.withUnsafeBufferPointer { ep in
                                try edgeRow.withUnsafeBufferPointer { er in
                                    try w.withUnsafeBufferPointer { wb in
                                        try cand.withUnsafeMutableBufferPointer { cb in
                                            try out.withUnsafeMutableBufferPointer { ob in
                                                try arg.withUnsafeMutableBufferPointer { ab in
                                                    for o in 0..<outSize {
                                                        // Factor by factor (the same additions in the same
                                                        // order per candidate as a sum over factors).
                                                        for x in 0..<M { cb[x] = 0 }
                                                        for f in 0..<nf {
                                                            let t = tp[f] + bi[f], step = sx[f]
                                                            for x in 0..<M { cb[x] += t[x * step] }
                                                        }
                                                        for j in 0..<ne { let a = digits[ep[j]]; cb[a] -= wb[er[j] + a] }
                                                        var best = Double.infinity, bestX = 0
                                                        for x in 0..<M where cb[x] < best { best = cb[x]; bestX = x }
                                                        ob[o] = best; ab[o] = bestX
                                                        var pos = 0
                                                        while pos < k {
                                                            digits[pos] += 1
                                                            for f in 0..<nf { bi[f] += st[f * (k + 1) + pos] }
                                                            if digits[pos] < M { break }
                                                            for f in 0..<nf { bi[f] -= M * st[f * (k + 1) + pos] }
                                                            digits[pos] = 0
                                                            pos += 1
                                                        }
                                                    }
                                                    if !ob.contains(where: { $0.isFinite }) { throw AllocationError.infeasible("no capable allocation") }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            tables[step.output] = out
            argmins[s] = arg
        }
        var agents = [Int](repeating: 0, count: V)
        for (s, step) in steps.enumerated().reversed() {
            var idx = 0, mul = 1
            for x in step.scope { idx += agents[x] * mul; mul *= M }
            agents[step.variable] = argmins[s][idx]
        }
        return Assignment(agents: agents, objective: model.objective(agents, prices: prices))
    }
}

