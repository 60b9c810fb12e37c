import Foundation

/// Results of parallel work stored by item index, so output order never depends on which
/// thread finished first (the sweep runner, the DSIC sweep and the SALE runner fill one).
public final class IndexedResults<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, Error>?]
    private var done = 0
    public init(count: Int) { slots = Array(repeating: nil, count: count) }
    /// Stores result `k`; returns how many are stored now (for progress reports).
    @discardableResult
    public func set(_ k: Int, _ r: Result<T, Error>) -> Int { lock.lock(); defer { lock.unlock() }; slots[k] = r; done += 1; return done }
    /// Every result in index order; rethrows the first failure.
    public func all() throws -> [T] { try slots.map { try $0!.get() } }
}
