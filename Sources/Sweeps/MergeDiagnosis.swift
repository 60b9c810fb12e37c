import Foundation
import LabIO

/// What a refused merge found: trials missing (with the shards that hold them and the
/// commands that re-run those shards) and trials present in more than one shard file.
public struct MergeDiagnosis: Sendable, Equatable, CustomStringConvertible {
    /// A shard whose file is absent or lacks items.
    public struct MissingShard: Sendable, Equatable {
        /// The shard (index and count of the split).
        public let shard: ShardID
        /// false: no file at all (never finished, or deleted); true: the file lacks items (truncated).
        public let fileExists: Bool
        /// Whether the shard's resume journal exists (a re-run continues from it).
        public let journalExists: Bool
        /// Items of this shard not found in its file.
        public let missingItems: Int
        /// The shell command that re-runs the shard.
        public let rerun: String
    }
    /// A trial found in more than one shard file.
    public struct Duplicate: Sendable, Equatable {
        /// The trial index.
        public let trial: Int
        /// The shard files that hold it.
        public let files: [String]
    }
    /// Items the complete run has (points × topologies × trials).
    public let totalItems: Int
    /// Trial indices with at least one missing item, ascending.
    public let missingTrials: [Int]
    /// Number of missing items.
    public let missingItems: Int
    /// The shards that would supply the missing items, each with its re-run command.
    public let missingShards: [MissingShard]
    /// Trials present in more than one file.
    public let duplicates: [Duplicate]

    /// The refusal message: missing trials, why (absent or truncated shard files), the commands
    /// that re-run them, and duplicated trials with the files to check.
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
