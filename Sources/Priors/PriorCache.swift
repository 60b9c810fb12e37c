import Foundation

/// Built priors (each with its ironed φ̄) shared by every instance of one run that names the same
/// prior: a batch `solve`, a bid stream, a sweep. Building a prior means validating it, probing it
/// numerically and ironing it; a batch whose lines all repeat one prior should do that once.
///
/// **Key.** The canonical form of a spec is its decoded `PriorSpec` with the side of the market:
/// spelling in the input (JSON key order, spaces, `2` vs `2.0` vs `2e0`) is gone after decoding,
/// and every number is compared by its bit pattern, so `-0` and `0` (equal as doubles) stay
/// apart. A cached curve is therefore exactly the one `VirtualCost(spec:side:path:)` builds for
/// that spec — outcomes solved through the cache are byte-identical to those solved without it.
/// The `path` of a lookup names fields in errors only; a spec that fails to build throws with the
/// caller's path and is not stored.
///
/// **Bounded.** At most `capacity` curves and `wordBudget` key words (one per number of a spec;
/// an empirical prior's samples dominate) are kept; the oldest entry is dropped first (FIFO).
/// A spec larger than the whole budget is built but not stored.
///
/// **Thread-safe.** One lock guards the table; a missing curve is built outside it, so two
/// threads asking for the same new spec may both build it (the curves are identical; one is kept).
public final class PriorCache: @unchecked Sendable {
    /// The canonical form of a spec on one side: a prefix code of kind tags, counts and the bit
    /// patterns of every number, in the spec's order.
    public struct Key: Hashable, Sendable {
        /// The side of the market the curve is built for.
        public let side: Side
        /// Kind tags, component and sample counts, and numbers' bit patterns.
        public let words: [UInt64]
    }

    /// Most curves kept.
    public let capacity: Int
    /// Most key words kept, summed over the entries (bounds the memory of empirical priors).
    public let wordBudget: Int

    private let lock = NSLock()
    private var store: [Key: VirtualCost] = [:]
    /// Keys in insertion order from `head` on (eviction order).
    private var order: [Key] = []
    private var head = 0
    private var words = 0
    private var hitCount = 0, missCount = 0

    /// An empty cache keeping at most `capacity` curves and `wordBudget` key words (both ≥ 1).
    public init(capacity: Int = 512, wordBudget: Int = 1 << 20) {
        self.capacity = max(1, capacity)
        self.wordBudget = max(1, wordBudget)
    }

    /// The canonical key of `spec` on `side`.
    public static func key(_ spec: PriorSpec, side: Side) -> Key {
        var w: [UInt64] = []
        func add(_ s: PriorSpec) {
            switch s {
            case let .uniform(lo, hi): w += [0, lo.bitPattern, hi.bitPattern]
            case let .normal(m, sd, lo, hi): w += [1, m.bitPattern, sd.bitPattern, lo.bitPattern, hi.bitPattern]
            case let .lognormal(m, sg, lo, hi): w += [2, m.bitPattern, sg.bitPattern, lo.bitPattern, hi.bitPattern]
            case let .beta(a, b, lo, hi): w += [3, a.bitPattern, b.bitPattern, lo.bitPattern, hi.bitPattern]
            case let .exponential(r, lo, hi): w += [4, r.bitPattern, lo.bitPattern, hi.bitPattern]
            case let .mixture(cs):
                w += [5, UInt64(cs.count)]
                for c in cs { w.append(c.weight.bitPattern); add(c.prior) }
            case let .empirical(xs):
                w += [6, UInt64(xs.count)]
                w += xs.map(\.bitPattern)
            }
        }
        add(spec)
        return Key(side: side, words: w)
    }

    /// The curve of `spec` on `side`: the stored one, or a new `VirtualCost(spec:side:path:)`,
    /// stored before it is returned. O(size of the spec) for a hit.
    /// - Throws: the `FieldError` of building the prior, naming `path` (nothing is stored then).
    public func curve(for spec: PriorSpec, side: Side = .cost, path: String = "prior") throws -> VirtualCost {
        let key = Self.key(spec, side: side)
        lock.lock()
        if let hit = store[key] {
            hitCount += 1
            lock.unlock()
            return hit
        }
        missCount += 1
        lock.unlock()
        let built = try VirtualCost(spec: spec, side: side, path: path)
        insert(key, built)
        return built
    }

    private func insert(_ key: Key, _ curve: VirtualCost) {
        let size = key.words.count
        guard size <= wordBudget else { return }
        lock.lock(); defer { lock.unlock() }
        guard store.updateValue(curve, forKey: key) == nil else { return }
        order.append(key)
        words += size
        while store.count > capacity || words > wordBudget {
            let old = order[head]
            head += 1
            store[old] = nil
            words -= old.words.count
        }
        // Drop the evicted prefix once it is half the array, so `order` stays O(capacity).
        if head > 64 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Curves stored now.
    public var count: Int { lock.lock(); defer { lock.unlock() }; return store.count }
    /// Lookups answered from the table, and lookups that built a curve, since the cache was made.
    public var statistics: (hits: Int, misses: Int) {
        lock.lock(); defer { lock.unlock() }
        return (hitCount, missCount)
    }
}
