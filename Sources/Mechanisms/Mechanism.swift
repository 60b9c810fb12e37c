import Allocation
import Payments
import Workflows

/// Options shared by every mechanism: which exact solver, which payment search.
public struct MechanismOptions: Sendable, Hashable {
    /// Which exact solver allocates (every kind gives the same allocation, `TieRule`).
    public var solver: SolverKind
    /// How threshold payments are searched: exact parametric search or bisection.
    public var payment: PaymentMethod
    /// Defaults: `auto` solver, exact payments.
    public init(solver: SolverKind = .auto, payment: PaymentMethod = .exact) { self.solver = solver; self.payment = payment }
}

/// The result of running a mechanism on an instance (the outcome of FileFormats.md).
public struct Outcome: Sendable {
    /// The mechanism's registry name.
    public let mechanism: String
    /// Agent index per node.
    public let assignment: [Int]
    /// x_i(A) per agent, from `CostModel` (work units: output tokens + ρ_i × input tokens).
    public let workloads: [Double]
    /// P_i per agent (money; 0 for an agent with no work).
    public let payments: [Double]
    /// φ̄_i(b_i)·x_i per agent.
    public let virtualCosts: [Double]
    /// b_i·x_i per agent.
    public let bidCosts: [Double]
    /// The solver that allocated ("none" for the per-item baselines).
    public let solver: String
    /// Allocation solves spent on the allocation and every payment.
    public let solverCalls: Int
    /// The payment bound the mechanism's payment rule applied (`PaymentRule.reserve`).
    public let reserve: ReserveRule

    /// Σ_i P_i: what the buyer pays.
    public var totalPayment: Double { payments.reduce(0, +) }
    /// Σ_i φ̄_i(b_i)·x_i: STAR's objective at this allocation.
    public var totalVirtualCost: Double { virtualCosts.reduce(0, +) }
    /// Σ_i b_i·x_i: VCG's objective at this allocation.
    public var totalBidCost: Double { bidCosts.reduce(0, +) }

    /// Σ_i c_i·x_i for true costs c.
    public func trueCost(_ costs: [Double]) -> Double { zip(costs, workloads).reduce(0) { $0 + $1.0 * $1.1 } }

    /// An outcome from an allocation and its payments; workloads, virtual and bid costs are
    /// computed here from the instance's cost model (so a mechanism cannot report them wrong).
    public init(mechanism: String, instance: Instance, assignment: [Int], payments: [Double], solver: String, solverCalls: Int,
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

/// A mechanism: an allocation rule and a payment rule (TheModel.md). New mechanisms are
/// one file plus one line in `MechanismRegistry`.
public protocol Mechanism: Sendable {
    /// The registry name used by the CLI, specs and CSV rows (`star`, `vcg`, …).
    var name: String { get }
    /// Whether the mechanism is dominant-strategy truthful in this cost model.
    var claimsTruthful: Bool { get }
    /// Allocation and payments at the instance's bids.
    func run(_ instance: Instance, options: MechanismOptions) throws -> Outcome
    /// The allocation rule alone (agent index per node), without payments. The DSIC harness
    /// probes it to find x_i(z)'s steps and integrate it on its own (never trusting payments).
    func allocate(_ instance: Instance, options: MechanismOptions) throws -> [Int]
    /// Bids of agent `agent` in its support at which its allocation can change, others fixed.
    /// The DSIC harness probes just left and right of each (TheModel.md): a grid alone misses
    /// gains confined to a narrow step.
    func allocationBreakpoints(_ instance: Instance, agent: Int, options: MechanismOptions) throws -> [Double]
    /// Agent `agent`'s payment and workload at the instance's bids, without the other agents'
    /// payments: what a DSIC probe of one deviating agent needs. Must equal
    /// `run(instance, options:).payments[agent]` and `.workloads[agent]` (tested for every mechanism).
    func agentOutcome(_ instance: Instance, agent: Int, options: MechanismOptions) throws -> (payment: Double, workload: Double)
}

extension Mechanism {
    /// Default: the allocation of a full ``run(_:options:)``.
    public func allocate(_ instance: Instance, options: MechanismOptions) throws -> [Int] {
        try run(instance, options: options).assignment
    }
    /// Default: none known (the harness then relies on its grid and random probes).
    public func allocationBreakpoints(_ instance: Instance, agent: Int, options: MechanismOptions) throws -> [Double] { [] }
    /// Default: the whole outcome, read at `agent`.
    public func agentOutcome(_ instance: Instance, agent: Int, options: MechanismOptions) throws -> (payment: Double, workload: Double) {
        let o = try run(instance, options: options)
        return (o.payments[agent], o.workloads[agent])
    }
}

/// A mechanism whose allocation minimises Σ_i p_i(b_i)·x_i(A) for some per-agent price map
/// (STAR: φ̄, VCG and pay-as-bid: the bid) and whose payment follows from that allocation.
/// Conforming types state only their prices, price maps and payment rule; allocation,
/// payments and breakpoints are written once, here.
public protocol OptimisationMechanism: Mechanism {
    /// Every agent's price at its current report.
    func prices(_ inst: Instance) -> [Double]
    /// How agent `i`'s report becomes its price (non-decreasing, or the mechanism is not monotone).
    func priceMap(_ inst: Instance, agent i: Int) -> PriceMap
    /// How winners are paid; default: Myerson thresholds (`ThresholdRule`) with `options.payment`.
    func paymentRule(_ options: MechanismOptions) -> any PaymentRule
    /// The allocation rule's solver for this instance; default: the exact solver of
    /// `options.solver` (under `TieRule`), built once per instance. The exactness ablation's
    /// mechanisms return an inexact allocator here (and pay thresholds of that allocator).
    func allocator(_ inst: Instance, options: MechanismOptions) throws -> any AllocationSolver
}

extension OptimisationMechanism {
    /// Default: Myerson thresholds (`ThresholdRule`) with the payment method of `options`.
    public func paymentRule(_ options: MechanismOptions) -> any PaymentRule { ThresholdRule(method: options.payment) }
    /// Default: the exact solver of `options.solver`, cached on the instance.
    public func allocator(_ inst: Instance, options: MechanismOptions) throws -> any AllocationSolver { try cachedSolver(inst, options) }

    /// Solves the allocation at ``prices(_:)``, then quotes each winner's payment with
    /// ``paymentRule(_:)``. One solve plus each winner's payment searches (for thresholds,
    /// O(breakpoints) solves per winner); `solverCalls` in the outcome counts them.
    /// - Throws: allocation-solver errors (`AllocationError`) and payment errors.
    public func run(_ inst: Instance, options: MechanismOptions) throws -> Outcome {
        let solver = try allocator(inst, options: options)
        let p = prices(inst)
        let a = try solver.solve(prices: p)
        let rule = paymentRule(options)
        let x = inst.model.workloads(a.agents)
        var pay = Array(repeating: 0.0, count: inst.agentCount)
        var calls = 1
        for i in 0..<inst.agentCount where x[i] > 0 {
            let q = try quote(inst, agent: i, workload: x[i], allocation: a, prices: p, rule: rule, solver: solver)
            pay[i] = q.amount
            calls += q.solverCalls
        }
        return Outcome(mechanism: name, instance: inst, assignment: a.agents, payments: pay, solver: solver.name, solverCalls: calls,
                       reserve: rule.reserve)
    }

    /// One agent's payment: the allocation, then that agent's quote only (a threshold costs
    /// O(breakpoints) solves per agent, so a probe of one agent saves the others' searches).
    public func agentOutcome(_ inst: Instance, agent i: Int, options: MechanismOptions) throws -> (payment: Double, workload: Double) {
        let solver = try allocator(inst, options: options)
        let p = prices(inst)
        let a = try solver.solve(prices: p)
        let x = inst.model.workloads(a.agents)[i]
        guard x > 0 else { return (0, 0) }
        return (try quote(inst, agent: i, workload: x, allocation: a, prices: p, rule: paymentRule(options), solver: solver).amount, x)
    }

    private func quote(_ inst: Instance, agent i: Int, workload x: Double, allocation a: Assignment, prices p: [Double], rule: any PaymentRule,
                       solver: any AllocationSolver) throws -> PaymentQuote {
        try rule.pay(Winner(agent: i, bid: inst.bids[i], workload: x, top: inst.priors[i].support.upperBound,
                            competition: .optimisation(prices: p, map: priceMap(inst, agent: i), model: inst.model, solver: solver,
                                                       optimum: a.objective, allocation: a.agents)))
    }

    /// The allocation at the current prices: one solve.
    public func allocate(_ inst: Instance, options: MechanismOptions) throws -> [Int] {
        try allocator(inst, options: options).solve(prices: prices(inst)).agents
    }

    /// Breakpoints over the agent's whole support: the exact parametric search of TheModel.md
    /// started from the bottom of the support.
    public func allocationBreakpoints(_ inst: Instance, agent i: Int, options: MechanismOptions) throws -> [Double] {
        let solver = try allocator(inst, options: options)
        let lo = inst.priors[i].support.lowerBound, hi = inst.priors[i].support.upperBound
        let r = try ThresholdPayment.compute(agent: i, bid: lo, top: hi, prices: prices(inst), map: priceMap(inst, agent: i),
                                             model: inst.model, solver: solver, method: .exact)
        return r.breakpoints.map(\.bid)
    }
}

/// The mechanisms the CLI and experiment specs know by name. Add a mechanism here to use it there.
public enum MechanismRegistry {
    /// Every registered mechanism, in the order tables list them.
    public static let all: [any Mechanism] = [STAR(), VCG(), Myopic(), Homogeneous(), PayAsBid()] + Combination.factorial
    /// Their names.
    public static var names: [String] { all.map(\.name) }
    /// STAR with each inexact allocator of the exactness ablation (`star-greedy-topo`, …): known by
    /// name to `solve` and `dsic`, but not part of ``all`` (tables and sweeps list the exact ones).
    public static let inexact: [any Mechanism] = InexactKind.allCases.map { InexactSTAR(kind: $0) }
    /// The mechanism called `name` (in ``all`` or ``inexact``), or nil.
    public static func named(_ name: String) -> (any Mechanism)? { (all + inexact).first { $0.name == name } }
}

// MARK: - Shared machinery for the allocation-by-optimisation mechanisms

/// The instance's solver of the requested kind, built once per instance (the model
/// does not depend on bids, so `withBid` copies reuse it).
func cachedSolver(_ inst: Instance, _ options: MechanismOptions) throws -> any AllocationSolver {
    try inst.cache.value("solver.\(options.solver.rawValue)") { try options.solver.make(for: inst.model) }
}
