import Foundation
import Testing
@testable import Experiments

@Suite("Experiments: reproducible sweeps")
struct SweepTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var topologies: String { root.appendingPathComponent("Experiments/topologies").path }

    static let yaml = """
    name: determinism
    topologies: [S4, S3]
    mechanisms: [star, myopic, homogeneous]
    trials: 6
    seed: 99
    sweep: {rho: [0.25, 1], kappa: [0, 0.3]}
    """

    @Test("same spec and seed ⇒ identical CSV bytes with 1 thread and with 4")
    func threadInvariance() throws {
        let spec = try ExperimentSpec.parse(Self.yaml, file: "inline.yaml")
        let runner = try SweepRunner(spec: spec, topologyDirectory: Self.topologies)
        let one = try Reports.trialsCSV(spec, runner.run(threads: 1))
        let four = try Reports.trialsCSV(spec, runner.run(threads: 4))
        #expect(one == four)
        #expect(one.split(separator: "\n").count == 1 + 2 * 2 * 2 * 6 * 3)
        let s1 = try Reports.summaryCSV(spec, runner.run(threads: 1)), s4 = try Reports.summaryCSV(spec, runner.run(threads: 3))
        #expect(s1 == s4)
    }

    @Test("STAR pays less than both baselines on average on the paper's topologies")
    func starBeatsBaselines() throws {
        let spec = try ExperimentSpec.parse("""
        name: order
        topologies: [S1, S2, S3, S4]
        mechanisms: [star, myopic, homogeneous]
        trials: 10
        seed: 3
        """, file: "inline.yaml")
        let rows = try SweepRunner(spec: spec, topologyDirectory: Self.topologies).run()
        for topo in ["S1", "S2", "S3", "S4"] {
            func mean(_ m: String) -> Double {
                let xs = rows.filter { $0.topology == topo && $0.mechanism == m }.map(\.totalPayment)
                return xs.reduce(0, +) / Double(xs.count)
            }
            #expect(mean("star") < mean("myopic"), "\(topo)")
            #expect(mean("star") < mean("homogeneous"), "\(topo)")
        }
    }

    @Test("bad specs name the file and field, and nothing is written")
    func badSpecs() throws {
        func message(_ text: String) -> String {
            do {
                let s = try ExperimentSpec.parse(text, file: "bad.yaml")
                _ = try SweepRunner(spec: s, file: "bad.yaml", topologyDirectory: Self.topologies)
                return ""
            } catch { return "\(error)" }
        }
        #expect(message("name: x\ntopologies: [S4]\nmechanisms: [star]\ntrials: 2\n").contains("seed"))
        #expect(message("name: x\ntopologies: [S9]\nmechanisms: [star]\ntrials: 2\nseed: 1\n").contains("topologies[0]"))
        #expect(message("name: x\ntopologies: [S4]\nmechanisms: [magic]\ntrials: 2\nseed: 1\n").contains("mechanisms[0]"))
        #expect(message("name: x\ntopologies: [S4]\nmechanisms: [star]\ntrials: two\nseed: 1\n").contains("trials"))
        #expect(message("name: x\ntopologies: [S4]\nmechanisms: [star]\ntrials: 2\nseed: 1\nsweep: {gamma: [1]}\n").contains("sweep.gamma"))
        #expect(message("name: [x\n").contains("bad.yaml"))
        #expect(message("name: x\ntopologies: [S4]\nmechanisms: [star]\ntrials: 2\nseed: 1\nmarket: nowhere.yaml\n").contains("market"))
    }

    @Test("1 shard vs 4 shards merged, and a run killed halfway then resumed: identical CSV bytes")
    func shardsAndResume() throws {
        let spec = try ExperimentSpec.parse(Self.yaml, file: "inline.yaml")
        let runner = try SweepRunner(spec: spec, topologyDirectory: Self.topologies)
        let full = try Reports.trialsCSV(spec, runner.run(threads: 2))
        var merged: [Int: [TrialRow]] = [:]
        for i in 0..<4 {
            let part = try runner.runItems(threads: 2, shard: (i, 4))
            for (k, rows) in part { #expect(merged[k] == nil); merged[k] = rows }
        }
        #expect(try Reports.trialsCSV(spec, runner.assemble(merged)) == full)
        // A missing shard is refused.
        var partial = merged
        for k in partial.keys where k % 2 == 0 { partial[k] = nil }
        #expect(throws: ExperimentError.self) { try runner.assemble(partial) }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-resume-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = dir.appendingPathComponent("journal.jsonl")
        let first = try runner.runItems(threads: 2, journal: journal, stopAfter: runner.itemCount / 2)
        #expect(first.count == runner.itemCount / 2)
        #expect(throws: ExperimentError.self) { try runner.assemble(first) }
        // Simulate a kill mid-write: a torn last line is ignored on resume.
        let h = try FileHandle(forWritingTo: journal); try h.seekToEnd(); try h.write(contentsOf: Data("{\"item\":".utf8)); try h.close()
        let resumed = try runner.runItems(threads: 3, journal: journal)
        #expect(try Reports.trialsCSV(spec, runner.assemble(resumed)) == full)
        // The journal itself now holds every item and reads back cleanly.
        #expect(try Reports.trialsCSV(spec, runner.assemble(Journal.read(journal))) == full)
    }
}
