import Payments
import Workflows

/// VCG (TheModel.md): minimise total bid cost (φ = identity), pay thresholds (= Clarke
/// payments capped by the reserve at the top of each agent's prior).
public struct VCG: OptimisationMechanism {
    /// The VCG mechanism (stateless).
    public init() {}
    /// "vcg".
    public var name: String { "vcg" }
    /// True: efficient allocation with threshold (Clarke) payments.
    public var claimsTruthful: Bool { true }
    /// The bids themselves (money per work unit: $ per million tokens in the paper's market).
    public func prices(_ inst: Instance) -> [Double] { inst.bids }
    /// The identity up to the prior's top (the reserve).
    public func priceMap(_ inst: Instance, agent i: Int) -> PriceMap { .identity(top: inst.priors[i].support.upperBound) }
}
