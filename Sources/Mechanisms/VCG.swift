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
    public func allocate(_ inst: Instance, options: MechanismOptions) throws -> [Int] {
        try cachedSolver(inst, options).solve(prices: inst.bids).agents
    }
    public func allocationBreakpoints(_ inst: Instance, agent: Int, options: MechanismOptions) throws -> [Double] {
        var prices = inst.bids
        prices[agent] = 0  // overwritten by the search
        return try optimisationBreakpoints(inst, agent: agent, prices: prices, map: .identity(top: inst.priors[agent].support.upperBound), options: options)
    }
}
