import Foundation
import Priors

/// A validated instance: workflow, agents with their (ironed) virtual-cost curves, κ.
/// Value type; `withBid` gives the same instance with one agent's report changed,
/// which is all a payment search or a DSIC check needs.
public struct Instance: Sendable {
    /// The validated DAG.
    public let workflow: Workflow
    /// Agent ids, in input order (agent index = position).
    public let agentIDs: [String]
    /// Each agent's tier t_i: it can serve node v iff t_i ≥ d_v.
    public let tiers: [Int]
    /// Each agent's input/output price ratio ρ_i.
    public let rho: [Double]
    /// Each agent's report b_i (money per work unit); change one with `withBid`.
    public private(set) var bids: [Double]
    /// Each agent's prior with its (ironed) virtual cost curve.
    public let priors: [VirtualCost]
    /// The priors as given in the input.
    public let priorSpecs: [PriorSpec]
    /// κ ∈ [0,1]: context from a parent on the same agent is charged at κ of the input price.
    public let cacheDiscount: Double
    /// The workload model x_i(A) (TheModel.md).
    public let model: CostModel
    /// Bid-independent memo shared by `withBid` copies (solvers built once per instance).
    public let cache = StructureCache()

    /// M, the number of agents.
    public var agentCount: Int { agentIDs.count }

    /// Validates `spec` (ids, DAG, capabilities, finite non-negative tokens, bids inside their priors) and builds the model; `precomputed` reuses virtual-cost curves. Throws `InstanceError` naming the field.
    public init(spec: InstanceSpec, priors precomputed: [VirtualCost]? = nil) throws {
        let wf = try Workflow(nodes: spec.nodes, edges: spec.edges)
        guard !spec.agents.isEmpty else { throw InstanceError.invalid(field: "agents", reason: "is empty") }
        let kappa = spec.cacheDiscount ?? 0
        guard kappa.isFinite, (0...1).contains(kappa) else {
            throw InstanceError.invalid(field: "cache_discount", reason: "must be in [0, 1] (got \(kappa))")
        }
        var seen: [String: Int] = [:]
        var curves: [VirtualCost] = []
        for (k, a) in spec.agents.enumerated() {
            if let j = seen[a.id] { throw InstanceError.invalid(field: "agents[\(k)].id", reason: "\"\(a.id)\" duplicates agents[\(j)].id") }
            seen[a.id] = k
            guard a.rho.isFinite, a.rho >= 0 else { throw InstanceError.invalid(field: "agents[\(k)].rho", reason: "must be a finite number ≥ 0 (got \(a.rho))") }
            let curve: VirtualCost
            if let pre = precomputed { curve = pre[k] } else {
                do { curve = try VirtualCost(spec: a.prior, side: .cost, path: "agents[\(k)].prior") } catch let e as PriorError {
                    throw InstanceError.invalid(field: "agents[\(k)].prior", reason: e.description)
                }
            }
            do { _ = try curve.checkedIroned(a.bid, field: "agents[\(k)].bid") } catch let e as PriorError {
                // The prior error already names the field; keep its reason only.
                throw InstanceError.invalid(field: "agents[\(k)].bid",
                                            reason: e.description.replacingOccurrences(of: "`agents[\(k)].bid` = ", with: "= "))
            }
            curves.append(curve)
        }
        for v in 0..<wf.count where !spec.agents.contains(where: { $0.tier >= wf.difficulty[v] }) {
            throw InstanceError.invalid(field: "nodes[\(v)].difficulty",
                                        reason: "is \(wf.difficulty[v]) but no agent has tier ≥ \(wf.difficulty[v]) (node \"\(wf.ids[v])\" cannot be served)")
        }
        workflow = wf
        agentIDs = spec.agents.map(\.id)
        tiers = spec.agents.map(\.tier)
        rho = spec.agents.map(\.rho)
        bids = spec.agents.map(\.bid)
        priors = curves
        priorSpecs = spec.agents.map(\.prior)
        cacheDiscount = kappa
        model = CostModel(workflow: wf, tiers: tiers, rho: rho, cacheDiscount: kappa)
    }

    /// The same instance with agent `i` reporting `bid` (no validation: callers stay in the support).
    public func withBid(_ i: Int, _ bid: Double) -> Instance {
        var copy = self
        copy.bids[i] = bid
        return copy
    }

    /// Ironed virtual cost φ̄_i(b_i) of every agent at its current bid.
    public var virtualBids: [Double] { (0..<agentCount).map { priors[$0].ironed(bids[$0]) } }
}
