import Foundation

/// Results of parallel work stored by item index, so output order never depends on which
/// thread finished first (the sweep runner, the DSIC sweep and the SALE runner fill one).
public final class IndexedResults<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, Error>?]
    private var done = 0
    private var firstFailure: Error?
    /// Room for `count` results, none stored yet.
    public init(count: Int) { slots = Array(repeating: nil, count: count) }
    /// Stores result `k`; returns how many are stored now (for progress reports).
    @discardableResult
    public func set(_ k: Int, _ r: Result<T, Error>) -> Int {
        lock.lock(); defer { lock.unlock() }
        slots[k] = r
        done += 1
        if case let .failure(e) = r, firstFailure == nil { firstFailure = e }
        return done
    }
    /// The first failure stored, in the order the workers stored them.
    var failure: Error? { lock.lock(); defer { lock.unlock() }; return firstFailure }
    /// Every result in index order; rethrows the first failure.
    public func all() throws -> [T] { try slots.map { try $0!.get() } }

    /// `body(k)` for k in 0..<count on up to `threads` threads (worker w takes k = w, w + threads, …),
    /// results in index order whatever the thread count; `progress(done, count)` is called from the
    /// workers as items finish. The one worker loop of the project (sweeps, studies, SALE).
    ///
    /// Without `failFast`, every item runs and the first failure by index is rethrown. With it,
    /// the workers stop taking items after the first failure, which is rethrown (for runs whose
    /// finished items are kept elsewhere, such as a sweep's journal).
    public static func map(count: Int, threads: Int, failFast: Bool = false, progress: (@Sendable (Int, Int) -> Void)? = nil,
                           _ body: @Sendable (Int) throws -> T) throws -> [T] {
        let store = IndexedResults<T>(count: count)
        let workers = max(1, min(threads, count))
        if count > 0 {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var k = w
                while k < count, !(failFast && store.failure != nil) {
                    let done = store.set(k, Result { try body(k) })
                    progress?(done, count)
                    k += workers
                }
            }
        }
        if failFast, let e = store.failure { throw e }
        return try store.all()
    }
}
