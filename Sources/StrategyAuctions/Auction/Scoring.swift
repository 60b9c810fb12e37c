import Foundation

/// SALE's cost-minus-value score of a plan (SALE §3.2), lowest wins:
///
///     score = w_c·Ĉ + w_h·H − Σ_j w_j·γ_j,   Ĉ = price·|plan| / costScale
///
/// i.e. C − V with V = −w_h·H + Σ_j w_j·γ_j. The paper's sign for entropy ("lower entropy =
/// more confident") is not fixed here: `w_h ∈ [−1, 1]` is fitted, so the data decide it.
/// With `selfVotes == false` the bidder's own grade is replaced by the mean of the other
/// jurors' grades (a jury without self-votes, on the same scale).
public struct ScoringRule: Sendable, Hashable {
    /// [w_c, w_h, w_1 … w_M].
    public var weights: [Double]
    /// Divisor that makes price × plan length unitless (dollars per Mtok × tokens); see ``costScale(_:agents:)``.
    public var costScale: Double
    /// Whether the bidder's own grade counts (false: replaced by the mean of the other jurors').
    public var selfVotes: Bool
    /// A rule with weights [w_c, w_h, w_1 … w_M], a cost scale and the self-vote setting.
    public init(weights: [Double], costScale: Double, selfVotes: Bool = true) {
        self.weights = weights; self.costScale = costScale; self.selfVotes = selfVotes
    }

    /// The feature vector f with score = w·f: [Ĉ, H, −γ_1, …, −γ_M].
    public func features(_ plan: Plan, agent a: Int, price: Double) -> [Double] {
        var g = plan.grades
        if !selfVotes, g.count > 1 {
            g[a] = (g.reduce(0, +) - g[a]) / Double(g.count - 1)
        }
        return [price * plan.length / costScale, plan.entropy] + g.map { -$0 }
    }

    /// The plan's score w · f (lower is better); `price` is the agent's $ per million tokens. O(M).
    public func score(_ plan: Plan, agent a: Int, price: Double) -> Double {
        zip(weights, features(plan, agent: a, price: price)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Bounds of each weight in the fit: w_c ∈ [0,1], w_h ∈ [−1,1], w_j ∈ [0,1].
    public static func bounds(agents: Int) -> [ClosedRange<Double>] { [0...1, -1...1] + Array(repeating: 0...1, count: agents) }

    /// The cost scale of a dataset: the largest price × the median plan length of `records`.
    public static func costScale(_ records: [TaskRecord], agents: [SaleAgent]) -> Double {
        let lengths = records.flatMap { $0.attempts.compactMap { $0.plan?.length } }.sorted()
        let median = lengths.isEmpty ? 1 : lengths[lengths.count / 2]
        return (agents.map(\.price).max() ?? 1) * median
    }
}
