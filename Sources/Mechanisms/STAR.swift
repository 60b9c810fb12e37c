import Payments
import Workflows

/// STAR (SPEC §4): minimise total ironed virtual cost Σ φ̄_i(b_i)·x_i(A) (STAR Eq. 2–3),
/// pay Myerson thresholds with the prior's top as reserve (STAR Eq. 4, SPEC §3).
public struct STAR: Mechanism {
    public init() {}
    public var name: String { "star" }
    public var claimsTruthful: Bool { true }
    public func run(_ inst: Instance, options: MechanismOptions) throws -> Outcome {
        try optimiseAndPay(inst, prices: inst.virtualBids, map: { .virtual(inst.priors[$0]) }, options: options, name: name)
    }
    public func allocate(_ inst: Instance, options: MechanismOptions) throws -> [Int] {
        try cachedSolver(inst, options).solve(prices: inst.virtualBids).agents
    }
    public func allocationBreakpoints(_ inst: Instance, agent: Int, options: MechanismOptions) throws -> [Double] {
        var prices = inst.virtualBids
        prices[agent] = 0  // overwritten by the search
        return try optimisationBreakpoints(inst, agent: agent, prices: prices, map: .virtual(inst.priors[agent]), options: options)
    }
}
