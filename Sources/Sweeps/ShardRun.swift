import Foundation

/// The outcome of running one shard.
public struct ShardRun: Sendable {
    /// The shard that ran.
    public let shard: ShardID
    /// Items of the shard done in this run / taken over from its journal / in the shard.
    public let newItems: Int, resumedItems: Int, totalItems: Int
    /// The shard file when the shard is complete; nil when stopped early (the journal stays).
    public let file: URL?
    /// Whether every item of the shard is done (its file exists).
    public var finished: Bool { file != nil }
}
