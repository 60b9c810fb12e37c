import Foundation
import Priors
import LabIO

// MARK: - JSON form (FileFormats.md)

/// A node of the workflow DAG: difficulty d_v, input L_v^in and output L_v^out tokens.
public struct NodeSpec: Codable, Hashable, Sendable {
    /// Unique node id (edges refer to it).
    public var id: String
    /// d_v ∈ {1, 2, 3}: the lowest tier that can serve the node.
    public var difficulty: Int
    /// L_v^in: input tokens (finite, ≥ 0, ≤ `Workflow.maxTokens`).
    public var inputTokens: Double
    /// L_v^out: output tokens (finite, ≥ 0, ≤ `Workflow.maxTokens`).
    public var outputTokens: Double
    /// A node.
    public init(id: String, difficulty: Int, inputTokens: Double, outputTokens: Double) {
        self.id = id; self.difficulty = difficulty; self.inputTokens = inputTokens; self.outputTokens = outputTokens
    }
    enum CodingKeys: String, CodingKey { case id, difficulty, inputTokens = "input_tokens", outputTokens = "output_tokens" }
}

/// An edge u → v carrying T_uv context tokens; without `tokens` the proportional split of TheModel.md applies.
public struct EdgeSpec: Codable, Hashable, Sendable {
    /// Parent node id.
    public var from: String
    /// Child node id.
    public var to: String
    /// Context tokens T_uv passed along the edge; absent → the parent's output split as TheModel.md says.
    public var tokens: Double?
    /// An edge.
    public init(from: String, to: String, tokens: Double? = nil) { self.from = from; self.to = to; self.tokens = tokens }
}

/// An agent: tier t_i, input/output price ratio ρ_i, bid b_i (per output token) and prior F_i.
public struct AgentSpec: Codable, Hashable, Sendable {
    /// Unique agent id.
    public var id: String
    /// t_i ∈ {1, 2, 3}.
    public var tier: Int
    /// ρ_i ≥ 0: price of an input token relative to an output token.
    public var rho: Double
    /// b_i: the report, money per work unit (must lie in the prior's support).
    public var bid: Double
    /// The agent's cost prior (common knowledge).
    public var prior: PriorSpec
    /// An agent.
    public init(id: String, tier: Int, rho: Double, bid: Double, prior: PriorSpec) {
        self.id = id; self.tier = tier; self.rho = rho; self.bid = bid; self.prior = prior
    }
}

/// The instance file of `auctionlab solve` (FileFormats.md).
public struct InstanceSpec: Codable, Hashable, Sendable {
    /// The agents (index = position).
    public var agents: [AgentSpec]
    /// The workflow's nodes.
    public var nodes: [NodeSpec]
    /// The workflow's edges (must form a DAG).
    public var edges: [EdgeSpec]
    /// κ ∈ [0, 1]: the share of context paid when both ends of an edge are on one agent (absent → 0).
    public var cacheDiscount: Double?
    /// An instance input.
    public init(agents: [AgentSpec], nodes: [NodeSpec], edges: [EdgeSpec], cacheDiscount: Double? = nil) {
        self.agents = agents; self.nodes = nodes; self.edges = edges; self.cacheDiscount = cacheDiscount
    }
    enum CodingKeys: String, CodingKey { case agents, nodes, edges, cacheDiscount = "cache_discount" }
}

extension InstanceSpec {
    /// Decodes JSON, turning Foundation's decoding errors into `FieldError`s naming the file and the field path.
    public static func decode(_ data: Data, file: String = "instance") throws -> InstanceSpec {
        do {
            return try JSONDecoder().decode(InstanceSpec.self, from: data)
        } catch let e as FieldError {
            throw e.reading(file)  // a prior's field, named by its path (`agents[0].prior.kind`)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw FieldError(file: file, field: Self.path(ctx.codingPath + [key]), reason: "is missing")
        } catch let DecodingError.typeMismatch(type, ctx) {
            throw FieldError(file: file, field: Self.path(ctx.codingPath), reason: "has the wrong type (expected \(type))")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw FieldError(file: file, field: Self.path(ctx.codingPath), reason: "is null")
        } catch let DecodingError.dataCorrupted(ctx) {
            let detail = (ctx.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? ctx.debugDescription
            // Well-formed JSON whose numbers do not fit (a fractional difficulty or tier) is
            // reported by some decoders as corrupt data without a path: name the field.
            if let json = try? JSONSerialization.jsonObject(with: data) {
                if let (field, value) = Self.nonInteger(in: json) {
                    throw FieldError(file: file, field: field, reason: "must be an integer (got \(value))")
                }
                throw FieldError(file: file, field: ctx.codingPath.isEmpty ? "(document)" : Self.path(ctx.codingPath),
                                 reason: "has a value of the wrong kind: \(detail)")
            }
            throw FieldError(file: file, field: ctx.codingPath.isEmpty ? "(document)" : Self.path(ctx.codingPath),
                             reason: "is not valid JSON: \(detail)")
        }
    }

    /// The first integer field (`nodes[k].difficulty`, `agents[k].tier`) holding a number
    /// that is not an integer, with its text.
    static func nonInteger(in json: Any) -> (field: String, value: String)? {
        guard let root = json as? [String: Any] else { return nil }
        for (list, key) in [("agents", "tier"), ("nodes", "difficulty")] {
            for (k, item) in ((root[list] as? [Any]) ?? []).enumerated() {
                guard let n = (item as? [String: Any])?[key] as? NSNumber else { continue }
                let d = n.doubleValue
                if !d.isFinite || d.rounded() != d || abs(d) > 9.0e15 { return ("\(list)[\(k)].\(key)", "\(n)") }
            }
        }
        return nil
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}
