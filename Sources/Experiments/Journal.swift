import Foundation
import LabIO
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
            let e: Entry
            do { e = try JSONDecoder().decode(Entry.self, from: Data(line)) } catch {
                // A torn write (kill mid-line) leaves an incomplete line: its item simply re-runs.
                if line.last != UInt8(ascii: "}") { continue }
                throw ExperimentError.malformed(file: url.path, field: "line \(n + 1)" + fieldPath(error), reason: "is not a journal entry: \(why(error))")
            }
            guard out[e.item] == nil else {
                throw ExperimentError.malformed(file: url.path, field: "line \(n + 1)", reason: "repeats item \(e.item)")
            }
            if let (field, reason) = problem(e) {
                throw ExperimentError.malformed(file: url.path, field: "line \(n + 1) (item \(e.item)) \(field)", reason: reason)
            }
            out[e.item] = e.rows
        }
        return out
    }

    /// ` rows[j].key` of a decoding error, or "".
    static func fieldPath(_ error: Error) -> String {
        let ctx: DecodingError.Context?, key: CodingKey?
        switch error as? DecodingError {
        case let .keyNotFound(k, c)?: ctx = c; key = k
        case let .typeMismatch(_, c)?, let .valueNotFound(_, c)?, let .dataCorrupted(c)?: ctx = c; key = nil
        default: return ""
        }
        let keys = (ctx?.codingPath ?? []) + (key.map { [$0] } ?? [])
        var path = ""
        for k in keys { if let i = k.intValue { path += "[\(i)]" } else { path += (path.isEmpty ? "" : ".") + k.stringValue } }
        return path.isEmpty ? "" : " \(path)"
    }

    static func why(_ error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound?: return "a field is missing"
        case .typeMismatch?: return "a field has the wrong type"
        case .valueNotFound?: return "a field is null"
        default: return "not valid JSON"
        }
    }

    /// A row that no run can produce: a negative or non-finite payment or cost, tier shares
    /// outside [0, 1], a negative count. Returns the field (`rows[j].totalPayment`) and why.
    static func problem(_ e: Entry) -> (String, String)? {
        guard e.item >= 0 else { return ("item", "is negative (\(e.item))") }
        for (j, r) in e.rows.enumerated() {
            for (name, v) in [("totalPayment", r.totalPayment), ("trueCost", r.trueCost), ("bidCost", r.bidCost), ("virtualCost", r.virtualCost)] {
                guard v.isFinite else { return ("rows[\(j)].\(name)", "is not a finite number (\(v))") }
                guard v >= 0 else { return ("rows[\(j)].\(name)", "is negative (\(v)); payments and costs are ≥ 0") }
            }
            for (t, v) in r.tierShare.enumerated() where !(v.isFinite && v >= 0 && v <= 1 + 1e-9) {
                return ("rows[\(j)].tierShare[\(t)]", "must be a share in [0, 1] (got \(v))")
            }
            guard r.trial >= 0 else { return ("rows[\(j)].trial", "is negative (\(r.trial))") }
            guard r.solverCalls >= 0 else { return ("rows[\(j)].solverCalls", "is negative (\(r.solverCalls))") }
            for (key, v) in r.parameters.sorted(by: { $0.key < $1.key }) where !v.isFinite {
                return ("rows[\(j)].parameters.\(key)", "is not a finite number (\(v))")
            }
        }
        return nil
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

