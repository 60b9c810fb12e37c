import Payments
import Workflows

/// Pay-as-bid (SPEC §4): VCG's allocation, each winner paid its own bid × workload.
/// Not truthful — a control the DSIC harness must catch.
public struct PayAsBid: OptimisationMechanism {
    public init() {}
    public var name: String { "pay-as-bid" }
    public var claimsTruthful: Bool { false }
    public func paymentRule(_ options: MechanismOptions) -> any PaymentRule { OwnBidRule() }
    public func prices(_ inst: Instance) -> [Double] { inst.bids }
    public func priceMap(_ inst: Instance, agent i: Int) -> PriceMap { .identity(top: inst.priors[i].support.upperBound) }
}
