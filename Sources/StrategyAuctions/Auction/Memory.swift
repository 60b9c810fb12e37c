import Foundation

/// SALE's shared auction memory (SALE §3.4): every auction is stored; retrieval returns the
/// top-k most similar past tasks by cosine similarity of their feature vectors.
public struct AuctionMemory: Sendable {
    public struct Entry: Sendable {
        public let features: [Double]
        public let winner: Int
        public let success: Bool
    }
    public private(set) var entries: [Entry] = []
    public init() {}

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
