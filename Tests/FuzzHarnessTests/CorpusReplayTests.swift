import Foundation
import Testing
@testable import FuzzHarness
import Experiments

/// Replays the committed fuzz corpus (seeds from Experiments/ and every reproducer a fuzz run
/// found, `Tests/FuzzHarnessTests/Corpus/FORMAT/`) through the input contract: no trap, and
/// either a typed error or a result passing the output invariants. `Scripts/fuzz` grows it.
@Suite("Fuzz corpus replay: the input contract holds on every committed input")
struct CorpusReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    @Test("every corpus file of every format", arguments: FuzzContract.Format.allCases)
    func replay(_ format: FuzzContract.Format) throws {
        let dir = Self.root.appendingPathComponent(format.rawValue)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        #expect(!files.isEmpty, "no corpus for \(format.rawValue)")
        for f in files.sorted() {
            let data = try Data(contentsOf: dir.appendingPathComponent(f))
            #expect(throws: Never.self, "\(format.rawValue)/\(f)") { try FuzzContract.check(data, as: format) }
        }
    }

    @Test("a tampered journal row (negative payment) is refused with a typed error naming the row, not merged")
    func tamperedJournalRefused() throws {
        let dir = Self.root.appendingPathComponent("journal")
        let seed = try String(contentsOf: dir.appendingPathComponent("shard-head.jsonl"), encoding: .utf8)
        let tampered = seed.replacingOccurrences(of: "\"totalPayment\":", with: "\"totalPayment\":-")
        #expect(tampered != seed)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tampered-\(getpid()).jsonl")
        try tampered.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ExperimentError.self) { try Journal.read(url) }
    }
}
