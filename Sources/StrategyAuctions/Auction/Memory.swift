import Foundation

/// SALE's shared auction memory (SALE §3.4): every auction is stored; retrieval returns the
/// top-k most similar past tasks by cosine similarity of their feature vectors.
public struct AuctionMemory: Sendable {
    /// One stored auction: what a later task is compared with and what it learns from.
    public struct Entry: Sendable {
        /// The auctioned task's feature vector.
        public let features: [Double]
        /// Index of the agent that executed the task.
        public let winner: Int
        /// Whether the execution solved the task.
        public let success: Bool
    }
    /// Stored auctions, oldest first.
    public private(set) var entries: [Entry] = []
    /// An empty memory.
    public init() {}

    /// Appends one auction's entry. O(1) amortised.
    public mutating func store(_ e: Entry) { entries.append(e) }

    /// The k most similar entries with their similarity, most similar first (ties: older first).
    /// O(n·d + n·log k) per query (bounded heap, no sort of the whole memory).
    public func retrieve(_ features: [Double], k: Int) -> [(entry: Entry, similarity: Double)] {
        guard k > 0 else { return [] }
        var top = TopK(k)
        for (i, e) in entries.enumerated() { top.offer(i, cosine(features, e.features)) }
        return top.sorted.map { (entries[$0.index], $0.score) }
    }
}

extension AuctionMemory {
    /// The memory as it was after its first `n` auctions.
    public func prefix(_ n: Int) -> AuctionMemory {
        var m = AuctionMemory()
        m.entries = Array(entries.prefix(n))
        return m
    }
}
