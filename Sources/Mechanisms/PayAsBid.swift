import Payments
import Workflows

/// Pay-as-bid (TheModel.md): VCG's allocation, each winner paid its own bid × workload.
/// Not truthful — a control the DSIC harness must catch.
public struct PayAsBid: OptimisationMechanism {
    /// The pay-as-bid control (stateless).
    public init() {}
    /// "pay-as-bid".
    public var name: String { "pay-as-bid" }
    /// False: a winner gains by overbidding.
    public var claimsTruthful: Bool { false }
    /// Each winner is paid its own bid × workload (`OwnBidRule`).
    public func paymentRule(_ options: MechanismOptions) -> any PaymentRule { OwnBidRule() }
    /// The bids themselves (money per work unit: $ per million tokens in the paper's market), as VCG.
    public func prices(_ inst: Instance) -> [Double] { inst.bids }
    /// The identity up to the prior's top.
    public func priceMap(_ inst: Instance, agent i: Int) -> PriceMap { .identity(top: inst.priors[i].support.upperBound) }
}
