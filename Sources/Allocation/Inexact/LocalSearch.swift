import Workflows

/// Local search with k-swaps: start from `GreedyTopological`, then repeatedly apply the move
/// that lowers Σ_i p_i·x_i(A) the most, until none does by more than 1e-12 relative.
///
/// - k = 1: move one node to another capable agent.
/// - k = 2: also the two-node moves along an edge (u, v): both ends to one common agent (the
///   co-location a single move cannot reach when each end alone is dearer), or the two ends'
///   agents exchanged.
///
/// Each move's change is computed on the moved nodes' incident edges only (O(deg)), so one
/// descent step is O(V·M·deg) for k = 1 and O(E·M·deg) more for k = 2. A local optimum of these
/// neighbourhoods need not be global (the energy has pairwise terms over a graph with cycles).
public struct LocalSearch: AllocationSolver {
    /// "local-1" or "local-2".
    public var name: String { k == 1 ? InexactKind.localSearch1.rawValue : InexactKind.localSearch2.rawValue }
    let model: CostModel
    let start: GreedyTopological
    /// Largest number of nodes a move reassigns (1 or 2).
    public let k: Int
    /// Descent steps before giving up (never reached on the study's instances; a guard only).
    public static let maxSteps = 10_000

    /// The allocator for `model` with moves of up to `k` nodes.
    /// - Precondition: k is 1 or 2.
    public init(model: CostModel, k: Int) {
        precondition(k == 1 || k == 2, "LocalSearch supports k = 1 or 2 (got \(k))")
        self.model = model; self.k = k; start = GreedyTopological(model: model)
    }

    /// The local optimum reached from the greedy start at `prices`.
    /// - Throws: `AllocationError.infeasible` when a node has no capable agent.
    public func solve(prices: [Double]) throws -> Assignment {
        var a = try start.solve(prices: prices).agents
        let choices = try (0..<model.nodeCount).map { try model.capableAgents($0) }
        var value = model.objective(a, prices: prices)
        for _ in 0..<Self.maxSteps {
            var bestDelta = 0.0, bestMove: [(node: Int, agent: Int)] = []
            func consider(_ move: [(node: Int, agent: Int)]) {
                let d = delta(move, a, prices)
                if d < bestDelta { bestDelta = d; bestMove = move }
            }
            for v in 0..<model.nodeCount { for j in choices[v] where j != a[v] { consider([(v, j)]) } }
            if k == 2 {
                for e in model.edges {
                    let u = e.from, v = e.to
                    for j in choices[u] where model.capable[v][j] && (a[u] != j || a[v] != j) { consider([(u, j), (v, j)]) }
                    if a[u] != a[v] && model.capable[u][a[v]] && model.capable[v][a[u]] { consider([(u, a[v]), (v, a[u])]) }
                }
            }
            guard !bestMove.isEmpty, bestDelta < -1e-12 * max(1, abs(value)) else { break }
            for m in bestMove { a[m.node] = m.agent }
            value += bestDelta
        }
        return Assignment(agents: a, objective: model.objective(a, prices: prices))
    }

    /// Change of Σ p·x when the nodes of `move` take their new agents: the moved nodes' unary
    /// terms and the savings of every edge touching them (each edge once), before and after.
    func delta(_ move: [(node: Int, agent: Int)], _ a: [Int], _ prices: [Double]) -> Double {
        var after = a
        for m in move { after[m.node] = m.agent }
        var edgesTouched: [Int] = []
        var d = 0.0
        for m in move {
            let v = m.node
            d += prices[after[v]] * model.base[v][after[v]] - prices[a[v]] * model.base[v][a[v]]
            for (_, e) in model.neighbours[v] where !edgesTouched.contains(e) { edgesTouched.append(e) }
        }
        for e in edgesTouched {
            let u = model.edges[e].from, v = model.edges[e].to
            if a[u] == a[v] { d += prices[a[u]] * model.saving[e][a[u]] }
            if after[u] == after[v] { d -= prices[after[u]] * model.saving[e][after[u]] }
        }
        return d
    }
}
