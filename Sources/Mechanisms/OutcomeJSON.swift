import Foundation
import Workflows

/// The outcome object of FileFormats.md as an `Encodable` value: keyed by node and agent ids, encoded
/// with sorted keys. Encoded by swift-foundation's `JSONEncoder`, which writes the same bytes as
/// `JSONSerialization` on a `[String: Any]` of these fields at about a tenth of the cost (the old
/// path spent 45 % of a batch `solve` sorting keys through ICU collation).
public struct OutcomeRecord: Encodable, Sendable {
    /// One agent's figures: workload (work units), payment and virtual cost (money).
    public struct AgentFigures: Encodable, Sendable {
        /// x_i(A): work units assigned (output tokens + ρ_i × input tokens, from `CostModel`).
        public let workload: Double
        /// The agent's payment (money).
        public let payment: Double
        /// The agent's virtual cost of its workload (money; STAR's objective term).
        public let virtualCost: Double
        enum CodingKeys: String, CodingKey { case workload, payment, virtualCost = "virtual_cost" }
    }
    /// The mechanism's registry name.
    public let mechanism: String
    /// Node id → agent id.
    public let allocation: [String: String]
    /// Agent id → figures.
    public let agents: [String: AgentFigures]
    /// Σ payments (money).
    public let totalPayment: Double
    /// Σ virtual costs (money).
    public let totalVirtualCost: Double
    /// Σ bid × workload (money): the allocation's cost at the reported bids.
    public let totalBidCost: Double
    /// The allocation solver's name.
    public let solver: String
    /// Allocation solves spent, payments included.
    public let solverCalls: Int
    /// The payment bound applied (`ReserveRule` raw value).
    public let reserve: String
    /// The instance's name in a batch (`solve -`, several files); absent for a single instance.
    public var instance: String?

    enum CodingKeys: String, CodingKey {
        case mechanism, allocation, agents, solver, reserve, instance
        case totalPayment = "total_payment", totalVirtualCost = "total_virtual_cost", totalBidCost = "total_bid_cost"
        case solverCalls = "solver_calls"
    }
}

extension Outcome {
    /// The outcome record of FileFormats.md for `inst`, optionally naming the instance.
    public func record(for inst: Instance, instance name: String? = nil) -> OutcomeRecord {
        var allocation: [String: String] = [:]
        for (v, i) in assignment.enumerated() { allocation[inst.workflow.ids[v]] = inst.agentIDs[i] }
        var agents: [String: OutcomeRecord.AgentFigures] = [:]
        for i in 0..<inst.agentCount {
            agents[inst.agentIDs[i]] = .init(workload: workloads[i], payment: payments[i], virtualCost: virtualCosts[i])
        }
        return OutcomeRecord(mechanism: mechanism, allocation: allocation, agents: agents,
                             totalPayment: totalPayment, totalVirtualCost: totalVirtualCost, totalBidCost: totalBidCost,
                             solver: solver, solverCalls: solverCalls, reserve: reserve.rawValue, instance: name)
    }

    /// Deterministic, pretty-printed JSON text (sorted keys), as `solve --format json` prints it.
    public func jsonText(for inst: Instance) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(record(for: inst)), as: UTF8.self)
    }

    /// One line of JSON (sorted keys, slashes unescaped), as a batch `solve` prints each outcome:
    /// the bytes `JSONEncoder` writes for `record(for:instance:)` with `[.sortedKeys,
    /// .withoutEscapingSlashes]` (the tests compare them), assembled here in sorted order instead
    /// of through the encoder's keyed containers (a third of a bid-stream line's time). Every
    /// number is still written by `JSONEncoder`, all of them in one flat array; ids that are
    /// printable ASCII without `"` or `\` are written as they are, any other string by the encoder.
    public func jsonLine(for inst: Instance, instance name: String? = nil) throws -> String {
        let M = inst.agentCount
        var numbers: [Double] = []
        numbers.reserveCapacity(3 * M + 3)
        for i in 0..<M { numbers.append(payments[i]); numbers.append(virtualCosts[i]); numbers.append(workloads[i]) }
        numbers.append(totalBidCost); numbers.append(totalPayment); numbers.append(totalVirtualCost)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let encoded = try encoder.encode(numbers)
        // "[a,b,…]": number texts never contain a comma.
        let texts = encoded.dropFirst().dropLast().split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        func quoted(_ s: String) throws -> String { try Self.quoted(s, encoder) }
        // The ids quoted and in key order, once per instance (a bid stream's lines share them).
        let ids = try inst.cache.value("outcome.jsonLine.ids") { try OutcomeLineIDs(inst, encoder: encoder) }
        var out = #"{"agents":{"#
        for (k, i) in ids.agentOrder.enumerated() {
            if k > 0 { out += "," }
            out += ids.agents[i]
            out += #":{"payment":"# + texts[3 * i] + #","virtual_cost":"# + texts[3 * i + 1] + #","workload":"# + texts[3 * i + 2] + "}"
        }
        out += #"},"allocation":{"#
        for (k, v) in ids.nodeOrder.enumerated() {
            if k > 0 { out += "," }
            out += ids.nodes[v] + ":" + ids.agents[assignment[v]]
        }
        out += "}"
        if let name { out += #","instance":"# + (try quoted(name)) }
        out += #","mechanism":"# + (try quoted(mechanism)) + #","reserve":"# + (try quoted(reserve.rawValue))
        out += #","solver":"# + (try quoted(solver)) + #","solver_calls":"# + String(solverCalls)
        out += #","total_bid_cost":"# + texts[3 * M] + #","total_payment":"# + texts[3 * M + 1] + #","total_virtual_cost":"# + texts[3 * M + 2] + "}"
        return out
    }

    /// `s` as a JSON string, as `encoder` writes it: printable ASCII without `"` or `\` as it is,
    /// anything else through the encoder.
    static func quoted(_ s: String, _ encoder: JSONEncoder) throws -> String {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) { return "\"" + s + "\"" }
        return String(decoding: try encoder.encode([s]).dropFirst().dropLast(), as: UTF8.self)
    }
}

/// An instance's node and agent ids as `Outcome.jsonLine` writes them: quoted, and the order of
/// the encoder's sorted keys (byte order of their UTF-8).
struct OutcomeLineIDs {
    let agents: [String]
    let nodes: [String]
    let agentOrder: [Int]
    let nodeOrder: [Int]

    init(_ inst: Instance, encoder: JSONEncoder) throws {
        func byKey(_ ids: [String]) -> [Int] { ids.indices.sorted { ids[$0].utf8.lexicographicallyPrecedes(ids[$1].utf8) } }
        agents = try inst.agentIDs.map { try Outcome.quoted($0, encoder) }
        nodes = try inst.workflow.ids.map { try Outcome.quoted($0, encoder) }
        agentOrder = byKey(inst.agentIDs)
        nodeOrder = byKey(inst.workflow.ids)
    }
}
