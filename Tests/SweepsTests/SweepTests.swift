import Foundation
import Testing
import TestSupport
@testable import Experiments
@testable import Sweeps
import LabIO
import Workflows

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
            let part = try runner.runItems(threads: 2, shard: ShardID(i, of: 4))
            for (k, rows) in part { #expect(merged[k] == nil); merged[k] = rows }
        }
        #expect(try Reports.trialsCSV(spec, runner.assemble(merged)) == full)
        // A missing shard is refused.
        var partial = merged
        for k in partial.keys where k % 2 == 0 { partial[k] = nil }
        #expect(throws: ExperimentError.self) { try runner.assemble(partial) }

        let dir = Scratch.path("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = dir.appendingPathComponent("journal.rows")
        let first = try runner.runItems(threads: 2, journal: journal, stopAfter: runner.itemCount / 2)
        #expect(first.count == runner.itemCount / 2)
        #expect(throws: ExperimentError.self) { try runner.assemble(first) }
        // Simulate a kill mid-write: half of a record lands in the next empty slot; its check
        // fails, so resume counts it as not done and runs it again.
        let (header, offset) = try RowFile.readHeader(journal)
        var bytes = try Data(contentsOf: journal)
        let size = header.recordSize, torn = runner.itemCount / 2
        #expect(bytes.count == offset + torn * size)
        bytes.append(bytes[offset..<offset + size / 2])
        try bytes.write(to: journal)
        #expect(try runner.readJournal(journal, shard: .all) { _, _, _ in } == torn)
        let resumed = try runner.runItems(threads: 3, journal: journal)
        #expect(try Reports.trialsCSV(spec, runner.assemble(resumed)) == full)
        // The journal itself now holds every item and reads back cleanly.
        var back: [Int: [TrialRow]] = [:]
        _ = try runner.readJournal(journal, shard: .all) { _, k, ms in back[k] = runner.trialRows(item: k, ms) }
        #expect(try Reports.trialsCSV(spec, runner.assemble(back)) == full)
    }

    @Test("a shard killed halfway: merge refuses naming it (and a truncated shard, and duplicates); re-run alone with --resume, the merge is byte-identical")
    func killedShardRerunAlone() throws {
        let spec = try ExperimentSpec.parse(Self.yaml, file: "inline.yaml")
        let runner = try SweepRunner(spec: spec, topologyDirectory: Self.topologies)
        let full = try runner.run(threads: 2)
        let dir = Scratch.path("killed-shard")
        try? FileManager.default.removeItem(at: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rerun = SweepInvocation(spec: "x.yaml", out: dir.path)
        func refusal() throws -> MergeDiagnosis? {
            do { _ = try runner.collectShards(in: dir, rerun: rerun); return nil } catch let ShardError.refused(d) { return d }
        }
        #expect(throws: ShardError.noShardFiles(directory: dir.path)) { try runner.collectShards(in: dir, rerun: rerun) }

        // 4 shards; shard 2 (trial 2: 4 points × 2 topologies = 8 items) is "killed" after 3 items.
        for i in 0..<4 {
            let r = try runner.runShard(ShardID(i, of: 4), in: dir, resume: false, threads: 2, stopAfter: i == 2 ? 3 : nil)
            #expect(r.finished == (i != 2))
            #expect(try r.totalItems == runner.itemCount(of: ShardID(i, of: 4)))
        }
        let shard2 = try ShardID(2, of: 4)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(shard2.fileName).path))
        #expect(try runner.readJournal(dir.appendingPathComponent(shard2.journalName), shard: shard2) { _, _, _ in } == 3)

        // Merge refuses, naming the trial, the shard and the command that re-runs it.
        let d = try #require(try refusal())
        #expect(d.missingTrials == [2])
        #expect(d.missingItems == runner.itemCount(of: shard2))   // a journal is not a shard: merge reads only finished shards
        #expect(d.missingShards.map(\.shard) == [shard2])
        #expect(d.missingShards[0].fileExists == false && d.missingShards[0].journalExists)
        #expect(d.description.contains("missing trials 2 ") && d.description.contains("shard 2/4 not present"))
        #expect(d.description.contains("auctionlab sweep x.yaml --shard 2/4 --resume --out \(dir.path)"))

        // A truncated shard file (one record lost) is named as incomplete too.
        let f1 = dir.appendingPathComponent(try ShardID(1, of: 4).fileName)
        let whole = try Data(contentsOf: f1)
        try whole.dropLast(RowFile.readHeader(f1).0.recordSize).write(to: f1)
        let d2 = try #require(try refusal())
        #expect(d2.missingTrials == [2, 5])
        #expect(d2.missingShards.map(\.shard.index) == [1, 2] && d2.missingShards[0].fileExists)
        #expect(d2.description.contains("shard 1/4 incomplete"))

        // Re-run the two shards alone: shard 2 resumes from its journal (3 items not redone).
        let r2 = try runner.runShard(shard2, in: dir, resume: true, threads: 2)
        #expect(r2.finished && r2.resumedItems == 3 && r2.newItems == r2.totalItems - 3)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(shard2.journalName).path))
        _ = try runner.runShard(ShardID(1, of: 4), in: dir, resume: true, threads: 1)
        let (merged, files) = try runner.collectShards(in: dir, rerun: rerun)
        #expect(files.count == 4)
        #expect(try Reports.trialsCSV(spec, runner.assemble(merged)) == Reports.trialsCSV(spec, full))
        #expect(try Reports.summaryCSV(spec, runner.assemble(merged)) == Reports.summaryCSV(spec, full))

        // A shard of another split next to these: the trials in both are named as duplicated.
        _ = try runner.runShard(ShardID(0, of: 2), in: dir, resume: false, threads: 2)
        let d3 = try #require(try refusal())
        #expect(d3.missingTrials.isEmpty)
        #expect(d3.duplicates.map(\.trial) == [0, 2, 4])
        #expect(d3.duplicates[0].files == ["shard-0-of-2.rows", "shard-0-of-4.rows"])
        #expect(d3.description.contains("duplicated trials 0, 2, 4"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent(try ShardID(0, of: 2).fileName))
        // A renamed shard file is refused by name: its header says which shard it holds.
        let renamed = dir.appendingPathComponent(try ShardID(1, of: 2).fileName)
        try FileManager.default.copyItem(at: dir.appendingPathComponent(try ShardID(0, of: 4).fileName), to: renamed)
        do { _ = try runner.collectShards(in: dir, rerun: rerun); Issue.record("merged a renamed shard") } catch {
            #expect("\(error)".contains(renamed.path) && "\(error)".contains("holds shard 0/4, not 1/2"), "\(error)")
        }
        try FileManager.default.removeItem(at: renamed)

        // A shard file from another --trials holds items this spec does not give that shard.
        var fewer = spec; fewer.trials = 3
        let other = try SweepRunner(spec: fewer, topologyDirectory: Self.topologies)
        #expect(throws: ShardError.self) { try other.collectShards(in: dir, rerun: rerun) }
        // Same shape, another seed: every row's seed is checked, by merge and by --resume.
        var reseeded = spec; reseeded.seed = 100
        let other2 = try SweepRunner(spec: reseeded, topologyDirectory: Self.topologies)
        do { _ = try other2.collectShards(in: dir, rerun: rerun); Issue.record("merged shards of another seed") } catch {
            #expect("\(error)".contains("seed") && "\(error)".contains("another spec"), "\(error)")
        }
        try FileManager.default.copyItem(at: dir.appendingPathComponent(shard2.fileName), to: dir.appendingPathComponent(shard2.journalName))
        #expect(throws: ExperimentError.self) { try other2.runShard(shard2, in: dir, resume: true, threads: 1) }
    }

    @Test("shard ids parse i/n, name their files, and reject bad values naming the option")
    func shardIDs() throws {
        let s = try ShardID.parse("3/4")
        #expect(s.index == 3 && s.count == 4 && s.fileName == "shard-3-of-4.rows" && s.journalName == "journal-shard-3-of-4.rows")
        #expect(ShardID(fileName: "shard-3-of-4.rows") == s)
        #expect(ShardID(fileName: "shard-3-of-4.rows.partial") == nil && ShardID(fileName: "shard-4-of-4.rows") == nil)
        #expect(ShardID(fileName: "shard-3-of-4.jsonl") == nil)
        #expect(s.contains(trial: 7) && !s.contains(trial: 8))
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3"] {
            #expect(throws: FieldError.self, "\(bad)") { try ShardID.parse(bad) }
            do { _ = try ShardID.parse(bad) } catch { #expect("\(error)".contains("--shard")) }
        }
        #expect(Shell.quote("a/b-c.yaml") == "a/b-c.yaml")
        #expect(Shell.quote("it's here") == "'it'\\''s here'")
    }
}

@Suite("Experiments: one trial's instance")
struct TrialInstanceTests {
    @Test("the instance of trial k on a topology reproduces that trial's rows when run alone; bad names are refused")
    func trialInstanceReproducesRows() throws {
        let spec = try ExperimentSpec.parse("""
        name: alone
        topologies: [S2, S4]
        mechanisms: [star, myopic]
        trials: 4
        seed: 11
        """, file: "inline.yaml")
        let runner = try SweepRunner(spec: spec, topologyDirectory: SweepTests.topologies)
        let rows = try runner.run(threads: 1)
        for topo in ["S2", "S4"] {
            for trial in [0, 3] {
                let ispec = try runner.trialInstance(topology: topo, trial: trial)
                let inst = try Instance(spec: ispec)
                let a = runner.market.assumed
                for (j, mech) in runner.mechanisms.enumerated() {
                    let row = rows.first { $0.topology == topo && $0.trial == trial && $0.mechanism == spec.mechanisms[j] }!
                    let paid = try a.run(mech, on: inst, spec: ispec).paid
                    // Rows are in $ (the market's prices are per million tokens, times its payment scale).
                    #expect(abs(paid / 1e6 * a.scale - row.totalPayment) <= 1e-12 * max(1, abs(row.totalPayment)), "\(topo) trial \(trial) \(mech.name)")
                }
            }
        }
        // A different trial is a different market.
        #expect(try runner.trialInstance(topology: "S2", trial: 0) != runner.trialInstance(topology: "S2", trial: 1))
        #expect(throws: FieldError.self) { try runner.trialInstance(topology: "S9", trial: 0) }
        #expect(throws: FieldError.self) { try runner.trialInstance(topology: "S2", trial: 4) }
        #expect(throws: FieldError.self) { try runner.trialInstance(topology: "S2", trial: 0, point: 1) }
    }
}
