import Equilibrium
import Experiments
import Foundation
import Workflows

/// The reference equilibria of a sweep's `BASE@equilibrium` entries, one per (parameter point,
/// topology, entry), each solved once per process on the market's nominal instance
/// (``PaperMarket/reference(topology:parameters:market:)``) and shared by every trial of it.
///
/// Why: a trial's game is the nominal one with every price multiplied by the trial's factor k and
/// token counts perturbed by the market's noise; the carried reference
/// (``EquilibriumSolver/carry(_:to:)``) is exact without the noise and a near start with it, so
/// a trial polishes in a few iterations what a cold start spends tens on.
/// Determinism: a reference depends only on the spec's seed, the point, the topology and the entry,
/// so every shard and thread count computes the same one. A thread asking for a reference being
/// solved by another waits for it instead of solving it twice.
final class ReferenceEquilibria: @unchecked Sendable {
    private let lock = NSCondition()
    private var done: [String: [BidFunction]] = [:]
    private var running: Set<String> = []

    /// The reference strategies under `key`, solved by `solve` if no thread has solved them yet.
    func strategies(_ key: String, solve: () throws -> [BidFunction]) throws -> [BidFunction] {
        lock.lock()
        while running.contains(key) { lock.wait() }
        if let s = done[key] { lock.unlock(); return s }
        running.insert(key)
        lock.unlock()
        let result: Result<[BidFunction], Error> = Result { try solve() }
        lock.lock()
        running.remove(key)
        if case .success(let s) = result { done[key] = s }
        lock.broadcast()
        lock.unlock()
        return try result.get()
    }
}
