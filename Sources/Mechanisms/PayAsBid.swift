import Payments
import Workflows

/// Pay-as-bid (SPEC §4): VCG's allocation, each winner paid its own bid × workload.
/// Not truthful — a control the DSIC harness must catch.
public struct PayAsBid: Mechanism {
    public init() {}
    public var name: String { "pay-as-bid" }
    public var claimsTruthful: Bool { false }
    public func run(_ inst: Instance, options: MechanismOptions) throws -> Outcome {
        try optimiseAndPay(inst, prices: inst.bids, map: { .identity(top: inst.priors[$0].support.upperBound) },
                           options: options, name: name, payAsBid: true)
    }
    public func allocate(_ inst: Instance, options: MechanismOptions) throws -> [Int] {
        try cachedSolver(inst, options).solve(prices: inst.bids).agents
    }
    public func allocationBreakpoints(_ inst: Instance, agent: Int, options: MechanismOptions) throws -> [Double] {
        var prices = inst.bids
        prices[agent] = 0  // overwritten by the search
        return try optimisationBreakpoints(inst, agent: agent, prices: prices, map: .identity(top: inst.priors[agent].support.upperBound), options: options)
    }
}
