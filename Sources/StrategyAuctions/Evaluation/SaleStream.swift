import Foundation
import LabIO

/// SALE's test stream in one task order, with and without memory: the executions the learning
/// curves and the overhead study read. Weights are fitted on the order's training prefix (as in
/// ``SaleRunner/runOrder(_:)``); memory fills from the first task of the order, prefix included,
/// so it already holds the prefix's auctions when the test stream starts.
public struct SaleStream: Sendable {
    /// Order index.
    public let order: Int
    /// Record indices of the test tasks, in the order they arrive.
    public let test: [Int]
    /// SALE's outcomes on the test tasks with memory on, aligned with `test`.
    public let memory: [StrategyAuction.Outcome]
    /// SALE's outcomes on the same tasks with memory off (empty when not requested).
    public let noMemory: [StrategyAuction.Outcome]
}

extension SaleRunner {
    /// SALE's test stream of order `o` (the same split and fitted weights as `runOrder`); the
    /// memory-off run only when `withoutMemory`.
    /// - Throws: `SaleError.invalid` when the data carry no plans; errors of the weight fit.
    public func saleStream(_ o: Int, withoutMemory: Bool = true) throws -> SaleStream {
        guard data.hasPlans else { throw SaleError.invalid("the data have no plan columns, so SALE cannot run") }
        let split = split(o)
        let (rule, _) = try fitRule(data, train: split.train)
        let on = runSale(data, rule: rule, memory: true, order: split).outcomes
        let off = withoutMemory ? runSale(data, rule: rule, memory: false, order: split).outcomes : []
        return SaleStream(order: o, test: split.test, memory: on, noMemory: off)
    }

    /// Every order's stream on up to `threads` threads, in order index (identical for any thread count).
    public func saleStreams(threads: Int = 1, withoutMemory: Bool = true, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [SaleStream] {
        try IndexedResults<SaleStream>.map(count: spec.orders, threads: threads, progress: progress) { try saleStream($0, withoutMemory: withoutMemory) }
    }
}
