import HeapModule
import Priors
import LabIO

/// A validated workflow DAG with the edge tokens T_uv and fresh inputs R_v resolved
/// (TheModel.md): nodes are indexed 0..<V in file order.
public struct Workflow: Sendable, Hashable {
    /// An edge by node index, with the context tokens it carries.
    public struct Edge: Sendable, Hashable {
        /// Parent and child node indices.
        public let from: Int, to: Int
        /// T_uv: context tokens passed along the edge.
        public let tokens: Double
    }

    /// Node ids (index = position).
    public let ids: [String]
    /// d_v per node.
    public let difficulty: [Int]
    /// L_v^in per node.
    public let inputTokens: [Double]
    /// L_v^out per node.
    public let outputTokens: [Double]
    /// Edges with resolved token counts.
    public let edges: [Edge]
    /// R_v = max(0, L_v^in − Σ_u T_uv): input from outside the graph.
    public let freshInput: [Double]
    /// Indices of the edges entering each node.
    public let incoming: [[Int]]
    /// Nodes in topological order, lowest index first among ready nodes (Kahn with a heap, O((V+E) log V)).
    public let topologicalOrder: [Int]

    /// V, the number of nodes.
    public var count: Int { ids.count }

    /// Largest token count accepted on a node or edge. Far beyond any workflow (10¹⁵ tokens), and
    /// small enough that x_i(A) = base − savings keeps its precision: at 1e30 tokens the
    /// subtraction cancelled to a negative workload (issue 18).
    public static let maxTokens = 1e15

    /// A token count the model accepts: finite, in [0, `maxTokens`].
    static func validTokens(_ v: Double) -> Bool { v.isFinite && v >= 0 && v <= maxTokens }

    /// Validates and resolves. Errors name the field (`nodes[3].input_tokens`, `edges[2].to`, …).
    public init(nodes: [NodeSpec], edges: [EdgeSpec]) throws {
        guard !nodes.isEmpty else { throw FieldError(field: "nodes", reason: "is empty: a workflow needs at least one node") }
        var index: [String: Int] = [:]
        for (k, n) in nodes.enumerated() {
            if let j = index[n.id] { throw FieldError(field: "nodes[\(k)].id", reason: "\"\(n.id)\" duplicates nodes[\(j)].id") }
            index[n.id] = k
            for (name, v) in [("input_tokens", n.inputTokens), ("output_tokens", n.outputTokens)] where !Self.validTokens(v) {
                throw FieldError(field: "nodes[\(k)].\(name)", reason: "must be a finite number in [0, \(Self.maxTokens)] (got \(v))")
            }
        }
        var resolved: [(Int, Int, Double?)] = []
        resolved.reserveCapacity(edges.count)
        var seen = Set<Int>()   // u·V + v: no array per edge
        for (k, e) in edges.enumerated() {
            guard let u = index[e.from] else { throw FieldError(field: "edges[\(k)].from", reason: "names unknown node \"\(e.from)\"") }
            guard let v = index[e.to] else { throw FieldError(field: "edges[\(k)].to", reason: "names unknown node \"\(e.to)\"") }
            guard u != v else { throw FieldError(field: "edges[\(k)]", reason: "is a self-loop on \"\(e.from)\"") }
            guard seen.insert(u * nodes.count + v).inserted else { throw FieldError(field: "edges[\(k)]", reason: "duplicates the edge \(e.from) → \(e.to)") }
            if let t = e.tokens, !Self.validTokens(t) {
                throw FieldError(field: "edges[\(k)].tokens", reason: "must be a finite number in [0, \(Self.maxTokens)] (got \(t))")
            }
            resolved.append((u, v, e.tokens))
        }
        let V = nodes.count
        var parents = Array(repeating: [Int](), count: V)
        var children = Array(repeating: [Int](), count: V)
        for (u, v, _) in resolved { parents[v].append(u); children[u].append(v) }
        // Kahn's algorithm; ties by lowest index (a min-heap: O((V + E) log V)) so the order is deterministic.
        var indeg = parents.map(\.count)
        var ready = Heap((0..<V).filter { indeg[$0] == 0 })
        var order: [Int] = []
        order.reserveCapacity(V)
        while let u = ready.popMin() {
            order.append(u)
            for v in children[u] { indeg[v] -= 1; if indeg[v] == 0 { ready.insert(v) } }
        }
        guard order.count == V else {
            let stuck = (0..<V).filter { indeg[$0] > 0 }.prefix(5).map { nodes[$0].id }
            throw FieldError(field: "edges", reason: "contain a cycle through nodes \(stuck.joined(separator: ", "))")
        }
        // TheModel.md: T_uv = L_v^in · L_u^out / Σ_{p ∈ parents(v)} L_p^out when not given.
        let parentOutput = parents.map { $0.reduce(0) { $0 + nodes[$1].outputTokens } }   // once per node, not per edge
        var tokens: [Double] = []
        for (u, v, t) in resolved {
            if let t { tokens.append(t); continue }
            let total = parentOutput[v]
            tokens.append(total > 0 ? nodes[v].inputTokens * nodes[u].outputTokens / total : 0)
        }
        ids = nodes.map(\.id)
        difficulty = nodes.map(\.difficulty)
        inputTokens = nodes.map(\.inputTokens)
        outputTokens = nodes.map(\.outputTokens)
        self.edges = zip(resolved, tokens).map { Edge(from: $0.0, to: $0.1, tokens: $1) }
        var inc = Array(repeating: [Int](), count: V)
        for (k, e) in self.edges.enumerated() { inc[e.to].append(k) }
        incoming = inc
        freshInput = (0..<V).map { v in max(0, nodes[v].inputTokens - inc[v].reduce(0) { $0 + tokens[$1] }) }
        topologicalOrder = order
    }
}
