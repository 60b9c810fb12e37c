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
        header(title) + statements(workflow, prefix: "", servers: servers, indent: "  ") + (servers != nil ? legend : "") + "}\n"
    }

    /// Several colourings of one workflow side by side (one cluster per panel, e.g. STAR's and
    /// Myopic's allocation of the same trial); node names are `CAPTION/id`, labels as in ``render(_:title:servers:)``.
    public static func comparison(_ workflow: Workflow, title: String, panels: [(caption: String, servers: [Server])]) -> String {
        var out = header(title)
        for (k, p) in panels.enumerated() {
            out += "  subgraph cluster_\(k) {\n    label=\(quoted(p.caption)); fontsize=12;\n"
            out += statements(workflow, prefix: p.caption + "/", servers: p.servers, indent: "    ")
            out += "  }\n"
        }
        return out + legend + "}\n"
    }

    static func header(_ title: String) -> String {
        "digraph \(quoted(title)) {\n"
            + "  graph [rankdir=TB, label=\(quoted(title)), labelloc=t, fontname=\"Helvetica\"];\n"
            + "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n"
            + "  edge [fontname=\"Helvetica\", fontsize=8];\n"
    }

    /// Node and edge statements, node names prefixed with `prefix`.
    static func statements(_ workflow: Workflow, prefix: String, servers: [Server]?, indent: String) -> String {
        precondition(servers.map { $0.count == workflow.count } ?? true, "one server per node")
        var out = ""
        for v in 0..<workflow.count {
            var label = "\(escaped(workflow.ids[v]))\\nd=\(workflow.difficulty[v])  in \(tokens(workflow.inputTokens[v]))  out \(tokens(workflow.outputTokens[v]))"
            var attributes = ""
            if let s = servers?[v] {
                label += "\\n\(escaped(s.agent)) (tier \(s.tier))"
                attributes = ", fillcolor=\(quoted(tierColours[min(max(s.tier, 1), tierColours.count) - 1]))"
            }
            out += "\(indent)\(quoted(prefix + workflow.ids[v])) [label=\"\(label)\"\(attributes)];\n"
        }
        for e in workflow.edges {
            out += "\(indent)\(quoted(prefix + workflow.ids[e.from])) -> \(quoted(prefix + workflow.ids[e.to])) [label=\(quoted(tokens(e.tokens)))];\n"
        }
        return out
    }

    /// A cluster naming the tier colours.
    static var legend: String {
        var out = "  subgraph cluster_legend { label=\"tier\"; fontsize=9;\n"
        for (k, c) in tierColours.enumerated() {
            out += "    \"legend tier \(k + 1)\" [label=\"tier \(k + 1)\", fillcolor=\(quoted(c))];\n"
        }
        return out + "  }\n"
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
