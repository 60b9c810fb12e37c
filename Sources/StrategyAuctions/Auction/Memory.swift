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
    /// O(n·d) per query.
    public func retrieve(_ features: [Double], k: Int) -> [(entry: Entry, similarity: Double)] {
        guard k > 0 else { return [] }
        var top: [(Int, Double)] = []
        for (i, e) in entries.enumerated() {
            let s = cosine(features, e.features)
            if top.count < k || s > top[top.count - 1].1 {
                let pos = top.firstIndex { s > $0.1 } ?? top.count
                top.insert((i, s), at: pos)
                if top.count > k { top.removeLast() }
            }
        }
        return top.map { (entries[$0.0], $0.1) }
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
