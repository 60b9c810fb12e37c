import Allocation
import Workflows

/// A payment rule: what a mechanism pays each winner, given what the winner won and against whom.
///
/// Each mechanism chooses one (TheModel.md):
///
/// | Rule | Used by | Pays |
/// |---|---|---|
/// | ``ThresholdRule`` | STAR, VCG | Myerson's threshold b·x(b) + ∫_b^hi x(z) dz (exact or bisection) |
/// | ``SecondPriceRule`` | Myopic (per node), Homogeneous (the bundle) | the next-best offer's cost |
/// | ``OwnBidRule`` | pay-as-bid | the winner's bid × workload |
///
/// A rule never changes the allocation; it is handed the allocation's ``Winner`` and returns
/// the amount (with the solver calls it spent, for the outcome's accounting).
public protocol PaymentRule: Sendable {
    /// The payment bound this rule applies, recorded in every outcome (so no table mixes two).
    var reserve: ReserveRule { get }
    /// The payment to one winner.
    func pay(_ winner: Winner) throws -> PaymentQuote
}

/// What a payment rule returns for one winner.
public struct PaymentQuote: Sendable, Equatable {
    /// The payment in the instance's money unit (price per unit of work × workload units).
    public let amount: Double
    /// Allocation solves spent computing it (0 for the rules that need none).
    public let solverCalls: Int
    /// A quote of `amount` that cost `solverCalls` allocation solves.
    public init(amount: Double, solverCalls: Int = 0) { self.amount = amount; self.solverCalls = solverCalls }
}

/// One winner as a payment rule sees it.
public struct Winner: Sendable {
    /// Agent index in the instance.
    public let agent: Int
    /// Its report b_i (per unit of work).
    public let bid: Double
    /// Its workload x_i at that report (in the units of `CostModel`).
    public let workload: Double
    /// The top of its prior: the reserve of a threshold rule, the price of an unopposed item.
    public let top: Double
    /// Against whom it won.
    public let competition: Competition

    /// A winner as the mechanism's allocation left it.
    public init(agent: Int, bid: Double, workload: Double, top: Double, competition: Competition) {
        self.agent = agent; self.bid = bid; self.workload = workload; self.top = top; self.competition = competition
    }
}

/// How the winner won: by joint optimisation (a threshold needs to re-solve with its price
/// moved) or in a single-item auction among priced offers (a second price reads the runner-up).
public enum Competition: Sendable {
    /// The allocation minimises Σ_j prices[j]·x_j(A); `map` turns the winner's report into its price;
    /// `optimum` is that allocation's objective (the one the winner's workload comes from), so a
    /// threshold search starts from it instead of solving again at the same prices; `allocation`,
    /// when given, is that allocation itself (the piece-by-piece search starts from it).
    case optimisation(prices: [Double], map: PriceMap, model: CostModel, solver: any AllocationSolver, optimum: Double,
                      allocation: [Int]? = nil)
    /// One item's offers, ranked by `ItemOffer.ranked` (the winner first).
    case item(ranked: [ItemOffer])
}

/// How a mechanism bounds what it pays (issue 13: Table 1 must not silently mix two rules).
public enum ReserveRule: String, Sendable, Codable, CaseIterable {
    /// Threshold payments with the top of the winner's own prior as reserve: the winner is paid
    /// at most hi_i per unit of work (STAR Eq. 4, TheModel.md). STAR and VCG.
    case priorTop = "prior-top"
    /// The paper's baselines: the second-lowest competing price, *not* capped at the winner's prior
    /// top (it can exceed it when a competitor's support reaches higher); the top only when nobody
    /// else can serve. Myopic and Homogeneous.
    case secondPriceUncapped = "second-price-uncapped"
    /// The runner-up's price per unit of work, capped at the winner's prior top
    /// (`CappedSecondPriceRule`; the decomposition study's combinations).
    case secondPriceCapped = "second-price-capped"
    /// No reserve: each winner is paid its own bid (pay-as-bid).
    case ownBid = "own-bid"
}

/// Myerson threshold payments (TheModel.md), by exact parametric search or the paper's bisection.
/// Truthful for any monotone allocation. Needs `.optimisation` competition.
public struct ThresholdRule: PaymentRule {
    /// Exact parametric search (default) or the paper's bisection to a width ε.
    public let method: PaymentMethod
    /// A threshold rule using `method`.
    public init(method: PaymentMethod = .exact) { self.method = method }
    /// `.priorTop`: the integral of the payment identity runs to the winner's prior top.
    public var reserve: ReserveRule { .priorTop }
    /// The threshold payment; O(breakpoints of x_i) solves (exact) or O(steps·log(range/ε)) (bisection).
    public func pay(_ w: Winner) throws -> PaymentQuote {
        guard case let .optimisation(prices, map, model, solver, optimum, allocation) = w.competition else {
            preconditionFailure("ThresholdRule needs an optimisation allocation (prices, price map, solver)")
        }
        let r = try ThresholdPayment.compute(agent: w.agent, bid: w.bid, top: w.top, prices: prices, map: map, model: model,
                                             solver: solver, method: method, atBid: (w.workload, optimum), allocationAtBid: allocation)
        return PaymentQuote(amount: r.payment, solverCalls: r.solverCalls)
    }
}

/// The runner-up's cost for the item (not capped at the winner's prior top); the winner's prior
/// top × its workload when nobody else offered. The paper's baselines; truthful only for a
/// single item whose workload does not depend on the rest of the allocation.
public struct SecondPriceRule: PaymentRule {
    /// The baselines' rule.
    public init() {}
    /// `.secondPriceUncapped`: the runner-up's cost may exceed the winner's prior top.
    public var reserve: ReserveRule { .secondPriceUncapped }
    /// The runner-up's cost, O(1); no solves.
    public func pay(_ w: Winner) throws -> PaymentQuote {
        guard case let .item(ranked) = w.competition else {
            preconditionFailure("SecondPriceRule needs an item's ranked offers")
        }
        precondition(ranked.first?.agent == w.agent, "the winner must be the first ranked offer")
        return PaymentQuote(amount: ranked.count > 1 ? ranked[1].cost : w.top * w.workload)
    }
}

/// Each winner is paid its own bid × workload: not truthful, a control the DSIC harness must catch.
public struct OwnBidRule: PaymentRule {
    /// The control rule.
    public init() {}
    /// `.ownBid`: no reserve.
    public var reserve: ReserveRule { .ownBid }
    /// b_i·x_i, O(1).
    public func pay(_ w: Winner) throws -> PaymentQuote { PaymentQuote(amount: w.bid * w.workload) }
}

/// A priced offer for one item of a single-item auction (a node for Myopic, the whole workflow
/// for Homogeneous): agent j would do `workload` units at `cost` = b_j × workload.
public struct ItemOffer: Sendable, Equatable {
    /// Agent index in the instance.
    public let agent: Int
    /// Units of work the agent would do for the item.
    public let workload: Double
    /// Its bid × `workload`: what the item costs the buyer if this offer wins at its bid.
    public let cost: Double
    /// An offer of `agent` to do `workload` units at total `cost`.
    public init(agent: Int, workload: Double, cost: Double) { self.agent = agent; self.workload = workload; self.cost = cost }

    /// Lowest cost first; equal costs by `TieRule.precedes` (lowest agent index).
    public static func ranked(_ offers: [ItemOffer]) -> [ItemOffer] {
        offers.sorted { TieRule.precedes(cost: $0.cost, agent: $0.agent, cost: $1.cost, agent: $1.agent) }
    }
}
