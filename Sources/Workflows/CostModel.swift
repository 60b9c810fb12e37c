/// The workload model x_i(A) of TheModel.md, in one place for every solver, mechanism and metric:
///
///     x_i(A) = Σ_{v: A(v)=i} [ L_v^out + ρ_i·R_v + ρ_i·Σ_{u→v} T_uv·(A(u)=i ? κ : 1) ]
///
/// written as a unary part `base[v][i]` (every parent elsewhere) minus an edge saving
/// `saving[e][i] = ρ_i·T_uv·(1−κ)` when both ends of edge e are on agent i.
/// With prices p_i the allocation objective is Σ_i p_i·x_i(A) (STAR Eq. 2–3).
public struct CostModel: Sendable, Hashable {
    /// Nodes V of the workflow.
    public let nodeCount: Int
    /// Agents M.
    public let agentCount: Int
    /// capable[v][i]: t_i ≥ d_v.
    public private(set) var capable: [[Bool]]
    /// base[v][i]: agent i's workload for node v with every parent elsewhere: L_v^out + ρ_i·(R_v + Σ_{u→v} T_uv) (work units: tokens, input weighted by ρ_i).
    public let base: [[Double]]
    /// The workflow's edges, in input order.
    public let edges: [Workflow.Edge]
    /// saving[e][i] = ρ_i·T_uv·(1−κ): what agent i saves when it holds both ends of edge e.
    public let saving: [[Double]]
    /// Undirected adjacency: (neighbour, edge index) per node.
    public let neighbours: [[(node: Int, edge: Int)]]

    /// The model of `wf` for agents with `tiers` and input/output price ratios `rho`, cache discount κ ∈ [0, 1]. O(V·M + E·M).
    public init(workflow wf: Workflow, tiers: [Int], rho: [Double], cacheDiscount kappa: Double) {
        nodeCount = wf.count
        agentCount = tiers.count
        capable = (0..<wf.count).map { v in tiers.map { $0 >= wf.difficulty[v] } }
        base = (0..<wf.count).map { v in
            let context = wf.incoming[v].reduce(0) { $0 + wf.edges[$1].tokens }
            return rho.map { wf.outputTokens[v] + $0 * (wf.freshInput[v] + context) }
        }
        edges = wf.edges
        saving = wf.edges.map { e in rho.map { $0 * e.tokens * (1 - kappa) } }
        var nb = Array(repeating: [(node: Int, edge: Int)](), count: wf.count)
        for (k, e) in wf.edges.enumerated() {
            nb[e.from].append((e.to, k))
            nb[e.to].append((e.from, k))
        }
        neighbours = nb
    }

    /// Equal when the unary parts, savings, capabilities and edges are.
    public static func == (a: CostModel, b: CostModel) -> Bool {
        a.base == b.base && a.saving == b.saving && a.capable == b.capable && a.edges == b.edges
    }
    /// Hashes the unary parts and savings.
    public func hash(into h: inout Hasher) { h.combine(base); h.combine(saving) }

    /// The same model with node v allowed only on agents where `allowed[v][i]` (and capable):
    /// how `TieRule` fixes nodes when it falls back to re-solving.
    public func restricted(to allowed: [[Bool]]) -> CostModel {
        var copy = self
        copy.capable = zip(capable, allowed).map { zip($0, $1).map { $0 && $1 } }
        return copy
    }

    /// x_i(A) for every agent.
    public func workloads(_ assignment: [Int]) -> [Double] {
        var x = Array(repeating: 0.0, count: agentCount)
        for v in 0..<nodeCount { x[assignment[v]] += base[v][assignment[v]] }
        for (k, e) in edges.enumerated() where assignment[e.from] == assignment[e.to] {
            x[assignment[e.to]] -= saving[k][assignment[e.to]]
        }
        // Mathematically x ≥ 0 (a saving never exceeds the context it saves); rounding of the
        // subtraction may leave −ulp when a node's own tokens are zero.
        for i in x.indices where x[i] < 0 { x[i] = 0 }
        return x
    }

    /// Σ_i p_i·x_i(A).
    public func objective(_ assignment: [Int], prices: [Double]) -> Double {
        zip(workloads(assignment), prices).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// How the objective's terms of every agent but `i` change from one allocation to another,
    /// given their workloads `from` and `to` (`workloads(_:)` of each):
    ///
    ///     change = Σ_{j≠i} p_j·(to_j − from_j),   magnitude = Σ_{j≠i} p_j·|to_j − from_j|
    ///
    /// As a function of agent i's price q an allocation's objective is a line, slope x_i and
    /// intercept Σ_{j≠i} p_j·x_j; `change` is the difference of two such intercepts, summed agent
    /// by agent so that agents whose workload is the same in both contribute exactly zero. Neither
    /// intercept is formed, nor the objective minus q·x_i (which loses ~ulp(q·x_i), far more than
    /// the intercepts themselves when q is large, e.g. an ironed virtual cost of 10¹⁶). `magnitude`
    /// is the scale of the sum's rounding, for tolerances. O(M).
    public static func costChange(from: [Double], to: [Double], prices: [Double], excluding i: Int) -> (change: Double, magnitude: Double) {
        var change = 0.0, magnitude = 0.0
        for j in prices.indices where j != i && from[j] != to[j] {
            let d = prices[j] * (to[j] - from[j])
            change += d
            magnitude += abs(d)
        }
        return (change, magnitude)
    }

    /// Whether every node's agent is capable.
    public func isFeasible(_ assignment: [Int]) -> Bool {
        assignment.count == nodeCount && assignment.enumerated().allSatisfy { capable[$0][$1] }
    }

    /// Whether the undirected skeleton is a forest (no cycle, ignoring direction).
    public var isForest: Bool { excessEdges() == 0 }

    /// Edges beyond a spanning forest of the skeleton with `excluded` nodes removed:
    /// E − (V − components); zero exactly when what remains is a forest.
    public func excessEdges(excluding excluded: Set<Int> = []) -> Int {
        var parent = Array(0..<nodeCount)
        func find(_ x: Int) -> Int { var x = x; while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }; return x }
        var excess = 0
        for e in edges where !excluded.contains(e.from) && !excluded.contains(e.to) {
            let a = find(e.from), b = find(e.to)
            if a == b { excess += 1 } else { parent[a] = b }
        }
        return excess
    }
}
