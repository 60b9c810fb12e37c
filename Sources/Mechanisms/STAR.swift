import Payments
import Workflows

/// STAR (SPEC §4): minimise total ironed virtual cost Σ φ̄_i(b_i)·x_i(A) (STAR Eq. 2–3),
/// pay Myerson thresholds with the prior's top as reserve (STAR Eq. 4, SPEC §3).
public struct STAR: OptimisationMechanism {
    public init() {}
    public var name: String { "star" }
    public var claimsTruthful: Bool { true }
    public func prices(_ inst: Instance) -> [Double] { inst.virtualBids }
    public func priceMap(_ inst: Instance, agent i: Int) -> PriceMap { .virtual(inst.priors[i]) }
}
