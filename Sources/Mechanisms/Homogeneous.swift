import Payments
import Workflows
import LabIO

/// The paper's Homogeneous baseline (STAR §5): the whole workflow as one bundle to the
/// agent with tier ≥ max difficulty and the lowest aggregate bid b_j·X_j (X_j = its
/// workload doing every node); paid the second-lowest aggregate bid (the prior's top × X
/// if alone). A single-item second-price auction on b·X, hence truthful.
public struct Homogeneous: Mechanism {
    /// The Homogeneous baseline (stateless).
    public init() {}
    /// "homogeneous".
    public var name: String { "homogeneous" }
    /// True: a single-item second-price auction on aggregate bids.
    public var claimsTruthful: Bool { true }
    /// Gives every node to the capable agent with the lowest aggregate bid b_j·X_j (ties to the
    /// lower index) and pays it the second-lowest, or the prior's top × X_j when it is alone.
    /// O(M·V) plus M workload evaluations.
    public func run(_ inst: Instance, options: MechanismOptions) throws -> Outcome {
        let V = inst.workflow.count
        let needed = inst.workflow.difficulty.max() ?? 0
        var list: [ItemOffer] = []
        for j in 0..<inst.agentCount where inst.tiers[j] >= needed {
            let x: Double = inst.model.workloads(Array(repeating: j, count: V))[j]
            list.append(ItemOffer(agent: j, workload: x, cost: inst.bids[j] * x))
        }
        let offers = ItemOffer.ranked(list)
        guard let win = offers.first else {
            throw FieldError(field: "agents", reason: "no agent has tier ≥ \(needed), the workflow's maximum difficulty (homogeneous needs one)")
        }
        let rule = SecondPriceRule()
        var pay = [Double](repeating: 0, count: inst.agentCount)
        pay[win.agent] = try rule.pay(Winner(agent: win.agent, bid: inst.bids[win.agent], workload: win.workload,
                                             top: inst.priors[win.agent].support.upperBound, competition: .item(ranked: offers))).amount
        return Outcome(mechanism: name, instance: inst, assignment: Array(repeating: win.agent, count: V), payments: pay,
                       solver: "none", solverCalls: 0, reserve: rule.reserve)
    }
    /// Agent i's bundle offer ties agent j's at z = b_j·X_j / X_i.
    public func allocationBreakpoints(_ inst: Instance, agent i: Int, options: MechanismOptions) throws -> [Double] {
        let V = inst.workflow.count
        let xi = inst.model.workloads(Array(repeating: i, count: V))[i]
        guard xi > 0 else { return [] }
        return (0..<inst.agentCount).filter { $0 != i }.map { j in
            inst.bids[j] * inst.model.workloads(Array(repeating: j, count: V))[j] / xi
        }
    }
}
