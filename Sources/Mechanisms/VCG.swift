import Payments
import Workflows

/// VCG (SPEC §4): minimise total bid cost (φ = identity), pay thresholds (= Clarke
/// payments capped by the reserve at the top of each agent's prior).
public struct VCG: Mechanism {
    public init() {}
    public var name: String { "vcg" }
    public var claimsTruthful: Bool { true }
    public func run(_ inst: Instance, options: MechanismOptions) throws -> Outcome {
        try optimiseAndPay(inst, prices: inst.bids, map: { .identity(top: inst.priors[$0].support.upperBound) }, options: options, name: name)
    }
}
