import Foundation

/// RouterBench's cost–quality knob for a predictive router: route each task to the agent that
/// maximises predicted success − λ·ĉ, where ĉ_a is agent a's expected cost per task on the
/// training prefix (price × mean first-attempt tokens) divided by the dearest agent's, so λ is
/// unitless: the success probability one would give up to save one dearest-agent run.
/// λ = 0 picks the best prediction; a λ above every prediction gap picks the cheapest agent.
/// Ties go to the cheaper agent, so the chosen agent's cost never rises with λ (the property
/// threshold calibration bisects on).
public struct WillingnessToPay: Sendable, Hashable {
    /// Each agent's expected cost per task divided by the dearest agent's, in [0, 1].
    public let normalizedCost: [Double]

    /// A knob with given normalised costs (one per agent, in [0, 1]).
    public init(normalizedCost: [Double]) { self.normalizedCost = normalizedCost }

    /// Normalised costs from the training prefix: price × mean first-attempt tokens per agent,
    /// divided by the largest of them.
    public init(training records: [TaskRecord], agents: [SaleAgent]) {
        let n = Double(max(records.count, 1))
        let mean = agents.indices.map { a in records.reduce(0) { $0 + agents[a].price * $1.attempts[a].tokens } / n }
        let top = mean.max() ?? 1
        normalizedCost = mean.map { top > 0 ? $0 / top : 0 }
    }

    /// The agent chosen at willingness-to-pay λ for predictions `p`.
    public func choose(_ p: [Double], lambda: Double) -> Int {
        var best = 0, bestValue = -Double.infinity
        for a in p.indices {
            let v = p[a] - lambda * normalizedCost[a]
            if v > bestValue || (v == bestValue && normalizedCost[a] < normalizedCost[best]) { best = a; bestValue = v }
        }
        return best
    }
}
