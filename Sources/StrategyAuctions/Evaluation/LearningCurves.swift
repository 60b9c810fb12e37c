import Foundation
import LabNumerics

/// Learning curves of SALE over its test stream (does the shared memory make SALE better as
/// tasks go by?): per-task values — pass, dollars, which agent ran — with and without memory,
/// as a trailing rolling window against the task index, and each stream's trend: least-squares
/// slope and the first and last fifth. Every summary is a mean with a 95 % t-interval over task
/// orders, and the `difference` arm pairs memory on and off on the same tasks of the same order.
public struct LearningCurves: Sendable {
    /// Which run a value comes from.
    public enum Arm: String, Sendable, CaseIterable {
        /// SALE with memory (refinement from retrieved past auctions).
        case memory
        /// The same auctions with memory off.
        case noMemory = "no_memory"
        /// Memory on minus memory off, task by task.
        case difference = "memory_minus_no_memory"
    }
    /// A per-task quantity: `pass_at_1` (0/1), `cost_per_task` ($, execution only) or
    /// `share_A` (1 when agent A executed).
    public struct Metric: Sendable {
        /// CSV name of the metric.
        public let name: String
        /// Its value on one execution.
        public let value: @Sendable (Execution) -> Double
    }
    /// One point of a curve: the rolling window ending at `taskIndex` (1-based position in the
    /// stream of the slice).
    public struct Point: Sendable {
        /// Domain name (`all` or a domain), arm, metric name and the window's last task index.
        public let domain: String, arm: Arm, metric: String, taskIndex: Int
        /// The window's mean over orders, with its interval.
        public let value: Summary
    }
    /// The trend of one stream.
    public struct Trend: Sendable {
        /// Domain name, arm and metric name.
        public let domain: String, arm: Arm, metric: String
        /// Tasks per order in the stream (the shortest order's count).
        public let tasks: Int
        /// Least-squares slope per 100 tasks (per order, then over orders).
        public let slopePer100: Summary
        /// Mean of the first and of the last fifth of the stream, and last − first.
        public let firstFifth, lastFifth, change: Summary
    }

    /// The data the streams come from (agents, prices, task domains).
    public let data: SaleDataset
    /// SALE's streams, one per task order.
    public let streams: [SaleStream]
    /// Rolling-window length in tasks (≥ 1).
    public let window: Int
    /// Curves over the whole stream and per domain.
    public let domains: [Domain?] = [nil] + Domain.allCases.map { $0 }

    /// Curves of `streams` (each with its memory-off run) over `data` with a `window`-task window.
    public init(data: SaleDataset, streams: [SaleStream], window: Int) {
        self.data = data; self.streams = streams; self.window = window
    }

    /// pass@1, cost per task, and one share per agent (agent order).
    public var metrics: [Metric] {
        [Metric(name: "pass_at_1") { $0.success ? 1 : 0 }, Metric(name: "cost_per_task") { $0.cost }] +
            data.agents.indices.map { a in Metric(name: "share_\(data.agents[a].name)") { $0.agent == a ? 1 : 0 } }
    }

    /// Per-task values of `metric` in one order's stream restricted to `domain`, truncated to `length`.
    func series(_ s: SaleStream, _ domain: Domain?, _ arm: Arm, _ metric: Metric, length: Int) -> [Double] {
        let keep = s.test.indices.filter { domain == nil || data.records[s.test[$0]].task.domain == domain }.prefix(length)
        return keep.map { k in
            switch arm {
            case .memory: return metric.value(s.memory[k].execution)
            case .noMemory: return metric.value(s.noMemory[k].execution)
            case .difference: return metric.value(s.memory[k].execution) - metric.value(s.noMemory[k].execution)
            }
        }
    }

    /// Tasks of `domain` in the shortest order's test stream (orders are aligned on this length).
    func length(_ domain: Domain?) -> Int {
        streams.map { s in s.test.filter { domain == nil || data.records[$0].task.domain == domain }.count }.min() ?? 0
    }

    static func name(_ d: Domain?) -> String { d?.rawValue ?? "all" }

    /// Every curve: per domain, arm and metric, the rolling mean at every `step`-th window end
    /// (and the last one), summarised over orders.
    public func curves(step: Int = 1) -> [Point] {
        var out: [Point] = []
        for d in domains {
            let n = length(d)
            for arm in Arm.allCases {
                for m in metrics {
                    let rolled = streams.map { StreamStatistics.rollingMean(series($0, d, arm, m, length: n), window: window) }
                    guard let count = rolled.first?.count, count > 0 else { continue }
                    for k in 0..<count where k % step == 0 || k == count - 1 {
                        out.append(Point(domain: Self.name(d), arm: arm, metric: m.name, taskIndex: k + window, value: Summary(rolled.map { $0[k] })))
                    }
                }
            }
        }
        return out
    }

    /// Every stream's trend (slope per 100 tasks, first and last fifth) per domain, arm and metric.
    public func trends() -> [Trend] {
        var out: [Trend] = []
        for d in domains {
            let n = length(d)
            for arm in Arm.allCases {
                for m in metrics {
                    let ys = streams.map { series($0, d, arm, m, length: n) }
                    let first = ys.map { StreamStatistics.partMean($0, fraction: 0.2, last: false) }
                    let last = ys.map { StreamStatistics.partMean($0, fraction: 0.2, last: true) }
                    out.append(Trend(domain: Self.name(d), arm: arm, metric: m.name, tasks: n,
                                     slopePer100: Summary(ys.map { 100 * StreamStatistics.slope($0) }),
                                     firstFifth: Summary(first), lastFifth: Summary(last), change: Summary(zip(last, first).map { $0 - $1 })))
                }
            }
        }
        return out
    }
}
