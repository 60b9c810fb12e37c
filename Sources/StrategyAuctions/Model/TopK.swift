import Foundation

/// The `k` best of a stream of (index, score) pairs — highest score first, ties to the lower
/// index — in O(n log k) time and O(k) memory: a binary min-heap of size k whose root is the
/// worst kept pair. Used by memory retrieval and the kNN router (no full sort per query).
public struct TopK: Sendable {
    /// How many pairs are kept (negative requests are clamped to 0, which keeps nothing).
    public let k: Int
    private var heap: [(index: Int, score: Double)] = []

    /// An empty selection of the best `k` pairs; reserves room for `k` so offering never reallocates.
    public init(_ k: Int) { self.k = max(0, k); heap.reserveCapacity(self.k) }

    /// Whether `a` ranks below `b` (lower score, or equal score and a later index).
    @inline(__always) static func worse(_ a: (index: Int, score: Double), _ b: (index: Int, score: Double)) -> Bool {
        a.score != b.score ? a.score < b.score : a.index > b.index
    }

    /// Offers one pair; kept when fewer than `k` are held or when it ranks above the worst kept pair
    /// (higher score, or equal score and a lower index). O(log k).
    public mutating func offer(_ index: Int, _ score: Double) {
        let x = (index: index, score: score)
        if heap.count < k {
            heap.append(x)
            var c = heap.count - 1
            while c > 0 {
                let p = (c - 1) / 2
                guard Self.worse(heap[c], heap[p]) else { break }
                heap.swapAt(c, p); c = p
            }
        } else if k > 0, Self.worse(heap[0], x) {
            heap[0] = x
            var p = 0
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < heap.count, Self.worse(heap[l], heap[m]) { m = l }
                if r < heap.count, Self.worse(heap[r], heap[m]) { m = r }
                if m == p { break }
                heap.swapAt(p, m); p = m
            }
        }
    }

    /// The kept pairs, best first.
    public var sorted: [(index: Int, score: Double)] { heap.sorted { Self.worse($1, $0) } }
}
