import Foundation
import LabNumerics

/// Per-task results of one method in one task order, and the paper's metrics over them
/// (SALE §5): pass@1, $ per task, $ per million tokens, share of tasks run by the largest agent.
public struct MethodMetrics: Sendable, Hashable {
    /// Number of tasks the metrics cover.
    public var tasks: Int
    /// Fraction of tasks passed, in [0, 1] (0 for no tasks).
    public var passAt1: Double
    /// Mean dollars spent per task, every attempt counted.
    public var costPerTask: Double
    /// Dollars per million tokens spent (total cost / total tokens × 10⁶); NaN when no tokens.
    public var usdPerMtok: Double
    /// Fraction of tasks, in [0, 1], on which the largest agent ran at least once.
    public var largestShare: Double

    /// The metrics of `executions` (one per task). O(tasks).
    public init(_ executions: [Execution]) {
        tasks = executions.count
        let n = Double(max(tasks, 1))
        passAt1 = executions.reduce(0) { $0 + ($1.success ? 1 : 0) } / n
        let cost = executions.reduce(0) { $0 + $1.cost }, tokens = executions.reduce(0) { $0 + $1.tokens }
        costPerTask = cost / n
        usdPerMtok = tokens > 0 ? cost / tokens * 1e6 : .nan
        largestShare = executions.reduce(0) { $0 + ($1.usedLargest ? 1 : 0) } / n
    }

    /// Every metric's mean and 95% t-interval over task orders.
    public struct OverOrders: Sendable {
        /// Number of orders summarised, and tasks summed over them.
        public let orders: Int, tasks: Int
        /// Mean and 95% t-interval over orders of each metric (units as in ``MethodMetrics``).
        public let passAt1, costPerTask, usdPerMtok, largestShare: Summary
        /// Summarises one ``MethodMetrics`` per order.
        public init(_ perOrder: [MethodMetrics]) {
            orders = perOrder.count
            tasks = perOrder.reduce(0) { $0 + $1.tasks }
            passAt1 = Summary(perOrder.map(\.passAt1)); costPerTask = Summary(perOrder.map(\.costPerTask))
            usdPerMtok = Summary(perOrder.map(\.usdPerMtok)); largestShare = Summary(perOrder.map(\.largestShare))
        }
    }
}

/// A slice of the task population a summary row covers: a domain (nil = all) and a bin (nil = all).
public struct Slice: Sendable, Hashable {
    /// The domain covered; nil = every domain.
    public let domain: Domain?
    /// The complexity bin covered (1…5); nil = every bin.
    public let bin: Int?
    /// The domain's raw value, or "all" (the CSV's `domain` column).
    public var domainName: String { domain?.rawValue ?? "all" }
    /// The bin as text, or "all" (the CSV's `bin` column).
    public var binName: String { bin.map(String.init) ?? "all" }
    /// Whether task `t` belongs to the slice.
    public func contains(_ t: SaleTask) -> Bool { (domain == nil || domain == t.domain) && (bin == nil || bin == t.bin) }
    /// all; each domain; each bin; each domain × bin.
    public static let standard: [Slice] = {
        let domains: [Domain?] = [nil] + Domain.allCases.map { $0 }
        let bins: [Int?] = [nil] + SaleTask.bins.map { $0 }
        return domains.flatMap { d in bins.map { Slice(domain: d, bin: $0) } }
    }()
}
