import Payments
import Workflows

/// The paper's Myopic baseline (STAR §5): each node to its cheapest capable bidder by
/// b_j·ω_{v,j} with ω_{v,j} = L_v^out + ρ_j·L_v^in, edges ignored; the winner of node v
/// is paid the second-lowest capable b_k·ω_{v,k} (the prior's top × ω if alone).
///
/// Not DSIC in this cost model (TheModel.md): the winner's real workload x_i(A) depends on
/// its neighbours' allocation (context on the same agent is cheaper), so per-node
/// second pricing does not price the externality.
public struct Myopic: Mechanism {
    /// The Myopic baseline (stateless).
    public init() {}
    /// "myopic".
    public var name: String { "myopic" }
    /// False: per-node second pricing ignores the context externality (see above).
    public var claimsTruthful: Bool { false }
    /// Per node, the cheapest capable bid b_j·ω_{v,j} wins (ties to the lower index) and is paid
    /// the second-lowest (the prior's top × ω when alone). O(V·M).
    public func run(_ inst: Instance, options: MechanismOptions) throws -> Outcome {
        let wf = inst.workflow, M = inst.agentCount
        var assignment = [Int](repeating: 0, count: wf.count)
        var pay = [Double](repeating: 0, count: M)
        let rule = SecondPriceRule()
        for v in 0..<wf.count {
            var list: [ItemOffer] = []
            for j in 0..<M where inst.model.capable[v][j] {
                let omega: Double = wf.outputTokens[v] + inst.rho[j] * wf.inputTokens[v]
                list.append(ItemOffer(agent: j, workload: omega, cost: inst.bids[j] * omega))
            }
            let offers = ItemOffer.ranked(list)
            let win = offers[0]
            assignment[v] = win.agent
            pay[win.agent] += try rule.pay(Winner(agent: win.agent, bid: inst.bids[win.agent], workload: win.workload,
                                                  top: inst.priors[win.agent].support.upperBound, competition: .item(ranked: offers))).amount
        }
        return Outcome(mechanism: name, instance: inst, assignment: assignment, payments: pay, solver: "none", solverCalls: 0, reserve: rule.reserve)
    }
    /// Agent i's offer on node v ties agent j's at z = b_j·ω_{v,j} / ω_{v,i}.
    public func allocationBreakpoints(_ inst: Instance, agent i: Int, options: MechanismOptions) throws -> [Double] {
        let wf = inst.workflow
        var out: [Double] = []
        for v in 0..<wf.count where inst.model.capable[v][i] {
            let wi = wf.outputTokens[v] + inst.rho[i] * wf.inputTokens[v]
            guard wi > 0 else { continue }
            for j in 0..<inst.agentCount where j != i && inst.model.capable[v][j] {
                out.append(inst.bids[j] * (wf.outputTokens[v] + inst.rho[j] * wf.inputTokens[v]) / wi)
            }
        }
        return out
    }
}
