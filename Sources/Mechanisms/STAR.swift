import Payments
import Workflows

/// STAR (TheModel.md): minimise total ironed virtual cost Σ φ̄_i(b_i)·x_i(A) (STAR Eq. 2–3),
/// pay Myerson thresholds with the prior's top as reserve (STAR Eq. 4, TheModel.md).
public struct STAR: OptimisationMechanism {
    /// The STAR mechanism (stateless).
    public init() {}
    /// "star".
    public var name: String { "star" }
    /// True: monotone allocation in φ̄ with Myerson threshold payments.
    public var claimsTruthful: Bool { true }
    /// The ironed virtual bids φ̄_i(b_i), in the bids' money per work unit (non-decreasing in the bid).
    public func prices(_ inst: Instance) -> [Double] { inst.virtualBids }
    /// Agent i's ironed virtual cost φ̄_i, up to its prior's top.
    public func priceMap(_ inst: Instance, agent i: Int) -> PriceMap { .virtual(inst.priors[i]) }
}
