import Allocation
import Payments
import Workflows

/// One cell of the decomposition study's factorial (issue 29): an allocation rule, a payment
/// rule and a billing rule, composed from the pieces STAR, VCG and Myopic are made of. Named
/// `combo-ALLOCATION-PAYMENT-BILLING`; `combo-star-myerson-cached` allocates and pays as
/// ``STAR``, `combo-vcg-myerson-cached` as ``VCG``, `combo-myopic-second-full` as ``Myopic``.
///
/// - Allocation (which objective is minimised, at which prices):
///   `star` Σ φ̄_i(b_i)·x_i(A) with the context switching cost on edges (STAR's);
///   `starblind` the same prices with every input token charged whoever holds the parent
///   (edges carry no saving: each node goes to its cheapest φ̄_j·ω_{v,j});
///   `myopic` the bids with edges ignored (Myopic's per-node choice, ω_{v,j} = L_out + ρ_j·L_in);
///   `vcg` the bids with edges (cost minimising at bids, VCG's).
///   "Edges ignored" is the cost model with κ = 1, in which x_i(A) is a sum over nodes.
/// - Payment: `myerson` threshold payments with the prior-top reserve (`ThresholdRule`);
///   `second` per node, the cheapest other capable offer b_j·ω_{v,j} (`SecondPriceRule`,
///   uncapped, as Myopic); `capped` the same with the winner's price per unit capped at its
///   prior top (`CappedSecondPriceRule`).
/// - Billing: the units a payment is counted in. `cached` is STAR's accounting, the workload
///   x_i(A) of the instance's cost model (context from a parent on the same agent at κ of the
///   input price); `full` is Myopic's, ω_{v,i} per node won (every input token at ρ_i).
///   A per-node price is paid on the node's units (`cached`: its share of x_i(A), the edge
///   saving counted at the child); a threshold payment is b·x̃(b) + ∫_b^hi x̃(z) dz with x̃ the
///   billed workload of the allocation at each report z.
///
/// Only the cells whose allocation is monotone in the agent's true workload and whose payment
/// is the threshold of that workload can be truthful; the DSIC harness decides, not this type.
public struct Combination: Mechanism {
    /// The allocation factor's levels.
    public enum AllocationLevel: String, Sendable, CaseIterable {
        /// STAR's: φ̄ prices, edges' switching costs seen.
        case star
        /// φ̄ prices, edges ignored (each node to its cheapest φ̄_j·ω_{v,j}).
        case starblind
        /// Myopic's: bids, edges ignored (each node to its cheapest b_j·ω_{v,j}).
        case myopic
        /// VCG's: bids, edges' switching costs seen (cost minimising at bids).
        case vcg
        /// Whether the allocation prices reports through φ̄ (else the bid itself).
        public var virtual: Bool { self == .star || self == .starblind }
        /// Whether the allocation sees the edges' switching costs (else κ = 1: none).
        public var edgeAware: Bool { self == .star || self == .vcg }
    }
    /// The payment factor's levels.
    public enum PaymentLevel: String, Sendable, CaseIterable {
        /// Myerson thresholds with the prior-top reserve.
        case myerson
        /// Per node, the cheapest other capable offer (uncapped), as Myopic.
        case second
        /// The same, the price per unit capped at the winner's prior top.
        case capped
    }
    /// The billing factor's levels.
    public enum BillingLevel: String, Sendable, CaseIterable {
        /// STAR's accounting: the cost model's workload (cached context at κ).
        case cached
        /// Myopic's: ω_{v,i} = L_out + ρ_i·L_in per node won.
        case full
    }

    /// Allocation rule.
    public let allocation: AllocationLevel
    /// Payment rule.
    public let payment: PaymentLevel
    /// Billing rule.
    public let billing: BillingLevel

    /// The cell (allocation, payment, billing).
    public init(_ allocation: AllocationLevel, _ payment: PaymentLevel, _ billing: BillingLevel) {
        self.allocation = allocation; self.payment = payment; self.billing = billing
    }

    /// Every cell of the factorial (4 × 3 × 2), allocation-major.
    public static let factorial: [Combination] = AllocationLevel.allCases.flatMap { a in
        PaymentLevel.allCases.flatMap { p in BillingLevel.allCases.map { Combination(a, p, $0) } }
    }

    /// `combo-ALLOCATION-PAYMENT-BILLING`.
    public var name: String { "combo-\(allocation.rawValue)-\(payment.rawValue)-\(billing.rawValue)" }
    /// Only the threshold cells billed in the cost model's own units are candidates (see above);
    /// the edge-blind ones among them are not monotone in x_i in general, so only STAR's and VCG's
    /// cells claim it.
    public var claimsTruthful: Bool { payment == .myerson && billing == .cached && allocation.edgeAware }

    // MARK: Pieces

    /// The cost model with every edge's saving removed (κ = 1): x_i(A) = Σ_{v: A(v)=i} ω_{v,i}.
    static func blindModel(_ inst: Instance) -> CostModel {
        inst.cache.value("combination.blind-model") {
            CostModel(workflow: inst.workflow, tiers: inst.tiers, rho: inst.rho, cacheDiscount: 1)
        }
    }
    /// The model the allocation minimises over.
    func allocationModel(_ inst: Instance) -> CostModel { allocation.edgeAware ? inst.model : Self.blindModel(inst) }
    /// The model whose workloads are billed.
    func billingModel(_ inst: Instance) -> CostModel { billing == .cached ? inst.model : Self.blindModel(inst) }
    /// The allocation solver on `allocationModel(_:)`, built once per instance.
    func solver(_ inst: Instance, _ options: MechanismOptions) throws -> any AllocationSolver {
        if allocation.edgeAware { return try cachedSolver(inst, options) }
        return try inst.cache.value("combination.blind-solver.\(options.solver.rawValue)") { try options.solver.make(for: Self.blindModel(inst)) }
    }
    /// Every agent's price at its report.
    func prices(_ inst: Instance) -> [Double] { allocation.virtual ? inst.virtualBids : inst.bids }
    /// How agent i's report becomes its price.
    func priceMap(_ inst: Instance, agent i: Int) -> PriceMap {
        allocation.virtual ? .virtual(inst.priors[i]) : .identity(top: inst.priors[i].support.upperBound)
    }
    /// The second-price rule of this cell.
    var itemRule: any PaymentRule { payment == .capped ? CappedSecondPriceRule() : SecondPriceRule() }
    /// The reserve recorded in the outcome.
    var reserve: ReserveRule { payment == .myerson ? ThresholdRule().reserve : itemRule.reserve }

    // MARK: Mechanism

    /// The allocation: one solve of `allocationModel(_:)` at `prices(_:)`.
    public func allocate(_ inst: Instance, options: MechanismOptions) throws -> [Int] {
        try solver(inst, options).solve(prices: prices(inst)).agents
    }

    /// Allocation, then each winner's payment (``agentOutcome(_:agent:options:)``'s quote).
    public func run(_ inst: Instance, options: MechanismOptions) throws -> Outcome {
        let s = try solver(inst, options)
        let p = prices(inst)
        let a = try s.solve(prices: p)
        var pay = [Double](repeating: 0, count: inst.agentCount)
        var calls = 1
        for i in 0..<inst.agentCount where a.agents.contains(i) {
            let q = try quote(inst, agent: i, allocation: a, prices: p, solver: s, options: options)
            pay[i] = q.amount
            calls += q.solverCalls
        }
        return Outcome(mechanism: name, instance: inst, assignment: a.agents, payments: pay, solver: s.name, solverCalls: calls, reserve: reserve)
    }

    /// One agent's payment and true workload without the others' payments.
    public func agentOutcome(_ inst: Instance, agent i: Int, options: MechanismOptions) throws -> (payment: Double, workload: Double) {
        let s = try solver(inst, options)
        let p = prices(inst)
        let a = try s.solve(prices: p)
        let x = inst.model.workloads(a.agents)[i]
        guard a.agents.contains(i) else { return (0, x) }
        return (try quote(inst, agent: i, allocation: a, prices: p, solver: s, options: options).amount, x)
    }

    /// Breakpoints of agent i's allocation over its whole support (parametric search on the
    /// allocation's own objective, from the bottom of the support).
    public func allocationBreakpoints(_ inst: Instance, agent i: Int, options: MechanismOptions) throws -> [Double] {
        let lo = inst.priors[i].support.lowerBound, hi = inst.priors[i].support.upperBound
        let r = try ThresholdPayment.compute(agent: i, bid: lo, top: hi, prices: prices(inst), map: priceMap(inst, agent: i),
                                             model: allocationModel(inst), solver: solver(inst, options), method: .exact)
        return r.breakpoints.map(\.bid)
    }

    // MARK: Payments

    /// Agent i's payment under this cell's payment and billing rules.
    func quote(_ inst: Instance, agent i: Int, allocation a: Assignment, prices p: [Double], solver s: any AllocationSolver,
               options: MechanismOptions) throws -> PaymentQuote {
        switch payment {
        case .myerson: return try threshold(inst, agent: i, allocation: a, prices: p, solver: s, options: options)
        case .second, .capped: return try perNode(inst, agent: i, assignment: a.agents)
        }
    }

    /// Myerson's threshold of the billed workload. When billing and allocation use the same
    /// model this is `ThresholdRule` as STAR and VCG use it; otherwise the allocation's steps
    /// come from the same search and each step's allocation is re-billed in the billing model.
    func threshold(_ inst: Instance, agent i: Int, allocation a: Assignment, prices p: [Double], solver s: any AllocationSolver,
                   options: MechanismOptions) throws -> PaymentQuote {
        let allocModel = allocationModel(inst), top = inst.priors[i].support.upperBound, bid = inst.bids[i]
        let xa = allocModel.workloads(a.agents)[i]
        if billing == .cached ? allocation.edgeAware : !allocation.edgeAware {
            return try ThresholdRule(method: options.payment).pay(
                Winner(agent: i, bid: bid, workload: xa, top: top,
                       competition: .optimisation(prices: p, map: priceMap(inst, agent: i), model: allocModel, solver: s, optimum: a.objective,
                                                  allocation: a.agents)))
        }
        let map = priceMap(inst, agent: i)
        let r = try ThresholdPayment.compute(agent: i, bid: bid, top: top, prices: p, map: map, model: allocModel, solver: s,
                                             method: options.payment, atBid: (xa, a.objective), allocationAtBid: a.agents)
        let billed = billingModel(inst)
        var q = p, calls = r.solverCalls
        /// The billed workload of the allocation at report z.
        func billedAt(_ z: Double) throws -> Double {
            q[i] = map.price(z)
            calls += 1
            return billed.workloads(try s.solve(prices: q).agents)[i]
        }
        let x0 = billed.workloads(a.agents)[i]
        var total = bid * x0
        let cuts = [bid] + r.breakpoints.map(\.bid).filter { $0 > bid && $0 < top } + [top]
        for (l, h) in zip(cuts, cuts.dropFirst()) where h > l {
            total += (l == bid ? x0 : try billedAt((l + h) / 2)) * (h - l)
        }
        return PaymentQuote(amount: total, solverCalls: calls)
    }

    /// Σ over the nodes agent i holds of its price per unit for the node (the runner-up's offer
    /// b_j·ω_{v,j} over the winner's ω_{v,i}, capped at hi_i for `capped`) × the node's billed units.
    func perNode(_ inst: Instance, agent i: Int, assignment: [Int]) throws -> PaymentQuote {
        let omega = Self.blindModel(inst).base
        let top = inst.priors[i].support.upperBound
        var total = 0.0
        for v in 0..<assignment.count where assignment[v] == i {
            let mine = ItemOffer(agent: i, workload: omega[v][i], cost: inst.bids[i] * omega[v][i])
            let others = ItemOffer.ranked((0..<inst.agentCount).filter { $0 != i && inst.model.capable[v][$0] }.map {
                ItemOffer(agent: $0, workload: omega[v][$0], cost: inst.bids[$0] * omega[v][$0])
            })
            let amount = try itemRule.pay(Winner(agent: i, bid: inst.bids[i], workload: mine.workload, top: top,
                                                 competition: .item(ranked: [mine] + others))).amount
            guard billing == .cached, omega[v][i] > 0 else { total += amount; continue }
            total += amount * nodeUnits(inst.model, node: v, agent: i, assignment: assignment) / omega[v][i]
        }
        return PaymentQuote(amount: total)
    }

    /// Node v's share of x_i(A) in `model`: its unary part less the savings of edges from parents on i.
    func nodeUnits(_ model: CostModel, node v: Int, agent i: Int, assignment: [Int]) -> Double {
        var u = model.base[v][i]
        for (k, e) in model.edges.enumerated() where e.to == v && assignment[e.from] == i { u -= model.saving[k][i] }
        return max(0, u)
    }
}
