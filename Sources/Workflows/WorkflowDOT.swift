import Foundation

/// A workflow as a Graphviz DOT digraph (issue 29): one node per workflow node, labelled with
/// its id, difficulty and token counts; one edge per workflow edge, labelled with the context
/// tokens T_uv it carries. Given who serves each node (agent id and tier), nodes are filled with
/// their tier's colour and the agent is named in the label.
public enum WorkflowDOT {
    /// Who serves one node in an outcome.
    public struct Server: Sendable, Hashable {
        /// The agent's id.
        public let agent: String
        /// The agent's tier (1…3 in the paper's market; higher tiers reuse tier 3's colour).
        public let tier: Int
        /// `agent` of tier `tier`.
        public init(agent: String, tier: Int) { self.agent = agent; self.tier = tier }
    }

    /// Fill colours by tier (tier 1 light green, 2 light orange, 3 light red).
    public static let tierColours = ["#c7e9c0", "#fdd0a2", "#fcbba1"]

    /// The DOT text of `workflow`, titled `title`; `servers`, when given, has one entry per node.
    public static func render(_ workflow: Workflow, title: String, servers: [Server]? = nil) -> String {
        precondition(servers.map { $0.count == workflow.count } ?? true, "one server per node")
        var out = "digraph \(quoted(title)) {\n"
        out += "  graph [rankdir=TB, label=\(quoted(title)), labelloc=t, fontname=\"Helvetica\"];\n"
        out += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n"
        out += "  edge [fontname=\"Helvetica\", fontsize=8];\n"
        for v in 0..<workflow.count {
            var label = "\(escaped(workflow.ids[v]))\\nd=\(workflow.difficulty[v])  in \(tokens(workflow.inputTokens[v]))  out \(tokens(workflow.outputTokens[v]))"
            var attributes = ""
            if let s = servers?[v] {
                label += "\\n\(escaped(s.agent)) (tier \(s.tier))"
                attributes = ", fillcolor=\(quoted(tierColours[min(max(s.tier, 1), tierColours.count) - 1]))"
            }
            out += "  \(quoted(workflow.ids[v])) [label=\"\(label)\"\(attributes)];\n"
        }
        for e in workflow.edges {
            out += "  \(quoted(workflow.ids[e.from])) -> \(quoted(workflow.ids[e.to])) [label=\(quoted(tokens(e.tokens)))];\n"
        }
        if servers != nil {
            out += "  subgraph cluster_legend { label=\"tier\"; fontsize=9;\n"
            for (k, c) in tierColours.enumerated() {
                out += "    \"legend tier \(k + 1)\" [label=\"tier \(k + 1)\", fillcolor=\(quoted(c))];\n"
            }
            out += "  }\n"
        }
        return out + "}\n"
    }

    /// A token count in DOT labels: 12000 → "12k", 1500000 → "1.5M", 350 → "350".
    public static func tokens(_ t: Double) -> String {
        func trim(_ x: Double) -> String {
            let s = String(format: "%.1f", x)
            return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
        }
        if t >= 1e6 { return trim(t / 1e6) + "M" }
        if t >= 1e3 { return trim(t / 1e3) + "k" }
        return trim(t)
    }

    /// A DOT double-quoted string.
    static func quoted(_ s: String) -> String { "\"\(escaped(s))\"" }
    /// Backslashes and double quotes escaped for a DOT string.
    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
