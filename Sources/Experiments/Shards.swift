import Dispatch
import Foundation
import LabIO
import LabNumerics

/// Errors of sharded runs, cluster scripts and merges; each names the option, file or
/// shard at fault, and a refused merge says which command re-creates what is missing.
public enum ShardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A command-line value that cannot be used (`field` is the option, e.g. `--shards`).
    case invalidOption(field: String, reason: String)
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

    public var description: String {
        switch self {
        case let .invalidOption(field, reason): return "`\(field)` \(reason)"
        case let .noShardFiles(dir): return "no shard-I-of-N.rows files in \(dir); run `auctionlab sweep SPEC --shard i/n` first"
        case let .legacyShardFiles(dir, files):
            return "\(dir) holds shard files in the JSON format of earlier versions (\(files.prefix(3).joined(separator: ", "))\(files.count > 3 ? ", …" : "")); this auctionlab writes and merges compact shard-I-of-N.rows files: re-run the shards (`auctionlab sweep SPEC --shard i/n`), or merge with the version that wrote them"
        case let .foreignFile(file, reason): return "\(file) \(reason)"
        case let .foreignItem(file, item, reason): return "\(file): item \(item) \(reason)"
        case let .refused(d): return d.description
        }
    }
}

/// Shard `index` of `count`: the trials whose index is `index` mod `count` (all their
/// parameter points and topologies), so every shard sees the same markets a single run sees.
public struct ShardID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(_ index: Int, of count: Int, field: String = "--shard") throws {
        guard count > 0, (0..<count).contains(index) else {
            throw ShardError.invalidOption(field: field, reason: "must be i/n with 0 ≤ i < n (got \(index)/\(count))")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`, e.g. `3/4`.
    public static func parse(_ text: String, field: String = "--shard") throws -> ShardID {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ShardError.invalidOption(field: field, reason: "must be i/n with 0 ≤ i < n, e.g. 0/4 (got \"\(text)\")")
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

    public var description: String { "\(index)/\(count)" }
    /// Shard files and journals are ``RowFile``s.
    public static let fileExtension = ".rows"
    /// The finished shard's file: its journal, renamed when every item of the shard is done.
    public var fileName: String { "shard-\(index)-of-\(count)\(Self.fileExtension)" }
    /// The shard's journal while it runs (one slot per item; `--resume` continues from it).
    public var journalName: String { "journal-shard-\(index)-of-\(count)\(Self.fileExtension)" }
    /// The layout of an unsharded run's journal: every trial.
    public static let all = try! ShardID(0, of: 1)
    public func contains(trial: Int) -> Bool { trial % count == index }

    public static func < (a: ShardID, b: ShardID) -> Bool { (a.count, a.index) < (b.count, b.index) }
}

/// How to call `auctionlab` again on the same experiment: used for the re-run hints of a
/// refused merge and for the commands inside generated cluster scripts.
public struct SweepInvocation: Sendable, Equatable {
    /// The `auctionlab` executable (a bare name or an absolute path).
    public var program: String
    public var spec: String
    /// The `--trials` override, if the run used one (merge must use the same).
    public var trials: Int?
    /// The output folder (always passed explicitly, so every step agrees on it).
    public var out: String

    public init(program: String = "auctionlab", spec: String, trials: Int? = nil, out: String) {
        self.program = program
        self.spec = spec
        self.trials = trials
        self.out = out
    }

    /// `sweep` of one shard. `shardWord` and `threadsWord` are inserted as given, so a
    /// script may pass `"$SLURM_ARRAY_TASK_ID/4"`; every other argument is shell-quoted.
    public func sweepCommand(shardWord: String, resume: Bool = true, threadsWord: String? = nil) -> String {
        var words = [programWord, "sweep", Shell.pathWord(spec), "--shard", shardWord]
        if resume { words.append("--resume") }
        if let threadsWord { words += ["--threads", threadsWord] }
        return (words + common).joined(separator: " ")
    }

    public func mergeCommand() -> String {
        ([programWord, "merge", Shell.pathWord(spec)] + common).joined(separator: " ")
    }

    /// The program as one shell word (a bare name stays a name, looked up on PATH).
    var programWord: String { program.contains("/") ? Shell.pathWord(program) : Shell.quote(program) }
    /// The output folder as one shell word.
    public var outWord: String { Shell.pathWord(out) }

    private var common: [String] {
        (trials.map { ["--trials", "\($0)"] } ?? []) + ["--out", outWord]
    }
}

/// POSIX shell quoting for generated scripts and printed commands: every value that comes
/// from a user (paths, names, the command line) goes through ``quote(_:)`` — one helper, so
/// no value can reach a shell unquoted.
public enum Shell {
    /// The word unchanged when it is made of safe characters, else single-quoted with
    /// `'\''` for each embedded quote. Inside single quotes the shell expands nothing
    /// (`$()`, backticks, `$VAR`, newlines and double quotes stay literal).
    public static func quote(_ word: String) -> String {
        // No `=`: an unquoted `a=b` in command position is an assignment, not a word.
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@%+,")
        if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A path argument: a leading `-` would be read as an option by the program, so such a
    /// relative path is written `./-…` (the same file).
    public static func path(_ p: String) -> String { p.hasPrefix("-") ? "./" + p : p }

    /// ``quote(_:)`` of ``path(_:)``.
    public static func pathWord(_ p: String) -> String { quote(path(p)) }

    /// Text for a `#` comment line: control characters (a newline would end the comment
    /// and start a command) are shown escaped, e.g. `\n`.
    public static func comment(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.properties.generalCategory == .control || u.properties.generalCategory == .lineSeparator
                    || u.properties.generalCategory == .paragraphSeparator {
                    out += "\\u{\(String(u.value, radix: 16))}"
                } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}

/// What a refused merge found: trials missing (with the shards that hold them and the
/// commands that re-run those shards) and trials present in more than one shard file.
public struct MergeDiagnosis: Sendable, Equatable, CustomStringConvertible {
    public struct MissingShard: Sendable, Equatable {
        public let shard: ShardID
        /// false: no file at all (never finished, or deleted); true: the file lacks items (truncated).
        public let fileExists: Bool
        public let journalExists: Bool
        public let missingItems: Int
        public let rerun: String
    }
    public struct Duplicate: Sendable, Equatable {
        public let trial: Int
        public let files: [String]
    }
    public let totalItems: Int
    public let missingTrials: [Int]
    public let missingItems: Int
    public let missingShards: [MissingShard]
    public let duplicates: [Duplicate]

    public var description: String {
        var lines: [String] = []
        func list(_ xs: [Int]) -> String {
            xs.prefix(20).map(String.init).joined(separator: ", ") + (xs.count > 20 ? ", … (\(xs.count) trials)" : "")
        }
        if !missingTrials.isEmpty {
            let absent = missingShards.filter { !$0.fileExists }.map(\.shard.description)
            let partial = missingShards.filter(\.fileExists).map(\.shard.description)
            var why: [String] = []
            if !absent.isEmpty { why.append("shard\(absent.count > 1 ? "s" : "") \(absent.joined(separator: ", ")) not present") }
            if !partial.isEmpty { why.append("shard\(partial.count > 1 ? "s" : "") \(partial.joined(separator: ", ")) incomplete (file truncated)") }
            lines.append("missing trials \(list(missingTrials)) (\(missingItems) of \(totalItems) items) → \(why.joined(separator: "; ")); re-run:")
            for m in missingShards {
                let note = m.journalExists ? "   # continues from its journal" : ""
                lines.append("  \(m.rerun)\(note)")
            }
        }
        if !duplicates.isEmpty {
            let files = Set(duplicates.flatMap(\.files)).sorted()
            lines.append("duplicated trials \(list(duplicates.map(\.trial))): present in more than one of \(files.joined(separator: ", ")); delete the extra shard file(s) (shards of different splits?) and merge again")
        }
        return "merge refused, nothing written: " + lines.joined(separator: "\n")
    }
}

extension ExperimentSpec {
    /// The folder a run writes to: the override, else the spec's `output`, else Results/NAME.
    public func outputDirectory(override: String? = nil) -> String { override ?? output ?? "Results/\(name)" }
}

/// The outcome of running one shard.
public struct ShardRun: Sendable {
    public let shard: ShardID
    /// Items of the shard done in this run / taken over from its journal / in the shard.
    public let newItems: Int, resumedItems: Int, totalItems: Int
    /// The shard file when the shard is complete; nil when stopped early (the journal stays).
    public let file: URL?
    public var finished: Bool { file != nil }
}

