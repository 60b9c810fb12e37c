import Foundation
import Testing
import TestSupport
import Studies
import LabIO

/// The decomposition study's files (issue 29): columns, the additivity of the factors, the
/// anatomy's shares, and independence from the thread count. Checked on the CSV text as a
/// reader would see it, not on the study's in-memory values.
@Suite("Decomposition study files")
struct DecompositionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func spec(trials: Int, pairTrials: Int) throws -> DecompositionSpec {
        let dir = Scratch.path("decomp-spec")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("d.yaml")
        try """
        kind: decomposition
        name: d
        topologies: [S3, S4]
        topology_dir: \(root.appendingPathComponent("Experiments/topologies").path)
        seed: 29
        trials: \(trials)
        star_vcg_trials: \(pairTrials)
        """.write(to: file, atomically: true, encoding: .utf8)
        return try DecompositionSpec.load(file.path)
    }

    /// Header and rows of a CSV without quoted fields (every field here is a name or a number).
    static func table(_ text: String) -> (header: [String], rows: [[String: String]]) {
        let lines = text.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        return (header, lines.dropFirst().map { l in
            let f = l.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, f))
        })
    }

    @Test("columns; main effects + interaction = total per topology; anatomy shares sum to 1 per node; same bytes on 1 and 2 threads")
    func files() throws {
        let s = try Self.spec(trials: 4, pairTrials: 7)
        let runs = try DecompositionStudy.run(s, threads: 2)
        let factors = Self.table(try DecompositionStudy.factorsCSV(runs))
        #expect(factors.header == ["topology", "factor", "trials", "effect", "effect_low", "effect_high", "share", "share_low", "share_high"])
        for topo in ["S3", "S4"] {
            let rows = factors.rows.filter { $0["topology"] == topo }
            func effect(_ f: String) throws -> Double {
                let row = try #require(rows.first { $0["factor"] == f }, "\(topo): no row \(f)")
                return try #require(Double(row["effect"] ?? ""), "\(topo) \(f): effect not a number")
            }
            let parts = try ["virtual_pricing", "edge_awareness", "payment_rule", "billing", "interaction"].map(effect).reduce(0, +)
            let total = try effect("total")
            #expect(abs(parts - total) <= 1e-8 * max(1, abs(total)), "\(topo): parts \(parts) vs total \(total)")
            // Shapley values sum to the total with no remainder (an independent identity: efficiency).
            let shapley = try ["virtual_pricing", "edge_awareness", "payment_rule", "billing"].map { try effect("shapley_" + $0) }.reduce(0, +)
            #expect(abs(shapley - total) <= 1e-8 * max(1, abs(total)), "\(topo): Shapley sum \(shapley) vs total \(total)")
            #expect(total > 0, "\(topo): STAR saves against Myopic on these trials")
        }
        let trials = Self.table(try DecompositionStudy.trialsCSV(runs))
        #expect(trials.header == ["topology", "trial", "seed", "mechanism", "allocation", "payment", "billing", "total_payment", "true_cost",
                                  "share_tier1", "share_tier2", "share_tier3"])
        #expect(trials.rows.count == 2 * 4 * 24)
        let pair = Self.table(try DecompositionStudy.starVCGCSV(runs))
        #expect(pair.rows.count == 2 && pair.rows.allSatisfy { $0["trials"] == "7" })
        #expect(pair.header.contains("trials_needed") && pair.header.contains("resolved"))
        let anatomy = Self.table(try DecompositionStudy.assignmentsCSV(runs))
        #expect(anatomy.header == ["allocation", "topology", "node", "difficulty", "agent", "tier", "trials", "share"])
        var sums: [String: Double] = [:]
        for r in anatomy.rows {
            sums["\(r["allocation"]!)/\(r["topology"]!)/\(r["node"]!)", default: 0] += Double(r["share"]!)!
            // A node is never served by an agent below its difficulty.
            if Int(r["tier"]!)! < Int(r["difficulty"]!)! { #expect(Double(r["share"]!)! == 0) }
        }
        #expect(sums.count == 4 * (17 + 12))
        for (k, v) in sums { #expect(abs(v - 1) < 1e-9, "\(k): \(v)") }
        // The thread count changes no byte.
        let again = try DecompositionStudy.run(s, threads: 1)
        #expect(try DecompositionStudy.trialsCSV(again) == DecompositionStudy.trialsCSV(runs))
        #expect(try DecompositionStudy.assignmentsCSV(again) == DecompositionStudy.assignmentsCSV(runs))
        #expect(try DecompositionStudy.starVCGCSV(again) == DecompositionStudy.starVCGCSV(runs))
    }
}
