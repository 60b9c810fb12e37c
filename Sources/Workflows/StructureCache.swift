import Foundation

/// Per-instance memo for objects that depend only on the instance's structure and token
/// counts, never on bids: e.g. a solver's elimination order. `Instance.withBid` copies
/// share it, so a payment search or a DSIC scan builds each solver once.
/// Reference type guarded by a lock; values are immutable once stored.
public final class StructureCache: @unchecked Sendable {
    private let lock = NSLock()
    private var store: [String: Any] = [:]
    public init() {}

    public func value<T>(_ key: String, _ make: () throws -> T) rethrows -> T {
        lock.lock()
        if let v = store[key] as? T { lock.unlock(); return v }
        lock.unlock()
        let v = try make()
        lock.lock(); store[key] = v; lock.unlock()
        return v
    }
}
