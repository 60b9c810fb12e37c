import Foundation
import LabIO

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
