import LabNumerics

/// A mean with its 95 % Student-t interval (a Codable snapshot of `Summary`).
public struct Estimate: Sendable, Codable, Equatable {
    /// The sample mean.
    public let mean: Double
    /// Lower end of the 95 % t-interval.
    public let ciLow: Double
    /// Upper end of the 95 % t-interval.
    public let ciHigh: Double
    /// Number of samples.
    public let count: Int
    /// A snapshot of `s`.
    public init(_ s: Summary) { mean = s.mean; ciLow = s.ciLow; ciHigh = s.ciHigh; count = s.count }
    /// The mean and 95 % t-interval of `xs` (NaN fields when empty).
    public init(_ xs: [Double]) { self.init(Summary(xs)) }
    /// The estimate divided by a positive scale (relative ε).
    func scaled(by d: Double) -> Estimate { Estimate(mean: mean / d, ciLow: ciLow / d, ciHigh: ciHigh / d, count: count) }
    init(mean: Double, ciLow: Double, ciHigh: Double, count: Int) { self.mean = mean; self.ciLow = ciLow; self.ciHigh = ciHigh; self.count = count }
}

/// One agent's ε-certificate: how much it could gain, on average over its own types, by
/// deviating from its equilibrium bid function to a best response, the others keeping theirs.
public struct AgentCertificate: Sendable, Codable, Equatable {
    /// The agent's id.
    public let agent: String
    /// mean over types of u(deviation) − u(equilibrium bid), per fresh profile, with the t-interval
    /// over profiles; the deviation for each type is the best response chosen on the *other* half
    /// of the profiles (cross-fitting), so the estimate is not inflated by selection. It can be
    /// slightly negative when the equilibrium is (close to) exact.
    public let epsilon: Estimate
    /// mean over types of u(equilibrium bid).
    public let equilibriumUtility: Estimate
    /// ε / mean equilibrium utility (interval ends divided by the same mean).
    public let relativeEpsilon: Estimate
    /// The same gain with the deviation chosen and scored on all profiles: an upper-biased
    /// reference (a sample maximum), reported beside `epsilon`.
    public let inSampleEpsilon: Double
    /// The largest per-type in-sample gain (type, gain), to show where the strategy is worst.
    public let worstType: Double
    /// That gain, in the instance's money units.
    public let worstGain: Double
}

/// The certificate of a strategy profile, computed independently of the solver: fresh profiles
/// (another seed stream), a finer own-type grid, and best responses over every bid of the
/// support (exact on the sample average, see `AverageUtility`) plus a direct bid grid evaluated
/// with the mechanism's own `run`; equilibrium utilities are direct `run`s too.
public struct Certificate: Sendable, Codable, Equatable {
    /// One certificate per agent, in agent order.
    public let perAgent: [AgentCertificate]
    /// Fresh cost profiles used.
    public let samples: Int
    /// Own-type grid points per agent.
    public let types: Int
    /// Directly evaluated bids per type.
    public let bids: Int
    /// The relative-ε target of ``converged``.
    public let target: Double
    /// Largest relative ε over agents (mean).
    public var maxRelativeEpsilon: Double { perAgent.map(\.relativeEpsilon.mean).max() ?? 0 }
    /// Largest absolute ε over agents (mean), in money units.
    public var maxEpsilon: Double { perAgent.map(\.epsilon.mean).max() ?? 0 }
    /// The ε-sum Σ_i max(0, ε_i), in money units: by how much an ε-equilibrium's expected payment
    /// may plausibly fall short of an exact one's (the scale Myerson-bound reports compare a
    /// shortfall with). A negative estimate counts as 0: each true ε_i is ≥ 0, and a cross-fitted
    /// estimate below 0 (an agent near its exact best response) must not cancel another agent's gain.
    public var epsilonSum: Double { perAgent.reduce(0) { $0 + max(0, $1.epsilon.mean) } }
    /// Every agent's relative ε is a finite number at most `target` (1 % by default); an
    /// infinite or NaN one never converges. A negative estimate is kept: cross-fitting biases ε
    /// downward near an exact equilibrium (the analytic first-price equilibria certify at
    /// −1 … −2 %); what made −22 % "converged" was a 2-profile certificate, now refused
    /// (``EquilibriumConfig/minimumCertificateSamples``).
    public var converged: Bool {
        !perAgent.isEmpty && perAgent.allSatisfy { $0.relativeEpsilon.mean.isFinite && $0.relativeEpsilon.mean <= target }
    }
}

/// One own type's line of ``EquilibriumSolver/typeGains(_:instance:strategies:config:)``.
public struct TypeGain: Sendable, Codable, Equatable {
    /// The type (true cost).
    public let cost: Double
    /// The strategy's bid at that cost.
    public let bid: Double
    /// Mean utility of that bid over the profiles.
    public let utility: Double
    /// The candidate bid with the highest mean utility (chosen and scored on the same profiles).
    public let deviation: Double
    /// Its mean utility minus `utility` (≥ 0 up to rounding; biased upward, a sample maximum).
    public let gain: Double
}
