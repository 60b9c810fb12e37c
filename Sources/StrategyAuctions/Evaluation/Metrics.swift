import Foundation
import LabNumerics

/// Per-task results of one method in one task order, and the paper's metrics over them
/// (SALE §5): pass@1, $ per task, $ per million tokens, share of tasks run by the largest agent.
public struct MethodMetrics: Sendable, Hashable {
    public var tasks: Int
    public var passAt1: Double
    public var costPerTask: Double
    public var usdPerMtok: Double
    public var largestShare: Double

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
        public let orders: Int, tasks: Int
        public let passAt1, costPerTask, usdPerMtok, largestShare: Summary
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
    public let domain: Domain?
    public let bin: Int?
    public var domainName: String { domain?.rawValue ?? "all" }
    public var binName: String { bin.map(String.init) ?? "all" }
    public func contains(_ t: SaleTask) -> Bool { (domain == nil || domain == t.domain) && (bin == nil || bin == t.bin) }
    /// all; each domain; each bin; each domain × bin.
    public static let standard: [Slice] = {
        let domains: [Domain?] = [nil] + Domain.allCases.map { $0 }
        let bins: [Int?] = [nil] + SaleTask.bins.map { $0 }
        return domains.flatMap { d in bins.map { Slice(domain: d, bin: $0) } }
    }()
}
