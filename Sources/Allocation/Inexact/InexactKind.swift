import Workflows

/// The allocators of the exactness ablation (issue 30): fast rules that do *not* always find
/// min_A Σ_i p_i·x_i(A). STAR's truthfulness argument (STAR §4.3) needs the exact optimum: an
/// exact minimiser of a sum of per-agent prices × workloads gives each agent a workload that is
/// non-increasing in its own price, and Myerson's threshold payment then makes truth dominant.
/// An approximate rule keeps the payment formula but may lose that monotonicity; the ablation
/// measures where it does.
///
/// Every kind is an `AllocationSolver` (same protocol, same `Assignment`), deterministic in
/// its prices (no clocks, no randomness), so its own x_i(z) is a well-defined function the
/// threshold payment can integrate. None is wrapped in `TieRule`.
public enum InexactKind: String, CaseIterable, Sendable, Codable {
    /// Nodes in topological order, each to its cheapest capable agent given its parents' agents.
    case greedyTopological = "greedy-topo"
    /// The cheapest (node, agent) pair anywhere first, given every neighbour already placed.
    case greedyCost = "greedy-cost"
    /// Steepest descent from `greedy-topo` over single-node moves.
    case localSearch1 = "local-1"
    /// Steepest descent from `greedy-topo` over single-node moves and two-node moves along an edge.
    case localSearch2 = "local-2"
    /// The MILP's LP relaxation, each node rounded to its largest fractional agent.
    case lpRounding = "lp-round"
    /// The MILP stopped at a 10 % relative gap (deterministic: no wall clock).
    case milpGap = "milp-gap"
    /// The MILP stopped at the first integer point GLPK finds (presolve off).
    case milpFirst = "milp-first"

    /// The allocator of this kind for `model`.
    public func make(for model: CostModel) -> any AllocationSolver {
        switch self {
        case .greedyTopological: return GreedyTopological(model: model)
        case .greedyCost: return GreedyCost(model: model)
        case .localSearch1: return LocalSearch(model: model, k: 1)
        case .localSearch2: return LocalSearch(model: model, k: 2)
        case .lpRounding: return LPRounding(model: model)
        case .milpGap: return LimitedMILP(model: model, limit: .relativeGap(0.1))
        case .milpFirst: return LimitedMILP(model: model, limit: .firstPoint)
        }
    }
}

extension CostModel {
    /// The capable agents of node v, or `AllocationError.infeasible` when there is none.
    func capableAgents(_ v: Int) throws -> [Int] {
        let list = (0..<agentCount).filter { capable[v][$0] }
        guard !list.isEmpty else { throw AllocationError.infeasible("node \(v) has no capable agent") }
        return list
    }

    /// Nodes in topological order (Kahn, lowest index first among ready nodes). O(V² + E).
    var topologicalNodes: [Int] {
        var indegree = [Int](repeating: 0, count: nodeCount)
        for e in edges { indegree[e.to] += 1 }
        var done = [Bool](repeating: false, count: nodeCount)
        var order: [Int] = []
        while order.count < nodeCount {
            guard let v = (0..<nodeCount).first(where: { !done[$0] && indegree[$0] == 0 }) else { break }
            done[v] = true
            order.append(v)
            for (w, e) in neighbours[v] where edges[e].from == v { indegree[w] -= 1 }
        }
        return order
    }

    /// p_j·x contribution of node v on agent j with the others as in `a`: its unary work minus the
    /// saving of every incident edge whose other end is already on j (`placed[w]` false = not placed).
    func marginal(_ v: Int, on j: Int, _ a: [Int], placed: [Bool], prices: [Double]) -> Double {
        var work = base[v][j]
        for (w, e) in neighbours[v] where placed[w] && a[w] == j { work -= saving[e][j] }
        return prices[j] * work
    }
}
