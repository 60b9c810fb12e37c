import Foundation
import Testing
import LabNumerics
@testable import Experiments
@testable import Sweeps

/// The streaming merge (issue 17): row files, k-way merge, accumulators. Every comparison is
/// against the in-memory path (`Reports` on rows held in an array), byte for byte.
@Suite("Experiments: streaming merge and compact shard files")
struct StreamingMergeTests {
    static var topologies: String { SweepTests.topologies }

    @Test("GSL's mean and standard deviation, one value at a time in two passes: bit-identical to Summary(xs)")
    func accumulatorsMatchGSL() {
        var g = SplitMix64(seed: 17)
        for n in [1, 2, 3, 7, 50, 1000, 4099] {
            for scale in [1e-6, 1.0, 3.7e5] {
                let xs = (0..<n).map { _ in scale * (Double(g.next() % 1_000_000) / 1e5 + Double(g.next() % 7)) }
                var m = MeanAccumulator()
                xs.forEach { m.add($0) }
                var v = VarianceAccumulator(mean: m.mean)
                xs.forEach { v.add($0) }
                let reference = Summary(xs), streamed = v.summary
                #expect(streamed.count == reference.count)
                #expect(streamed.mean.bitPattern == reference.mean.bitPattern, "n \(n) scale \(scale)")
                #expect(streamed.std.bitPattern == reference.std.bitPattern, "n \(n) scale \(scale)")
                #expect(streamed.ciLow.bitPattern == reference.ciLow.bitPattern && streamed.ciHigh.bitPattern == reference.ciHigh.bitPattern)
            }
        }
    }

    @Test("a single run streamed through its journal, and 4 shards merged by the k-way merge: the same bytes as the in-memory path",
          arguments: [SweepTests.yaml, """
          name: table-like
          topologies: [S1, S4, S3]
          mechanisms: [star, myopic, homogeneous, vcg, pay-as-bid]
          trials: 37
          seed: 2026
          """])
    func streamingEqualsInMemory(_ yaml: String) throws {
        let spec = try ExperimentSpec.parse(yaml, file: "inline.yaml")
        let runner = try SweepRunner(spec: spec, topologyDirectory: Self.topologies)
        let rows = try runner.run(threads: 2)
        let reference = try [Reports.trialsCSV(spec, rows), Reports.summaryCSV(spec, rows), Reports.tableMarkdown(spec, rows, command: "cmd")]

        let single = ResultFolders.scratch("stream-single")
        defer { try? FileManager.default.removeItem(at: single) }
        #expect(try runner.runToReports(in: single, resume: false, threads: 2, command: "cmd") == rows.count)
        #expect(try ResultFolders.files(single) == reference)
        #expect(!FileManager.default.fileExists(atPath: SweepRunner.journal(in: single, shard: nil).path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: single.path).sorted() == ["summary.csv", "table.md", "trials.csv"])

        let sharded = ResultFolders.scratch("stream-shards")
        defer { try? FileManager.default.removeItem(at: sharded) }
        for i in 0..<4 { _ = try runner.runShard(ShardID(i, of: 4), in: sharded, resume: false, threads: 1) }
        let (names, count) = try runner.mergeShards(in: sharded, rerun: SweepInvocation(spec: "x.yaml", out: sharded.path), command: "cmd")
        #expect(names.count == 4 && count == rows.count)
        #expect(try ResultFolders.files(sharded) == reference)
    }

    @Test("a refused merge writes nothing; a record with a negative payment (valid check) is refused naming file, record and field")
    func refusalsWriteNothing() throws {
        let spec = try ExperimentSpec.parse(SweepTests.yaml, file: "inline.yaml")
        let runner = try SweepRunner(spec: spec, topologyDirectory: Self.topologies)
        let dir = ResultFolders.scratch("stream-refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rerun = SweepInvocation(spec: "x.yaml", out: dir.path)
        for i in [0, 1, 3] { _ = try runner.runShard(ShardID(i, of: 4), in: dir, resume: false, threads: 1) }
        #expect(throws: ShardError.self) { try runner.mergeShards(in: dir, rerun: rerun, command: "cmd") }
        _ = try runner.runShard(ShardID(2, of: 4), in: dir, resume: false, threads: 1)
        // Record 3 of shard 1 rewritten with a negative payment and a correct check.
        let file = dir.appendingPathComponent(try ShardID(1, of: 4).fileName)
        let (header, offset) = try RowFile.readHeader(file)
        var bytes = try Data(contentsOf: file)
        let at = offset + 2 * header.recordSize
        guard case let .item(k, ms) = bytes.withUnsafeBytes({ RowFile.decode(UnsafeRawBufferPointer(rebasing: $0[at..<at + header.recordSize]), header: header) }) else {
            Issue.record("record 3 unreadable"); return
        }
        var bad = ms
        bad[1].totalPayment = -0.5
        bytes.replaceSubrange(at..<at + header.recordSize, with: RowFile.encode(item: k, rows: bad, header: header))
        try bytes.write(to: file)
        do { _ = try runner.mergeShards(in: dir, rerun: rerun, command: "cmd"); Issue.record("merged a negative payment") } catch {
            #expect("\(error)".contains(file.path) && "\(error)".contains("record 3") && "\(error)".contains("rows[1].totalPayment")
                    && "\(error)".contains("negative"), "\(error)")
        }
        // One flipped bit: the record's check fails.
        bytes[at + 9] ^= 0x10
        try bytes.write(to: file)
        do { _ = try runner.mergeShards(in: dir, rerun: rerun, command: "cmd"); Issue.record("merged a damaged record") } catch {
            #expect("\(error)".contains(file.path) && "\(error)".contains("record 3") && "\(error)".contains("check"), "\(error)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(!left.contains { $0.hasSuffix(".csv") || $0.hasSuffix(".md") || $0.hasSuffix(".partial") }, "\(left)")
    }

    @Test("slots: every item of a shard has one slot and back; a record is 8 + 60·M bytes")
    func slotLayout() throws {
        for trials in [1, 5, 6, 37] {
            for n in [1, 2, 4, 7] {
                for i in 0..<n {
                    let s = try ShardID(i, of: n)
                    let items = (0..<(3 * trials)).filter { s.contains(trial: $0 % trials) }
                    #expect(items.enumerated().allSatisfy { r, k in
                        RowFile.slot(ofItem: k, shard: s, trials: trials) == r && RowFile.item(inSlot: r, shard: s, trials: trials) == k })
                    #expect(items.count == 3 * RowFile.trialsIn(s, trials: trials))
                }
            }
        }
        let h = RowFile.Header(specHash: 1, seed: 2, trials: 3, shard: .all, slots: 3, mechanisms: 5)
        #expect(h.recordSize == 308)
        #expect(RowFile.Header.parse(Substring(h.line.dropLast())) == .success(h))
    }
}
