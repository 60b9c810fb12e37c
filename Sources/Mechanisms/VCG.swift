import Payments
import Workflows

/// VCG (SPEC §4): minimise total bid cost (φ = identity), pay thresholds (= Clarke
/// payments capped by the reserve at the top of each agent's prior).
public struct VCG: OptimisationMechanism {
    public init() {}
    public var name: String { "vcg" }
    public var claimsTruthful: Bool { true }
    public func prices(_ inst: Instance) -> [Double] { inst.bids }
    public func priceMap(_ inst: Instance, agent i: Int) -> PriceMap { .identity(top: inst.priors[i].support.upperBound) }
}
