import Foundation
import Sweeps
import Testing
import TestSupport
@testable import FuzzHarness
import Experiments
import LabIO

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
        let seed = try Data(contentsOf: dir.appendingPathComponent("shard-head.rows"))
        #expect(try RowFile.read(writeTemporary(seed)).items.count == 2)
        // The sign bit of record 1's first payment (the top byte of a little-endian Float64 after the item number).
        let header = try #require(seed.firstIndex(of: UInt8(ascii: "\n")))
        var tampered = seed
        tampered[header + 1 + 4 + 7] |= 0x80
        #expect(tampered != seed)
        let url = try writeTemporary(tampered)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect { try RowFile.read(url) } throws: { ($0 as? FieldError)?.reason.contains("fails its check") == true }
    }

    @Test("the outcome check reads values, not text: ids spelling nan/inf/null pass, a null or a non-finite number is named by path")
    func outcomeValuesNotText() throws {
        let ok: [String: Any] = ["allocation": ["nanalyst": "inf_agent", "null": "a"], "agents": ["a": ["payment": 1.5, "workload": 0]]]
        #expect(FuzzContract.badValue(ok, path: "outcome") == nil)
        let null: [String: Any] = ["agents": ["a": ["payment": NSNull(), "workload": 2]]]
        #expect(FuzzContract.badValue(null, path: "outcome")?.hasPrefix("outcome.agents.a.payment") == true)
        let infinite: [String: Any] = ["total_payment": [1.0, Double.infinity]]
        #expect(FuzzContract.badValue(infinite, path: "outcome")?.hasPrefix("outcome.total_payment[1]") == true)
    }

    func writeTemporary(_ data: Data) throws -> URL {
        let url = Scratch.path("tampered").appendingPathExtension("rows")
        try data.write(to: url)
        return url
    }
}
