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
    /// .withoutEscapingSlashes]` (the tests compare them), assembled here as UTF-8 in sorted order
    /// instead of through the encoder's keyed containers: the per-instance parts (each agent's key,
    /// each node's `"node":"agent"` entry for every agent) are laid out once in the instance's
    /// cache (`OutcomeLineIDs`), so a bid stream's line copies them and writes its numbers. Finite
    /// numbers are written as the encoder writes a `Double` (``jsonNumber(_:)``); when one is not
    /// finite, all of them go through `JSONEncoder`, which refuses it with its own error. Ids that
    /// are printable ASCII without `"` or `\` are written as they are, any other string by the
    /// encoder (made only then).
    public func jsonLine(for inst: Instance, instance name: String? = nil) throws -> String {
        let M = inst.agentCount
        var made: JSONEncoder?
        func encoder() -> JSONEncoder {
            if let made { return made }
            let e = JSONEncoder()
            e.outputFormatting = [.withoutEscapingSlashes]
            made = e
            return e
        }
        // Agent i's payment, virtual cost and workload at 3i, 3i + 1, 3i + 2; then the three totals.
        func number(_ k: Int) -> Double {
            switch k - 3 * M {
            case 0: return totalBidCost
            case 1: return totalPayment
            case 2: return totalVirtualCost
            default: return k % 3 == 0 ? payments[k / 3] : k % 3 == 1 ? virtualCosts[k / 3] : workloads[k / 3]
            }
        }
        var texts: [String]?
        if !(payments.allSatisfy(\.isFinite) && virtualCosts.allSatisfy(\.isFinite) && workloads.allSatisfy(\.isFinite)
             && totalBidCost.isFinite && totalPayment.isFinite && totalVirtualCost.isFinite) {
            // "[a,b,…]": number texts never contain a comma.
            texts = try encoder().encode((0..<(3 * M + 3)).map(number)).dropFirst().dropLast()
                .split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        }
        // The ids' parts, once per instance (a bid stream's lines share them).
        let ids = try inst.cache.value("outcome.jsonLine.ids") { try OutcomeLineIDs(inst, encoder: encoder()) }
        var out: [UInt8] = []
        out.reserveCapacity(ids.bytes.count / max(1, M) + 40 * M + 256)
        func put(_ s: String) { out.append(contentsOf: s.utf8) }
        func put(number x: Double) {
            var s = x.description
            s.withUTF8 { b in
                let n = b.count >= 2 && b[b.count - 2] == UInt8(ascii: ".") && b[b.count - 1] == UInt8(ascii: "0") ? b.count - 2 : b.count
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[..<n]))
            }
        }
        func put(_ k: Int) { if let texts { put(texts[k]) } else { put(number: number(k)) } }
        func quoted(_ s: String) throws -> String { try Self.quoted(s, encoder) }
        put(#"{"agents":{"#)
        for (k, i) in ids.agentOrder.enumerated() {
            out.append(contentsOf: ids.bytes[ids.agentHead[k]])
            put(3 * i)
            put(#","virtual_cost":"#); put(3 * i + 1)
            put(#","workload":"#); put(3 * i + 2)
            put("}")
        }
        put(#"},"allocation":{"#)
        for (k, v) in ids.nodeOrder.enumerated() { out.append(contentsOf: ids.bytes[ids.nodeEntry[k * M + assignment[v]]]) }
        put("}")
        if let name { put(#","instance":"#); put(try quoted(name)) }
        put(#","mechanism":"#); put(try quoted(mechanism))
        put(#","reserve":"#); put(try quoted(reserve.rawValue))
        put(#","solver":"#); put(try quoted(solver))
        put(#","solver_calls":"#); put(String(solverCalls))
        put(#","total_bid_cost":"#); put(3 * M)
        put(#","total_payment":"#); put(3 * M + 1)
        put(#","total_virtual_cost":"#); put(3 * M + 2)
        put("}")
        return String(decoding: out, as: UTF8.self)
    }

    /// A finite `Double` as `JSONEncoder` writes it: its `description` without a trailing `.0`
    /// (swift-foundation's encoder does exactly this; the tests compare the two on integers,
    /// fractions, ±0, subnormals and powers of ten across the exponent range).
    public static func jsonNumber(_ x: Double) -> String {
        var s = x.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// `s` as a JSON string, as `encoder` writes it: printable ASCII without `"` or `\` as it is,
    /// anything else through the encoder.
    static func quoted(_ s: String, _ encoder: () -> JSONEncoder) throws -> String {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) { return "\"" + s + "\"" }
        return String(decoding: try encoder().encode([s]).dropFirst().dropLast(), as: UTF8.self)
    }
}

/// An instance's node and agent ids as `Outcome.jsonLine` writes them, laid out once: in the
/// order of the encoder's sorted keys (byte order of their UTF-8), quoted, as UTF-8 fragments of
/// the line in one buffer — per agent in key order `[,]"id":{"payment":`, and per node in key
/// order and agent a `[,]"node":"agent a"`.
struct OutcomeLineIDs {
    let agentOrder: [Int]
    let nodeOrder: [Int]
    /// Every fragment, back to back.
    let bytes: [UInt8]
    /// The k-th agent (key order): its key and the `payment` key, after a comma when k > 0.
    let agentHead: [Range<Int>]
    /// The k-th node (key order) on agent a, at k·M + a: `"node":"agent"`, after a comma when k > 0.
    let nodeEntry: [Range<Int>]

    init(_ inst: Instance, encoder: JSONEncoder) throws {
        func byKey(_ ids: [String]) -> [Int] { ids.indices.sorted { ids[$0].utf8.lexicographicallyPrecedes(ids[$1].utf8) } }
        let agents = try inst.agentIDs.map { try Outcome.quoted($0, { encoder }) }
        let nodes = try inst.workflow.ids.map { try Outcome.quoted($0, { encoder }) }
        agentOrder = byKey(inst.agentIDs)
        nodeOrder = byKey(inst.workflow.ids)
        var b: [UInt8] = [], heads: [Range<Int>] = [], entries: [Range<Int>] = []
        func fragment(_ s: String) -> Range<Int> {
            let start = b.count
            b.append(contentsOf: s.utf8)
            return start..<b.count
        }
        for (k, i) in agentOrder.enumerated() { heads.append(fragment((k > 0 ? "," : "") + agents[i] + #":{"payment":"#)) }
        for (k, v) in nodeOrder.enumerated() {
            for a in agents.indices { entries.append(fragment((k > 0 ? "," : "") + nodes[v] + ":" + agents[a])) }
        }
        bytes = b; agentHead = heads; nodeEntry = entries
    }
}
