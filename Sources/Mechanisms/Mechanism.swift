import Allocation
import Payments
import Workflows

/// Options shared by every mechanism: which exact solver, which payment search.
public struct MechanismOptions: Sendable, Hashable {
    public var solver: SolverKind
    public var payment: PaymentMethod
    public init(solver: SolverKind = .auto, payment: PaymentMethod = .exact) { self.solver = solver; self.payment = payment }
}

/// How a mechanism bounds what it pays (issue 13: Table 1 must not silently mix two rules).
public enum ReserveRule: String, Sendable, Codable, CaseIterable {
    /// Threshold payments with the top of the winner's own prior as reserve: the winner is paid
    /// at most hi_i per unit of work (STAR Eq. 4, SPEC §3). STAR and VCG.
    case priorTop = "prior-top"
    /// The paper's baselines: the second-lowest competing price, *not* capped at the winner's prior
    /// top (it can exceed it when a competitor's support reaches higher); the top only when nobody
    /// else can serve. Myopic and Homogeneous.
    case secondPriceUncapped = "second-price-uncapped"
    /// No reserve: each winner is paid its own bid (pay-as-bid).
    case ownBid = "own-bid"
}

/// The result of running a mechanism on an instance (SPEC §8 outcome).
public struct Outcome: Sendable {
    public let mechanism: String
    /// Agent index per node.
    public let assignment: [Int]
    public let workloads: [Double]
    public let payments: [Double]
    /// φ̄_i(b_i)·x_i per agent.
    public let virtualCosts: [Double]
    /// b_i·x_i per agent.
    public let bidCosts: [Double]
    public let solver: String
    public let solverCalls: Int
    /// The payment bound the mechanism applied (see `ReserveRule`).
    public let reserve: ReserveRule

    public var totalPayment: Double { payments.reduce(0, +) }
    public var totalVirtualCost: Double { virtualCosts.reduce(0, +) }
    public var totalBidCost: Double { bidCosts.reduce(0, +) }

    /// Σ_i c_i·x_i for true costs c.
    public func trueCost(_ costs: [Double]) -> Double { zip(costs, workloads).reduce(0) { $0 + $1.0 * $1.1 } }

    init(mechanism: String, instance: Instance, assignment: [Int], payments: [Double], solver: String, solverCalls: Int,
         reserve: ReserveRule) {
        self.mechanism = mechanism
        self.reserve = reserve
        self.assignment = assignment
        let x = instance.model.workloads(assignment)
        workloads = x
        self.payments = payments
        virtualCosts = zip(instance.virtualBids, x).map { $0 * $1 }
        bidCosts = zip(instance.bids, x).map { $0 * $1 }
        self.solver = solver
        self.solverCalls = solverCalls
    }
}

/// A mechanism: an allocation rule and a payment rule (SPEC §4). New mechanisms are
/// one file plus one line in `MechanismRegistry`.
public protocol Mechanism: Sendable {
    var name: String { get }
    /// Whether the mechanism is dominant-strategy truthful in this cost model.
    var claimsTruthful: Bool { get }
    func run(_ instance: Instance, options: MechanismOptions) throws -> Outcome
    /// The allocation rule alone (agent index per node), without payments. The DSIC harness
    /// probes it to find x_i(z)'s steps and integrate it on its own (never trusting payments).
    func allocate(_ instance: Instance, options: MechanismOptions) throws -> [Int]
    /// Bids of agent `agent` in its support at which its allocation can change, others fixed.
    /// The DSIC harness probes just left and right of each (SPEC §6): a grid alone misses
    /// gains confined to a narrow step.
    func allocationBreakpoints(_ instance: Instance, agent: Int, options: MechanismOptions) throws -> [Double]
}

extension Mechanism {
    public func allocate(_ instance: Instance, options: MechanismOptions) throws -> [Int] {
        try run(instance, options: options).assignment
    }
    public func allocationBreakpoints(_ instance: Instance, agent: Int, options: MechanismOptions) throws -> [Double] { [] }
}

/// A mechanism whose allocation minimises Σ_i p_i(b_i)·x_i(A) for some per-agent price map
/// (STAR: φ̄, VCG and pay-as-bid: the bid) and whose payment follows from that allocation.
/// Conforming types state only their prices, price maps and payment rule; allocation,
/// payments and breakpoints are written once, here.
public protocol OptimisationMechanism: Mechanism {
    /// Every agent's price at its current report.
    func prices(_ inst: Instance) -> [Double]
    /// How agent `i`'s report becomes its price.
    func priceMap(_ inst: Instance, agent i: Int) -> PriceMap
    /// `true`: winners are paid their own bid × workload (a control), else Myerson thresholds.
    var paysOwnBid: Bool { get }
}

extension OptimisationMechanism {
    public var paysOwnBid: Bool { false }

    public func run(_ inst: Instance, options: MechanismOptions) throws -> Outcome {
        try optimiseAndPay(inst, prices: prices(inst), map: { priceMap(inst, agent: $0) }, options: options, name: name,
                           payAsBid: paysOwnBid)
    }

    public func allocate(_ inst: Instance, options: MechanismOptions) throws -> [Int] {
        try cachedSolver(inst, options).solve(prices: prices(inst)).agents
    }

    /// Breakpoints over the agent's whole support: the exact parametric search of SPEC §3
    /// started from the bottom of the support.
    public func allocationBreakpoints(_ inst: Instance, agent i: Int, options: MechanismOptions) throws -> [Double] {
        let solver = try cachedSolver(inst, options)
        let lo = inst.priors[i].support.lowerBound, hi = inst.priors[i].support.upperBound
        let r = try ThresholdPayment.compute(agent: i, bid: lo, top: hi, prices: prices(inst), map: priceMap(inst, agent: i),
                                             model: inst.model, solver: solver, method: .exact)
        return r.breakpoints.map(\.bid)
    }
}

public enum MechanismRegistry {
    public static let all: [any Mechanism] = [STAR(), VCG(), Myopic(), Homogeneous(), PayAsBid()]
    public static var names: [String] { all.map(\.name) }
    public static func named(_ name: String) -> (any Mechanism)? { all.first { $0.name == name } }
}

// MARK: - Shared machinery for the allocation-by-optimisation mechanisms

/// Optimal allocation under `prices`, then each winner's threshold payment with `map(i)`.
func optimiseAndPay(_ inst: Instance, prices: [Double], map: (Int) -> PriceMap, options: MechanismOptions,
                    name: String, payAsBid: Bool = false) throws -> Outcome {
    let solver = try cachedSolver(inst, options)
    let a = try solver.solve(prices: prices)
    var calls = 1
    let x = inst.model.workloads(a.agents)
    var pay = Array(repeating: 0.0, count: inst.agentCount)
    for i in 0..<inst.agentCount where x[i] > 0 {
        if payAsBid { pay[i] = inst.bids[i] * x[i]; continue }
        let r = try ThresholdPayment.compute(agent: i, bid: inst.bids[i], top: inst.priors[i].support.upperBound, prices: prices,
                                             map: map(i), model: inst.model, solver: solver, method: options.payment)
        pay[i] = r.payment
        calls += r.solverCalls
    }
    return Outcome(mechanism: name, instance: inst, assignment: a.agents, payments: pay, solver: solver.name, solverCalls: calls,
                   reserve: payAsBid ? .ownBid : .priorTop)
}

/// The instance's solver of the requested kind, built once per instance (the model
/// does not depend on bids, so `withBid` copies reuse it).
func cachedSolver(_ inst: Instance, _ options: MechanismOptions) throws -> any AllocationSolver {
    try inst.cache.value("solver.\(options.solver.rawValue)") { try options.solver.make(for: inst.model) }
}
