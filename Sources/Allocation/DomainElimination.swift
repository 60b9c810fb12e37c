import HeapModule
import Workflows

/// Exact min-sum variable elimination on one connected piece of a reduced problem, with tables
/// sized by the nodes' *domains* (Π |D(x)| over a clique) instead of M^(w+1).
///
/// The piece's nodes carry their own unary costs (the dominance reduction's, with the savings of
/// fixed neighbours folded in) and Potts-like edges (−p_a·saving[e][a] when both ends are on
/// agent a). The elimination order is greedy min-weight (the smallest clique table first, ties
/// to the lower local index), planned once per piece; `run` redoes only the arithmetic, so the
/// tie rule's restricted re-solves reuse the plan.
struct DomainElimination {
    /// Global node ids, ascending; local index = position.
    let nodes: [Int]
    /// Agents of each local node's domain, ascending (a value index points into it).
    let values: [[Int]]
    let edges: [(u: Int, v: Int, edge: Int)]

    struct Step {
        let variable: Int
        /// Variables of the message (eliminated later), ascending.
        let scope: [Int]
        let consumed: [Int]
        /// Per consumed factor, its stride for each position of scope + [variable].
        let strides: [[Int]]
        let output: Int
    }
    let steps: [Step]
    let factorCount: Int
    /// Clique entries one `run` visits (Σ over steps of Π domain sizes).
    let entries: Double

    /// Plans the elimination; nil when a clique table would exceed `tableLimit` entries or all of
    /// them together `totalLimit` (the caller then falls back to another exact solver).
    init?(nodes: [Int], domain: [UInt64], edges: [(u: Int, v: Int, edge: Int)], tableLimit: Double, totalLimit: Double) {
        self.nodes = nodes
        self.edges = edges
        let n = nodes.count
        let values = nodes.map { v -> [Int] in
            var out: [Int] = [], bits = domain[v]
            while bits != 0 { out.append(bits.trailingZeroBitCount); bits &= bits - 1 }
            return out
        }
        self.values = values
        let d = values.map { Double($0.count) }
        var adj = [Set<Int>](repeating: [], count: n)
        for e in edges { adj[e.u].insert(e.v); adj[e.v].insert(e.u) }
        var scopes: [[Int]] = (0..<n).map { [$0] } + edges.map { [min($0.u, $0.v), max($0.u, $0.v)] }
        var containing = [[Int]](repeating: [], count: n)
        for (id, s) in scopes.enumerated() { for x in s { containing[x].append(id) } }
        // Greedy min-weight order with lazy deletion: an entry is current while its weight is.
        func weight(_ x: Int) -> Double { adj[x].reduce(d[x]) { $0 * d[$1] } }
        struct Key: Comparable {
            let weight: Double, node: Int
            static func < (a: Key, b: Key) -> Bool { (a.weight, a.node) < (b.weight, b.node) }
        }
        var current = (0..<n).map(weight)
        var heap = Heap((0..<n).map { Key(weight: current[$0], node: $0) })
        var alive = [Bool](repeating: true, count: n)
        var steps: [Step] = []
        var entries = 0.0
        for _ in 0..<n {
            var x = -1
            while let k = heap.popMin() { if alive[k.node] && k.weight == current[k.node] { x = k.node; break } }
            alive[x] = false
            let size = current[x]
            entries += size
            guard size <= tableLimit, entries <= totalLimit else { return nil }
            let consumed = containing[x].sorted()
            var scopeSet = Set<Int>()
            for f in consumed { scopeSet.formUnion(scopes[f]) }
            scopeSet.remove(x)
            let scope = scopeSet.sorted()
            let full = scope + [x]
            let strides = consumed.map { f -> [Int] in
                let s = scopes[f]
                var place = [Int](repeating: 0, count: s.count), p = 1
                for (k, y) in s.enumerated() { place[k] = p; p *= values[y].count }
                return full.map { y in s.firstIndex(of: y).map { place[$0] } ?? 0 }
            }
            let out = scopes.count
            scopes.append(scope)
            for y in scope {
                containing[y].removeAll { consumed.contains($0) }
                containing[y].append(out)
            }
            containing[x] = []
            steps.append(Step(variable: x, scope: scope, consumed: consumed, strides: strides, output: out))
            // The eliminated node's neighbours become a clique.
            let nb = adj[x]
            for a in nb { adj[a].remove(x); adj[a].formUnion(nb.subtracting([a])) }
            adj[x] = []
            for a in nb {
                current[a] = weight(a)
                heap.insert(Key(weight: current[a], node: a))
            }
        }
        self.steps = steps
        self.factorCount = scopes.count
        self.entries = entries
    }

    /// The piece's optimum under `fixed` (a value index per local node, −1 where free), and with
    /// `traceback` its allocation (value indices) and the certificate gap: the smallest margin,
    /// over the traceback's steps, by which the chosen value beats the next best given the values
    /// already chosen. A gap g means every other allocation of the piece costs ≥ optimum + g
    /// (each step's candidates are exact min-marginals given the later-eliminated nodes).
    /// `unary` is the reduced problem's folded V×M unary; `edge` the priced savings E×M.
    func run(unary: [Double], edge: [Double], M: Int, fixed: [Int]?, traceback: Bool)
        -> (value: Double, choice: [Int], gap: Double) {
        let n = nodes.count
        var tables = [[Double]](repeating: [], count: factorCount)
        for i in 0..<n {
            let v = nodes[i]
            tables[i] = values[i].enumerated().map { k, a in
                if let fixed, fixed[i] >= 0, fixed[i] != k { return .infinity }
                return unary[v * M + a]
            }
        }
        for (k, e) in edges.enumerated() {
            let (lo, hi) = e.u < e.v ? (e.u, e.v) : (e.v, e.u)
            let dl = values[lo].count
            var t = [Double](repeating: 0, count: dl * values[hi].count)
            for (i, a) in values[lo].enumerated() {
                if let j = values[hi].firstIndex(of: a) { t[j * dl + i] = -edge[e.edge * M + a] }
            }
            tables[n + k] = t
        }
        var total = 0.0
        for step in steps {
            let dx = values[step.variable].count
            let k = step.scope.count
            var outSize = 1
            for y in step.scope { outSize *= values[y].count }
            var out = [Double](repeating: .infinity, count: outSize)
            var digits = [Int](repeating: 0, count: k)
            let nf = step.consumed.count
            var base = [Int](repeating: 0, count: nf)
            for r in 0..<outSize {
                var m = Double.infinity
                for xv in 0..<dx {
                    var s = 0.0
                    for f in 0..<nf { s += tables[step.consumed[f]][base[f] + xv * step.strides[f][k]] }
                    if s < m { m = s }
                }
                out[r] = m
                var p = 0
                while p < k {
                    digits[p] += 1
                    for f in 0..<nf { base[f] += step.strides[f][p] }
                    if digits[p] < values[step.scope[p]].count { break }
                    for f in 0..<nf { base[f] -= digits[p] * step.strides[f][p] }
                    digits[p] = 0
                    p += 1
                }
            }
            if k == 0 { total += out[0] }
            tables[step.output] = out
        }
        guard traceback else { return (total, [], .infinity) }
        var choice = [Int](repeating: 0, count: n)
        var gap = Double.infinity
        for step in steps.reversed() {
            let k = step.scope.count
            var best = Double.infinity, second = Double.infinity, arg = 0
            for xv in 0..<values[step.variable].count {
                var s = 0.0
                for (f, id) in step.consumed.enumerated() {
                    var idx = xv * step.strides[f][k]
                    for p in 0..<k { idx += choice[step.scope[p]] * step.strides[f][p] }
                    s += tables[id][idx]
                }
                if s < best { second = best; best = s; arg = xv } else if s < second { second = s }
            }
            choice[step.variable] = arg
            gap = min(gap, second - best)
        }
        return (total, choice, gap)
    }
}
