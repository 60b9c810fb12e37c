import Dispatch
import Foundation
import LabIO
import LabNumerics

/// Errors of sharded runs, cluster scripts and merges; each names the option, file or
/// shard at fault, and a refused merge says which command re-creates what is missing.
public enum ShardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A command-line value that cannot be used (`field` is the option, e.g. `--shards`).
    case invalidOption(field: String, reason: String)
    /// The output folder holds no `shard-I-of-N.jsonl` file.
    case noShardFiles(directory: String)
    /// A shard file holds an item that this spec does not give to that shard (another spec,
    /// another `--trials`, or a renamed file).
    case foreignItem(file: String, item: Int, reason: String)
    /// Some trials are missing or present more than once; nothing was written.
    case refused(MergeDiagnosis)

    public var description: String {
        switch self {
        case let .invalidOption(field, reason): return "`\(field)` \(reason)"
        case let .noShardFiles(dir): return "no shard-I-of-N.jsonl files in \(dir); run `auctionlab sweep SPEC --shard i/n` first"
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

    /// The shard of a `shard-I-of-N.jsonl` file name, nil for any other name.
    public init?(fileName: String) {
        guard fileName.hasPrefix("shard-"), fileName.hasSuffix(".jsonl") else { return nil }
        let parts = fileName.dropFirst(6).dropLast(6).components(separatedBy: "-of-")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), let s = try? ShardID(i, of: n) else { return nil }
        self = s
    }

    public var description: String { "\(index)/\(count)" }
    /// The finished shard's file, written atomically when every item of the shard is done.
    public var fileName: String { "shard-\(index)-of-\(count).jsonl" }
    /// The shard's journal while it runs (appended per item; `--resume` continues from it).
    public var journalName: String { "journal-shard-\(index)-of-\(count).jsonl" }
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

extension SweepRunner {
    /// The journal of an unsharded run or of one shard, in the output folder.
    public static func journal(in dir: URL, shard: ShardID?) -> URL {
        dir.appendingPathComponent(shard?.journalName ?? "journal.jsonl")
    }

    /// Items that belong to `shard`.
    public func itemCount(of shard: ShardID) -> Int { items.filter { shard.contains(trial: $0.trial) }.count }

    /// Runs one shard into `dir`: each finished item is appended to the shard's journal;
    /// when all are done the shard file is written atomically and the journal removed.
    /// With `resume`, items already in the journal are not run again. `stopAfter` ends the
    /// run early (tests use it to simulate a killed or pre-empted shard).
    public func runShard(_ shard: ShardID, in dir: URL, resume: Bool, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                         stopAfter: Int? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ShardRun {
        let journal = Self.journal(in: dir, shard: shard)
        if !resume { try? FileManager.default.removeItem(at: journal) }
        let before = try Journal.read(journal).count
        let done = try runItems(threads: threads, shard: shard, journal: journal, stopAfter: stopAfter, progress: progress)
        let expected = itemCount(of: shard)
        guard done.count == expected else {
            return ShardRun(shard: shard, newItems: done.count - before, resumedItems: before, totalItems: expected, file: nil)
        }
        let file = dir.appendingPathComponent(shard.fileName)
        try Journal.write(done, to: file)
        try? FileManager.default.removeItem(at: journal)
        return ShardRun(shard: shard, newItems: done.count - before, resumedItems: before, totalItems: expected, file: file)
    }

    /// Reads every `shard-I-of-N.jsonl` in `dir` and checks that each item of this spec is
    /// present exactly once. Refuses (``ShardError/refused(_:)``) naming the missing
    /// trials, the shards that hold them with the command to re-run each, and any trial
    /// found in more than one file. Returns the rows by item, ready for ``assemble(_:)``.
    public func collectShards(in dir: URL, rerun: SweepInvocation) throws -> (items: [Int: [TrialRow]], files: [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
        let shards = names.compactMap(ShardID.init(fileName:)).sorted()
        guard !shards.isEmpty else { throw ShardError.noShardFiles(directory: dir.path) }
        let all = items, points = self.points
        var done: [Int: [TrialRow]] = [:]
        var firstFile: [Int: String] = [:]
        var dupFiles: [Int: Set<String>] = [:]   // trial → files
        // Decoding the JSON is most of a merge's reading time: one file per thread.
        let decoded = IndexedResults<[Int: [TrialRow]]>(count: shards.count)
        DispatchQueue.concurrentPerform(iterations: shards.count) { j in
            decoded.set(j, Result { try Journal.read(dir.appendingPathComponent(shards[j].fileName)) })
        }
        for (s, entries) in try zip(shards, decoded.all()) {
            let url = dir.appendingPathComponent(s.fileName)
            for (k, rows) in entries {
                guard all.indices.contains(k) else {
                    throw ShardError.foreignItem(file: url.path, item: k, reason: "is beyond this spec's \(all.count) items (was the shard run with another spec or --trials?)")
                }
                guard s.contains(trial: all[k].trial) else {
                    throw ShardError.foreignItem(file: url.path, item: k, reason: "is trial \(all[k].trial), which is not in shard \(s) (was the shard run with another spec or --trials?)")
                }
                if let why = mismatch(all[k], rows: rows, points: points) {
                    throw ShardError.foreignItem(file: url.path, item: k, reason: "\(why): the shard was run with another spec")
                }
                if let first = firstFile[k] {
                    dupFiles[all[k].trial, default: [first]].insert(s.fileName)
                } else {
                    firstFile[k] = s.fileName
                    done[k] = rows
                }
            }
        }
        let missing = all.indices.filter { done[$0] == nil }
        guard !missing.isEmpty || !dupFiles.isEmpty else { return (done, shards.map(\.fileName)) }

        // Missing items are attributed to the split the files use (the finest one if mixed).
        let n = shards.map(\.count).max()!
        var perShard: [Int: Int] = [:]
        for k in missing { perShard[all[k].trial % n, default: 0] += 1 }
        let present = Set(shards)
        let missingShards = perShard.keys.sorted().map { i in
            let s = try! ShardID(i, of: n)
            return MergeDiagnosis.MissingShard(
                shard: s, fileExists: present.contains(s),
                journalExists: FileManager.default.fileExists(atPath: Self.journal(in: dir, shard: s).path),
                missingItems: perShard[i]!, rerun: rerun.sweepCommand(shardWord: s.description))
        }
        throw ShardError.refused(MergeDiagnosis(
            totalItems: all.count, missingTrials: Set(missing.map { all[$0].trial }).sorted(), missingItems: missing.count,
            missingShards: missingShards,
            duplicates: dupFiles.keys.sorted().map { .init(trial: $0, files: dupFiles[$0]!.sorted()) }))
    }

    /// Why `rows` cannot be item `k` of this spec (another seed, topology list, mechanism
    /// list or parameter grid), or nil when they match. Merges and resumed journals check
    /// every item, so results of another spec are never mixed in.
    func mismatch(_ item: Item, rows: [TrialRow], points: [[String: Double]]) -> String? {
        let seed = SplitMix64.derive(master: spec.seed, index: UInt64(item.trial))
        guard rows.count == mechanisms.count else { return "has \(rows.count) rows, this spec \(mechanisms.count) mechanisms" }
        for (r, mech) in zip(rows, mechanisms) {
            if r.trial != item.trial { return "is trial \(r.trial), expected \(item.trial)" }
            if r.seed != seed { return "has seed \(r.seed), this spec's seed gives \(seed)" }
            if r.topology != topologies[item.topology].name { return "is topology \(r.topology), expected \(topologies[item.topology].name)" }
            if r.mechanism != mech.name { return "is mechanism \(r.mechanism), expected \(mech.name)" }
            if r.parameters != points[item.point] { return "has parameters \(r.parameters.sorted { $0.key < $1.key }), expected \(points[item.point].sorted { $0.key < $1.key })" }
        }
        return nil
    }
}
