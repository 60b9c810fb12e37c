import Foundation
import LabNumerics

/// Newline-delimited JSON of finished items (`{"item":k,"rows":[…]}`): the journal of a
/// running sweep and the file format of a shard. JSON doubles round-trip exactly, so a
/// resumed or merged run produces the same bytes as an uninterrupted one. A truncated
/// last line (a kill mid-write) is ignored; an item appearing twice is an error.
public enum Journal {
    struct Entry: Codable { let item: Int; let rows: [TrialRow] }

    public static func read(_ url: URL) throws -> [Int: [TrialRow]] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        var out: [Int: [TrialRow]] = [:]
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        for (n, line) in lines.enumerated() {
            guard let e = try? JSONDecoder().decode(Entry.self, from: Data(line)) else {
                // A torn write (kill mid-line) leaves an incomplete line: its item simply re-runs.
                if line.last != UInt8(ascii: "}") { continue }
                throw ExperimentError.malformed(file: url.path, field: "line \(n + 1)", reason: "is not a journal entry")
            }
            guard out[e.item] == nil else {
                throw ExperimentError.malformed(file: url.path, field: "line \(n + 1)", reason: "repeats item \(e.item)")
            }
            out[e.item] = e.rows
        }
        return out
    }

    /// Appends entries; one write per line under a lock, flushed to the OS at once.
    final class Writer: @unchecked Sendable {
        private let handle: FileHandle
        private let lock = NSLock()
        init(url: URL) throws {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
            handle = try FileHandle(forWritingTo: url)
            let end = try handle.seekToEnd()
            // After a torn write, start on a fresh line so the fragment stays a line of its own.
            if end > 0 {
                let reader = try FileHandle(forReadingFrom: url)
                defer { try? reader.close() }
                try reader.seek(toOffset: end - 1)
                if try reader.read(upToCount: 1)?.first != UInt8(ascii: "\n") {
                    try handle.write(contentsOf: Data([UInt8(ascii: "\n")]))
                }
            }
        }
        func append(item: Int, rows: [TrialRow]) throws {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            var line = try enc.encode(Entry(item: item, rows: rows))
            line.append(UInt8(ascii: "\n"))
            lock.lock(); defer { lock.unlock() }
            try handle.write(contentsOf: line)
        }
        deinit { try? handle.close() }
    }

    /// Writes a complete set of entries atomically (shard files).
    public static func write(_ done: [Int: [TrialRow]], to url: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        var data = Data()
        for k in done.keys.sorted() {
            data.append(try enc.encode(Entry(item: k, rows: done[k]!)))
            data.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(data, to: url)
    }
}

