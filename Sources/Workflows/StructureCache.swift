import Foundation

/// Per-instance memo for objects that depend only on the instance's structure and token
/// counts, never on bids: e.g. a solver's elimination order. `Instance.withBid` copies
/// share it, so a payment search or a DSIC scan builds each solver once.
/// Reference type guarded by a lock; values are immutable once stored.
public final class StructureCache: @unchecked Sendable {
    private let lock = NSLock()
    private var store: [String: Any] = [:]
    /// An empty cache.
    public init() {}

    /// The value stored under `key`, or `make()`'s result, stored then returned. `make` runs
    /// outside the lock, so two threads may both build a missing value (the later store wins;
    /// values for one key must be interchangeable).
    /// - Throws: what `make` throws (nothing is stored then).
    public func value<T>(_ key: String, _ make: () throws -> T) rethrows -> T {
        lock.lock()
        if let v = store[key] as? T { lock.unlock(); return v }
        lock.unlock()
        let v = try make()
        lock.lock(); store[key] = v; lock.unlock()
        return v
    }
}
