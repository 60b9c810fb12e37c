/// Expected total payment at the computed equilibrium vs at truthful bids, on the same fresh
/// profiles (common random numbers, so the paired difference has a tight interval).
public struct PaymentComparison: Sendable, Codable, Equatable {
    /// Mean total payment at the equilibrium strategies, with its interval.
    public let equilibrium: Estimate
    /// Mean total payment at truthful bids, on the same profiles.
    public let truthful: Estimate
    /// equilibrium − truthful, paired per profile.
    public let difference: Estimate
}

/// One solver iteration: its index and the solver's in-sample relative ε before the update.
public struct IterationRecord: Sendable, Codable, Equatable {
    /// Iteration number, from 1.
    public let iteration: Int
    /// Largest in-sample relative ε over agents before the update (+∞ when an agent's base utility is 0 and it can gain).
    public let relativeEpsilon: Double
    /// Largest change of any knot's bid in this update (money per work unit).
    public let maxChange: Double
}

/// An approximate Bayes–Nash equilibrium, never without its certificate.
public struct EquilibriumResult: Sendable, Codable {
    /// The mechanism's name.
    public let mechanism: String
    /// Agent ids, in instance order.
    public let agents: [String]
    /// Each agent's bid function, in agent order.
    public let strategies: [BidFunction]
    /// True when the mechanism claims DSIC and truthful bidding was certified instead of iterating.
    public let truthfulShortcut: Bool
    /// Best-response iterations run (0 on the truthful shortcut).
    public let iterations: Int
    /// One record per iteration run.
    public let history: [IterationRecord]
    /// The independent ε-certificate of `strategies`.
    public let certificate: Certificate
    /// Expected total payment at the equilibrium vs at truthful bids.
    public let payments: PaymentComparison
    /// Mechanism runs spent by the solver (not the certificate).
    public let solverRuns: Int
    /// Whether the certificate meets its target.
    public var converged: Bool { certificate.converged }
}
