import Workflows

/// Domain reduction by dominance (dead-end elimination): before any search, remove agent values
/// that cannot be the tie rule's choice, node by node, to a fixpoint. O(V·M·deg) per sweep.
///
/// Write ũ(v,a) for node v's unary cost on agent a with the savings of edges to *fixed*
/// neighbours (a one-value domain {c}) folded in (−p_c·saving on a = c), and
/// S(v,a) = Σ p_a·saving[e][a] over edges e to non-fixed neighbours whose domain contains a: the
/// most node v can save on a. Moving v from a to b, whatever the neighbours' values in their
/// domains, changes the objective by at most Δ(a→b) = ũ(b) − ũ(a) + S(v,a) (an edge to a
/// neighbour with ≥ 2 values gives at most +p_a·saving when that neighbour is on a, at most 0
/// otherwise, since the neighbour can always be on something other than b). Value a is removed
///
/// - **strictly** when Δ(a→b) < −δ for some b in v's domain (δ ≥ the tie rule's tolerance, below);
/// - **weakly** when Δ(a→b) ≤ 0 for some b < a in v's domain.
///
/// Why the tie rule's allocation survives (TieRule: the lexicographically smallest allocation
/// among those within τ of the optimum W*). Let S* = {A : W(A) ≤ W* + τ}, Â its lexicographic
/// minimum and A° the lexicographic minimum of the exact optima. Suppose, inductively, that
/// every domain still contains Â's and A°'s values, and that Â(v) = a is removed:
/// - strictly: A′ = Â with v moved to b (feasible: b is capable; Â's neighbours lie in their
///   domains, so the bound applies) has W(A′) < W(Â) − δ ≤ W* + τ − δ ≤ W*: impossible.
/// - weakly: W(A′) ≤ W(Â) ≤ W* + τ, so A′ ∈ S* and A′ is lexicographically smaller (it differs
///   from Â at v only, with b < a): impossible.
/// The same argument for A° (with τ = 0) keeps an exact optimum, so the reduced problem has the
/// same optimum W*, the same S* restricted to the domains, and the same lexicographic minimum
/// Â. Strict removals alone keep *every* allocation of S* (the argument never uses the order),
/// which the tests check by enumeration; weak removals drop interchangeable values (identical
/// agents, agents priced 0 in the payments' saturation probe), which strict ones never can.
/// Each removal needs only Â's values in the *current* domains, so removing every removable
/// value of a node at once is sound, and the domain's lowest-index minimiser of ũ is never
/// removable, so no domain empties.
///
/// Removals shrink neighbours' S and fix more neighbours (folding their savings into ũ), so a
/// worklist re-examines the neighbours of every node whose domain shrank.
struct DominanceReduction: Sendable {
    let nodeCount: Int
    let agentCount: Int
    /// Adjacency in compressed rows: node v's neighbours are `adjNode[adjStart[v]..<adjStart[v+1]]`
    /// through the edges `adjEdge[...]` (built once per cost model).
    let adjStart: [Int]
    let adjNode: [Int]
    let adjEdge: [Int]
    /// Bit a of `capable[v]`: agent a is capable of node v.
    let capable: [UInt64]

    /// The largest number of agents a domain bit mask holds.
    static let maxAgents = 64

    /// - Precondition: `model.agentCount` ≤ `maxAgents`.
    init(model: CostModel) {
        precondition(model.agentCount <= Self.maxAgents)
        nodeCount = model.nodeCount
        agentCount = model.agentCount
        var start = [Int](repeating: 0, count: model.nodeCount + 1)
        for v in 0..<model.nodeCount { start[v + 1] = start[v] + model.neighbours[v].count }
        adjStart = start
        adjNode = model.neighbours.flatMap { $0.map(\.node) }
        adjEdge = model.neighbours.flatMap { $0.map(\.edge) }
        capable = model.capable.map { row in
            row.enumerated().reduce(UInt64(0)) { $1.element ? $0 | (1 << UInt64($1.offset)) : $0 }
        }
    }

    /// The margin δ of strict removals: twice the tie rule's tolerance at an upper bound of the
    /// optimum (Σ_v min_a u(v,a), the cost of the allocation that saves nothing), so δ ≥ τ(W*)
    /// whatever W* turns out to be (W* ≥ 0: prices and workloads are non-negative).
    static func margin(unary: [Double], model: CostModel) -> Double {
        let M = model.agentCount
        var upper = 0.0
        for v in 0..<model.nodeCount {
            var m = Double.infinity
            for a in 0..<M where unary[v * M + a] < m { m = unary[v * M + a] }
            if m.isFinite { upper += m }
        }
        return 2 * TieRule.relativeTolerance(terms: model.nodeCount + model.edges.count) * upper
    }

    /// The reduced domains (bit masks) for the priced costs `unary` (V×M, +∞ where incapable) and
    /// `edge` (E×M, p_a·saving[e][a]), with strict margin `margin`; `weak: false` applies strict
    /// removals only. A node without a capable agent keeps its empty domain.
    func reduce(unary: [Double], edge: [Double], margin: Double, weak: Bool = true) -> [UInt64] {
        let V = nodeCount, M = agentCount
        var dom = capable
        var work = DomainWorklist(nodeCount: V)
        var ut = [Double](repeating: 0, count: M), save = [Double](repeating: 0, count: M)
        unary.withUnsafeBufferPointer { u in
        edge.withUnsafeBufferPointer { w in
        adjStart.withUnsafeBufferPointer { start in
        adjNode.withUnsafeBufferPointer { nodes in
        adjEdge.withUnsafeBufferPointer { edges in
        ut.withUnsafeMutableBufferPointer { ut in
        save.withUnsafeMutableBufferPointer { save in
            while let v = work.next() {
                let dv = dom[v]
                if dv.nonzeroBitCount <= 1 { continue }
                var bits = dv
                while bits != 0 {
                    let a = bits.trailingZeroBitCount
                    ut[a] = u[v * M + a]; save[a] = 0
                    bits &= bits - 1
                }
                for k in start[v]..<start[v + 1] {
                    let dn = dom[nodes[k]], e = edges[k] * M
                    if dn.nonzeroBitCount == 1 {
                        let c = dn.trailingZeroBitCount
                        if dv & (1 << UInt64(c)) != 0 { ut[c] -= w[e + c] }
                    } else {
                        var common = dv & dn
                        while common != 0 {
                            let a = common.trailingZeroBitCount
                            save[a] += w[e + a]
                            common &= common - 1
                        }
                    }
                }
                // The lowest-index minimiser of ũ over the domain: the strict dominator.
                var best = Double.infinity
                bits = dv
                while bits != 0 {
                    let a = bits.trailingZeroBitCount
                    if ut[a] < best { best = ut[a] }
                    bits &= bits - 1
                }
                var removed: UInt64 = 0
                var prefix = Double.infinity   // min ũ(b) over b < a in the domain
                var seenBest = false
                bits = dv
                while bits != 0 {
                    let a = bits.trailingZeroBitCount
                    bits &= bits - 1
                    let worst = ut[a] - save[a]   // the least a can cost against any neighbour values
                    let isBest = !seenBest && ut[a] == best
                    if isBest { seenBest = true }
                    if (!isBest && best < worst - margin) || (weak && prefix <= worst) { removed |= 1 << UInt64(a) }
                    if ut[a] < prefix { prefix = ut[a] }
                }
                work.narrow(&dom, v, removing: removed, neighbours: nodes[start[v]..<start[v + 1]])
            }
        }}}}}}}
        return dom
    }
}

/// The reductions' worklist: nodes whose domain may shrink, each queued at most once at a time
/// (every node at the start; a node's neighbours again when its domain shrinks).
struct DomainWorklist {
    private var queue: [Int]
    private var queued: [Bool]
    private var head = 0

    /// Every node of `nodeCount` queued once.
    init(nodeCount: Int) {
        queue = Array(0..<nodeCount)
        queue.reserveCapacity(4 * nodeCount)
        queued = [Bool](repeating: true, count: nodeCount)
    }

    /// The next queued node, or nil when none is left.
    @inline(__always) mutating func next() -> Int? {
        guard head < queue.count else { return nil }
        let v = queue[head]
        head += 1
        queued[v] = false
        return v
    }

    /// Removes `removed` from node `v`'s domain and queues its `neighbours` (those not queued
    /// already), unless `removed` is empty or the whole domain (a node keeps at least one value).
    @inline(__always) mutating func narrow<C: Collection<Int>>(_ dom: inout [UInt64], _ v: Int, removing removed: UInt64, neighbours: C) {
        guard removed != 0, removed != dom[v] else { return }
        dom[v] &= ~removed
        for n in neighbours where !queued[n] {
            queued[n] = true
            queue.append(n)
        }
    }
}
