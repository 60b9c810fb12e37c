import Foundation
import LabIO
import Mechanisms
import Workflows

/// `auctionlab solve INSTANCE --bids FILE|-`: one workflow and market, many bid profiles.
extension Solve {
    /// Decodes and builds INSTANCE once (workflow, priors with their ironing, cost model; the
    /// solver's structure is built on the first solve and shared by every profile through the
    /// instance's `StructureCache`), then solves it once per bid vector of `bids`, writing one
    /// JSON line per vector through the batch's ``LineSink`` (same order, error lines and exit
    /// status as a batch). Each line's instance is `withBids`: the one `solve` builds from the
    /// file with those bids written in, checked with the same messages.
    func runBidStream(_ mech: any Mechanism, bids path: String) throws {
        let base = try loadInstance(instances[0])
        var sink = LineSink(command: self, mechanism: mech)
        let prefix = path == "-" ? "stdin" : path
        var line = 0, seenVector = false
        func take(_ raw: Substring) throws {
            line += 1
            let text = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            guard text.contains(where: { !$0.isWhitespace }) else { return }
            defer { seenVector = true }
            // A header naming the agents in order (as a CSV export would begin) is not a vector.
            if !seenVector, Self.isHeader(text, agents: base.agentIDs) { return }
            let name = "\(prefix):\(line)"
            try sink.add(name) { try base.withBids(NumberLine.parse(text, field: "bids")) }
        }
        if path == "-" {
            while let text = readLine(strippingNewline: true) { try take(Substring(text)) }
        } else {
            let text = try readInputText(path, what: "bids file")
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if text.hasSuffix("\n") { lines.removeLast() }
            for l in lines { try take(l) }
        }
        try sink.finish(noun: "bid vectors")
    }

    /// Whether `text` is a CSV header listing exactly the instance's agent ids, in order.
    static func isHeader(_ text: String, agents: [String]) -> Bool {
        guard let fields = try? NumberLine.fields(of: text.trimmingCharacters(in: .whitespaces), field: "bids") else { return false }
        return fields.map { $0.trimmingCharacters(in: .whitespaces) } == agents
    }
}
