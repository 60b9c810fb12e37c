import Allocation
import Payments
import Workflows

/// STAR's prices (ironed virtual costs φ̄) and threshold payments, with an *inexact* allocator
/// (issue 30's exactness ablation, STAR §4.3): the allocation is whatever `kind`'s allocator
/// returns at the prices φ̄(b), and each winner is paid b·x_i(b) + ∫_b^hi x_i(z) dz with x_i the
/// workload *that allocator* gives at price φ̄(z) (`OwnRuleThresholdRule`), not the exact
/// optimum's. Truthful exactly when that x_i is non-increasing in z; the DSIC harness measures it.
///
/// Named `star-<kind>` (`star-greedy-topo`, `star-lp-round`, …); `options.solver` and
/// `options.payment` are ignored (the allocator is the kind's, the payment search its own).
public struct InexactSTAR: OptimisationMechanism {
    /// Which inexact allocator.
    public let kind: InexactKind
    /// STAR with the allocator of `kind`.
    public init(kind: InexactKind) { self.kind = kind }
    /// `star-` + the kind's name.
    public var name: String { "star-\(kind.rawValue)" }
    /// False: an inexact allocation need not be monotone in the agent's own bid.
    public var claimsTruthful: Bool { false }
    /// The ironed virtual bids φ̄_i(b_i), as STAR.
    public func prices(_ inst: Instance) -> [Double] { inst.virtualBids }
    /// Agent i's ironed virtual cost φ̄_i, as STAR.
    public func priceMap(_ inst: Instance, agent i: Int) -> PriceMap { .virtual(inst.priors[i]) }
    /// Thresholds of the allocator's own x_i(z) (grid + bisection, not the exact parametric search).
    public func paymentRule(_ options: MechanismOptions) -> any PaymentRule { OwnRuleThresholdRule() }
    /// The kind's allocator for the instance's cost model, built once per instance.
    public func allocator(_ inst: Instance, options: MechanismOptions) throws -> any AllocationSolver {
        inst.cache.value("inexact.\(kind.rawValue)") { kind.make(for: inst.model) }
    }
    /// None: the exact parametric search does not apply (the DSIC harness locates the steps itself).
    public func allocationBreakpoints(_ inst: Instance, agent: Int, options: MechanismOptions) throws -> [Double] { [] }
}
