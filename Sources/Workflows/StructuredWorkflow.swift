import LabIO

/// A workflow family with controlled structure (issue 30: which structural patterns drive
/// STAR's saving). One seeded draw is a DAG of this shape:
///
///     plan ─┬─ l0s0 → l0s1 → … → l0s(D−1) ─┐
///           ├─ l1s0 → …                    ├─ merge → critic1 → revise1 → critic2 → … → reviseC
///           └─ … (W lanes)                 ┘        └──────────────↗ (each round: a triangle)
///     plan → ctx ⇒ the first F lane nodes (stage by stage): one context broadcast to F consumers
///
/// - `width` W parallel lanes of `depth` D stages each (W − 1 undirected cycles through plan and merge);
/// - `fanOut` F: a `ctx` node whose output every one of F lane nodes reads (F undirected cycles
///   when F ≥ 1 — none is free: each consumer also reads its lane);
/// - `cycles` C: a reviewer–reviser feedback loop unrolled C times after the merge, each round a
///   triangle prev → critic → revise ← prev (one undirected cycle per round);
/// - `hardShare`: exactly round(share × V) nodes need tier 3, the others tier 1 or 2;
/// - `edgeTokens`: each edge carries edgeTokens × U(0.5, 1.5) context tokens (rounded to 100);
///   a node's input is its fresh prompt (1k–10k) plus what its edges carry.
///
/// So V = 2 + W·D + 2C (+1 with a broadcast), E = W·D + W + 3C (+1 + F), the cyclomatic
/// number E − V + 1 = W − 1 + C + F, and the longest path has D + 1 + 2C edges (+1 with a broadcast).
public struct WorkflowStructure: Sendable, Hashable, Codable {
    /// F: consumers of the broadcast context node (0: no broadcast node).
    public var fanOut: Int
    /// D: stages per lane (≥ 1).
    public var depth: Int
    /// W: parallel lanes (≥ 1).
    public var width: Int
    /// C: feedback rounds unrolled after the merge (≥ 0).
    public var cycles: Int
    /// Share of nodes that need tier 3, in [0, 1].
    public var hardShare: Double
    /// Mean context tokens per edge (> 0, ≤ 10⁷).
    public var edgeTokens: Double

    enum CodingKeys: String, CodingKey {
        case fanOut = "fan_out", depth, width, cycles, hardShare = "hard_share", edgeTokens = "edge_tokens"
    }

    /// A structure from its six parameters (validated by ``validate()``, not here).
    public init(fanOut: Int, depth: Int, width: Int, cycles: Int, hardShare: Double, edgeTokens: Double) {
        self.fanOut = fanOut; self.depth = depth; self.width = width; self.cycles = cycles
        self.hardShare = hardShare; self.edgeTokens = edgeTokens
    }

    /// An S-like default (14 nodes, 19 edges, like S1–S4's 12–46 nodes): 3 lanes of 3 stages,
    /// a context broadcast to 3 nodes, one feedback round, 40 % hard nodes, 30k tokens per edge.
    public static let sLike = WorkflowStructure(fanOut: 3, depth: 3, width: 3, cycles: 1, hardShare: 0.4, edgeTokens: 30_000)

    /// The parameter names of specs and CSV columns, in this order.
    public static let parameterNames = ["fan_out", "depth", "width", "cycles", "hard_share", "edge_tokens"]

    /// The parameter called `name` as a number.
    public func value(_ name: String) -> Double? {
        switch name {
        case "fan_out": return Double(fanOut)
        case "depth": return Double(depth)
        case "width": return Double(width)
        case "cycles": return Double(cycles)
        case "hard_share": return hardShare
        case "edge_tokens": return edgeTokens
        default: return nil
        }
    }

    /// This structure with parameter `name` set to `value` (integers rounded).
    /// - Throws: a `FieldError` naming an unknown parameter.
    public func setting(_ name: String, to value: Double) throws -> WorkflowStructure {
        var s = self
        switch name {
        case "fan_out": s.fanOut = Int(value.rounded())
        case "depth": s.depth = Int(value.rounded())
        case "width": s.width = Int(value.rounded())
        case "cycles": s.cycles = Int(value.rounded())
        case "hard_share": s.hardShare = value
        case "edge_tokens": s.edgeTokens = value
        default: throw FieldError(field: name, reason: "is not a structure parameter (\(Self.parameterNames.joined(separator: ", ")))")
        }
        return s
    }

    /// V for this structure.
    public var nodeCount: Int { 2 + width * depth + 2 * cycles + (fanOut > 0 ? 1 : 0) }

    /// Checks every parameter's range.
    /// - Throws: a `FieldError` naming the parameter (`fan_out`, `depth`, …).
    public func validate() throws {
        func bad(_ f: String, _ r: String) -> FieldError { FieldError(field: f, reason: r) }
        guard (1...50).contains(depth) else { throw bad("depth", "must be between 1 and 50 (got \(depth))") }
        guard (1...50).contains(width) else { throw bad("width", "must be between 1 and 50 (got \(width))") }
        guard (0...50).contains(cycles) else { throw bad("cycles", "must be between 0 and 50 (got \(cycles))") }
        guard fanOut >= 0 && fanOut <= width * depth else {
            throw bad("fan_out", "must be between 0 and width × depth = \(width * depth), the lane nodes it can feed (got \(fanOut))")
        }
        guard hardShare >= 0 && hardShare <= 1 else { throw bad("hard_share", "must be in [0, 1] (got \(hardShare))") }
        guard edgeTokens > 0 && edgeTokens <= 1e7 else { throw bad("edge_tokens", "must be in (0, 10⁷] (got \(edgeTokens))") }
    }

    /// One seeded draw: nodes and edges in the instance format (node ids as in the diagram above).
    /// Deterministic for the state of `g`.
    /// - Throws: a `FieldError` when a parameter is out of range (``validate()``).
    public func generate<G: RandomNumberGenerator>(using g: inout G) throws -> (nodes: [NodeSpec], edges: [EdgeSpec]) {
        try validate()
        var ids = ["plan"]
        if fanOut > 0 { ids.append("ctx") }
        let lane = { (w: Int, s: Int) in "l\(w)s\(s)" }
        for s in 0..<depth { for w in 0..<width { ids.append(lane(w, s)) } }
        ids.append("merge")
        for r in 1...max(1, cycles) where cycles > 0 { ids += ["critic\(r)", "revise\(r)"] }
        var pairs: [(String, String)] = []
        if fanOut > 0 { pairs.append(("plan", "ctx")) }
        for s in 0..<depth { for w in 0..<width { pairs.append((s == 0 ? "plan" : lane(w, s - 1), lane(w, s))) } }
        // The broadcast: the first F lane nodes, stage by stage.
        for k in 0..<fanOut { pairs.append(("ctx", lane(k % width, k / width))) }
        for w in 0..<width { pairs.append((lane(w, depth - 1), "merge")) }
        var prev = "merge"
        for r in 1...max(1, cycles) where cycles > 0 {
            pairs += [(prev, "critic\(r)"), ("critic\(r)", "revise\(r)"), (prev, "revise\(r)")]
            prev = "revise\(r)"
        }
        let edges = pairs.map { EdgeSpec(from: $0.0, to: $0.1, tokens: (edgeTokens * Double.random(in: 0.5...1.5, using: &g) / 100).rounded() * 100) }
        var incoming: [String: Double] = [:]
        for e in edges { incoming[e.to, default: 0] += e.tokens ?? 0 }
        // Exactly round(share × V) hard nodes, chosen by a seeded shuffle.
        let hardCount = Int((hardShare * Double(ids.count)).rounded())
        let hard = Set(ids.indices.shuffled(using: &g).prefix(hardCount))
        let nodes = ids.enumerated().map { k, id in
            NodeSpec(id: id, difficulty: hard.contains(k) ? 3 : Int.random(in: 1...2, using: &g),
                     inputTokens: Double(Int.random(in: 1...10, using: &g)) * 1000 + (incoming[id] ?? 0),
                     outputTokens: Double(Int.random(in: 5...100, using: &g)) * 1000)
        }
        return (nodes, edges)
    }
}
