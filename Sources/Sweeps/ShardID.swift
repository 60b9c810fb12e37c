import Foundation
import LabIO

/// Shard `index` of `count`: the trials whose index is `index` mod `count` (all their
/// parameter points and topologies), so every shard sees the same markets a single run sees.
public struct ShardID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The shard's index, in 0..<``count``.
    public let index: Int
    /// Number of shards the trials are split into (> 0).
    public let count: Int

    /// Shard `index` of `count`.
    /// - Throws: a `FieldError` naming `field` unless 0 ≤ index < count.
    public init(_ index: Int, of count: Int, field: String = "--shard") throws {
        guard count > 0, (0..<count).contains(index) else {
            throw FieldError(field: field, reason: "must be i/n with 0 ≤ i < n (got \(index)/\(count))")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`, e.g. `3/4`.
    public static func parse(_ text: String, field: String = "--shard") throws -> ShardID {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw FieldError(field: field, reason: "must be i/n with 0 ≤ i < n, e.g. 0/4 (got \"\(text)\")")
        }
        return try ShardID(i, of: n, field: field)
    }

    /// The shard of a `shard-I-of-N.rows` file name, nil for any other name.
    public init?(fileName: String) {
        guard fileName.hasPrefix("shard-"), fileName.hasSuffix(Self.fileExtension) else { return nil }
        let parts = fileName.dropFirst(6).dropLast(Self.fileExtension.count).components(separatedBy: "-of-")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), let s = try? ShardID(i, of: n) else { return nil }
        self = s
    }

    /// `i/n`, as parsed by ``parse(_:field:)``.
    public var description: String { "\(index)/\(count)" }
    /// Shard files and journals are ``RowFile``s.
    public static let fileExtension = ".rows"
    /// The finished shard's file: its journal, renamed when every item of the shard is done.
    public var fileName: String { "shard-\(index)-of-\(count)\(Self.fileExtension)" }
    /// The shard's journal while it runs (one slot per item; `--resume` continues from it).
    public var journalName: String { "journal-shard-\(index)-of-\(count)\(Self.fileExtension)" }
    /// The layout of an unsharded run's journal: every trial.
    public static let all = try! ShardID(0, of: 1)
    /// Whether trial `trial` belongs to this shard (trial mod count = index).
    public func contains(trial: Int) -> Bool { trial % count == index }

    /// Orders by shard count, then index.
    public static func < (a: ShardID, b: ShardID) -> Bool { (a.count, a.index) < (b.count, b.index) }
}

/// Errors of sharded runs and merges that are not about one option (a bad `--shard` or
/// `--shards` is a `FieldError`); each names the file or shard at fault, and a refused merge
/// says which command re-creates what is missing.
public enum ShardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The output folder holds no `shard-I-of-N.rows` file.
    case noShardFiles(directory: String)
    /// The folder holds only shard files of the JSON format earlier versions wrote.
    case legacyShardFiles(directory: String, files: [String])
    /// A shard file's header says it was written for another spec, seed, `--trials` or shard.
    case foreignFile(file: String, reason: String)
    /// A shard file holds an item that this spec does not give to that shard (another spec,
    /// another `--trials`, or a renamed file).
    case foreignItem(file: String, item: Int, reason: String)
    /// Some trials are missing or present more than once; nothing was written.
    case refused(MergeDiagnosis)

    /// The message: the option, file or shard at fault and what to do.
    public var description: String {
        switch self {
        case let .noShardFiles(dir): return "no shard-I-of-N.rows files in \(dir); run `auctionlab sweep SPEC --shard i/n` first"
        case let .legacyShardFiles(dir, files):
            return "\(dir) holds shard files in the JSON format of earlier versions (\(files.prefix(3).joined(separator: ", "))\(files.count > 3 ? ", …" : "")); this auctionlab writes and merges compact shard-I-of-N.rows files: re-run the shards (`auctionlab sweep SPEC --shard i/n`), or merge with the version that wrote them"
        case let .foreignFile(file, reason): return "\(file) \(reason)"
        case let .foreignItem(file, item, reason): return "\(file): item \(item) \(reason)"
        case let .refused(d): return d.description
        }
    }
}
