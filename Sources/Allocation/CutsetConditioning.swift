import Workflows

/// Exact solver for "almost trees": condition on a small cutset C whose removal leaves a
/// forest, and for each of the ≤ M^|C| capable assignments of C run the O(V·M) tree DP
/// on the rest (edges to C become unary bonuses). Cost O(M^|C|·V·M).
///
/// The paper's S1, S2 and S4 each become forests after removing one node (the Aggregator
/// or Merger), so one solve is M tree DPs — far cheaper than elimination's M³ tables.
///
/// Solves run on a `CutsetPlan` built here (flat buffers, one scratch block per call), which
/// skips the cutset assignments whose lower bound exceeds the best total found (at most one
/// extra fold when none can be skipped); results are bit for bit those of `referenceSearch`.
public struct CutsetConditioning: AllocationSolver {
    /// "cutset".
    public var name: String { "cutset" }
    /// The cutset nodes whose removal leaves a forest (at most 2 when `auto` picks this solver).
    public let cutset: [Int]
    let model: CostModel
    /// Forest over the remaining nodes.
    let forest: RootedForest
    /// Edges with one end in the cutset: (edge index, cutset node, other node).
    let boundary: [(edge: Int, cut: Int, other: Int)]
    /// Edges inside the cutset.
    let inner: [Int]
    /// The model, forest and cutset laid out flat once, for `search`'s allocation-free passes.
    let plan: CutsetPlan

    /// Greedy: repeatedly add the node whose removal leaves the fewest edges beyond a forest,
    /// until the rest is a forest; refuses when more than `maxCut` nodes would be needed.
    public init(model: CostModel, maxCut: Int = 2) throws {
        self.model = model
        let V = model.nodeCount
        var removed = Set<Int>()
        while model.excessEdges(excluding: removed) > 0 {
            guard removed.count < maxCut else { throw AllocationError.tooLarge("no cutset of ≤ \(maxCut) nodes makes the workflow a forest") }
            // The node whose removal leaves the fewest excess edges (ties: lower index); all
            // candidates scored in one O(V + E) pass instead of a union-find per candidate.
            let after = Self.excessAfterRemoving(model: model, removed: removed)
            var best = -1, bestExcess = Int.max
            for v in 0..<V where !removed.contains(v) && after[v] < bestExcess { bestExcess = after[v]; best = v }
            removed.insert(best)
        }
        cutset = removed.sorted()
        forest = RootedForest(model: model, excluding: removed)
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
        plan = CutsetPlan(model: model, cutset: cutset, forest: forest, boundary: b, inner: inn)
    }

    /// For every node v not in `removed`: `model.excessEdges(excluding: removed ∪ {v})`, all at
    /// once. Removing v takes its deg(v) edges and splits its component into pieces(v) parts
    /// (DFS articulation counts: a DFS root into its number of children, another node into 1 +
    /// its children whose subtree has no back edge above it), so the excess E − V + C changes by
    /// −deg(v) + pieces(v). Iterative DFS: no recursion depth limit at 10⁴ nodes.
    static func excessAfterRemoving(model: CostModel, removed: Set<Int>) -> [Int] {
        let V = model.nodeCount
        let gone = (0..<V).map { removed.contains($0) }
        var adj = Array(repeating: [(node: Int, edge: Int)](), count: V)
        for (k, e) in model.edges.enumerated() where !gone[e.from] && !gone[e.to] {
            adj[e.from].append((e.to, k)); adj[e.to].append((e.from, k))
        }
        let excess = model.excessEdges(excluding: removed)
        var disc = [Int](repeating: -1, count: V), low = [Int](repeating: 0, count: V)
        var pieces = [Int](repeating: 0, count: V)
        var isRoot = [Bool](repeating: false, count: V)
        var timer = 0
        for root in 0..<V where !gone[root] && disc[root] < 0 {
            isRoot[root] = true
            disc[root] = timer; low[root] = timer; timer += 1
            var stack: [(node: Int, parentEdge: Int, next: Int)] = [(root, -1, 0)]
            while !stack.isEmpty {
                let top = stack.count - 1
                let u = stack[top].node
                if stack[top].next < adj[u].count {
                    let (w, k) = adj[u][stack[top].next]
                    stack[top].next += 1
                    if k == stack[top].parentEdge { continue }
                    if disc[w] < 0 {
                        disc[w] = timer; low[w] = timer; timer += 1
                        stack.append((w, k, 0))
                    } else { low[u] = min(low[u], disc[w]) }
                } else {
                    stack.removeLast()
                    if let p = stack.last?.node {
                        low[p] = min(low[p], low[u])
                        if low[u] >= disc[p] { pieces[p] += 1 }
                    }
                }
            }
            // pieces[root] counts every DFS child; any other node also keeps the part above it.
        }
        return (0..<V).map { v in
            gone[v] ? Int.max : excess - adj[v].count + pieces[v] + (isRoot[v] ? 0 : 1)
        }
    }

    /// Fixes the cutset to `choices[j][idx[j]]` (written into `agents`), loads the forest's unary
    /// costs (`costs.unary`, +∞ where not allowed) into `D` with the savings of edges to the cutset
    /// folded in, and returns the constant part: the cutset's own unary costs minus savings among
    /// cutset nodes.
    func condition(on idx: [Int], choices: [[Int]], costs: PricedCosts, agents: inout [Int], D: inout [Double]) -> Double {
        let M = model.agentCount
        var constant = 0.0
        for (j, c) in cutset.enumerated() {
            let a = choices[j][idx[j]]
            agents[c] = a
            constant += costs.unary[c * M + a]
        }
        for k in inner where agents[model.edges[k].from] == agents[model.edges[k].to] {
            constant -= costs.edge[k * M + agents[model.edges[k].to]]
        }
        D.withUnsafeMutableBufferPointer { d in
            costs.unary.withUnsafeBufferPointer { u in
                for v in forest.order { for i in (v * M)..<(v * M + M) { d[i] = u[i] } }
            }
        }
        // An entry at +∞ (not allowed) stays +∞.
        for b in boundary {
            let a = agents[b.cut]
            D[b.other * M + a] -= costs.edge[b.edge * M + a]
        }
        return constant
    }

    /// An optimal allocation: one tree DP per capable assignment of the cutset. O(M^|C|·V·M).
    /// - Throws: `AllocationError.infeasible` when some node has no capable agent.
    public func solve(prices: [Double]) throws -> Assignment {
        let (best, bestValue, _) = try plan.search(prices, traceback: true)
        guard bestValue.isFinite else { throw AllocationError.infeasible("no capable allocation") }
        return Assignment(agents: best, objective: plan.objective(best, prices: prices))
    }

    /// The optimum's value: the upward passes alone (no traceback). O(M^|C|·V·M).
    /// - Throws: `AllocationError.infeasible` when some node has no capable agent.
    public func optimalValue(prices: [Double]) throws -> Double {
        let value = try plan.search(prices, traceback: false).value
        guard value.isFinite else { throw AllocationError.infeasible("no capable allocation") }
        return value
    }

    /// The optimum with a certificate: the margin of the best cutset assignment over the second
    /// best (any allocation with other cutset agents costs at least the second-best total), and
    /// the forest traceback's gap under the best one (`RootedForest.gap`), whichever is smaller.
    func certifiedOptimum(prices: [Double]) throws -> (assignment: Assignment, value: Double, gap: Double) {
        let (best, bestValue, gap) = try plan.search(prices, traceback: true, certify: true)
        guard bestValue.isFinite else { throw AllocationError.infeasible("no capable allocation") }
        return (Assignment(agents: best, objective: plan.objective(best, prices: prices)), bestValue, gap)
    }

    /// The straightforward form of `CutsetPlan.search` (nested arrays, `PricedCosts`, `condition`,
    /// `RootedForest.fold`): one tree DP per capable assignment of the cutset; the best total, and
    /// its allocation when `traceback` (else empty); with `certify`, the certificate of
    /// `certifiedOptimum(prices:)`. Not used by the solver: the tests check that the plan's passes
    /// give bit for bit the same values, allocations and certificates.
    func referenceSearch(_ prices: [Double], traceback: Bool, certify: Bool = false) throws -> (agents: [Int], value: Double, gap: Double) {
        let M = model.agentCount, V = model.nodeCount
        let choices = cutset.map { c in (0..<M).filter { model.capable[c][$0] } }
        let costs = PricedCosts(model: model, prices: prices, allowed: model.capable)
        var idx = [Int](repeating: 0, count: cutset.count)
        var bestValue = Double.infinity, secondValue = Double.infinity, bestIdx = idx
        var best: [Int] = []
        var D = [Double](repeating: 0, count: V * M)
        var bestAt = [Double](repeating: 0, count: V), bestAgent = [Int](repeating: 0, count: V)
        var agents = [Int](repeating: 0, count: V)
        while true {
            let constant = condition(on: idx, choices: choices, costs: costs, agents: &agents, D: &D)
            let total = constant + (try forest.fold(&D, edge: costs.edge, M: M, best: &bestAt, bestAgent: &bestAgent))
            if total < bestValue {
                if traceback { forest.traceback(D, edge: costs.edge, M: M, best: bestAt, bestAgent: bestAgent, into: &agents); best = agents }
                if certify { bestIdx = idx }
                secondValue = bestValue
                bestValue = total
            } else if total < secondValue {
                secondValue = total
            }
            var k = cutset.count - 1
            while k >= 0 && idx[k] == choices[k].count - 1 { idx[k] = 0; k -= 1 }
            if k < 0 { break }
            idx[k] += 1
        }
        guard certify, bestValue.isFinite else { return (best, bestValue, secondValue - bestValue) }
        // The forest's certificate under the best cutset assignment: one more fold (of M^|C|).
        _ = condition(on: bestIdx, choices: choices, costs: costs, agents: &agents, D: &D)
        _ = try forest.fold(&D, edge: costs.edge, M: M, best: &bestAt, bestAgent: &bestAgent)
        let forestGap = forest.gap(D, edge: costs.edge, M: M, agents: best)
        return (best, bestValue, min(forestGap, secondValue - bestValue))
    }
}

extension CutsetConditioning: CertifiedOptimum {}
