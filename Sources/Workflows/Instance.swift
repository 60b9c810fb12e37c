import Foundation
import Priors
import LabIO

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

    /// Validates `spec` (ids, DAG, capabilities, finite non-negative tokens, bids inside their priors) and builds the model; `precomputed` reuses virtual-cost curves, and `priorCache` takes each agent's curve from a cache shared with other instances (the same curves, built once per distinct prior). Throws a `FieldError` naming the field.
    public init(spec: InstanceSpec, priors precomputed: [VirtualCost]? = nil, priorCache: PriorCache? = nil) throws {
        let wf = try Workflow(nodes: spec.nodes, edges: spec.edges)
        guard !spec.agents.isEmpty else { throw FieldError(field: "agents", reason: "is empty") }
        let kappa = spec.cacheDiscount ?? 0
        guard kappa.isFinite, (0...1).contains(kappa) else {
            throw FieldError(field: "cache_discount", reason: "must be in [0, 1] (got \(kappa))")
        }
        var seen: [String: Int] = [:]
        var curves: [VirtualCost] = []
        for (k, a) in spec.agents.enumerated() {
            if let j = seen[a.id] { throw FieldError(field: "agents[\(k)].id", reason: "\"\(a.id)\" duplicates agents[\(j)].id") }
            seen[a.id] = k
            guard a.rho.isFinite, a.rho >= 0 else { throw FieldError(field: "agents[\(k)].rho", reason: "must be a finite number ≥ 0 (got \(a.rho))") }
            let curve: VirtualCost
            if let pre = precomputed { curve = pre[k] } else {
                // A bad prior's error names its field below the agent (`agents[k].prior.sd`).
                let path = "agents[\(k)].prior"
                curve = try priorCache?.curve(for: a.prior, side: .cost, path: path) ?? VirtualCost(spec: a.prior, side: .cost, path: path)
            }
            // Costs are money per work unit: a support reaching below 0 would let STAR pay
            // negative amounts (an agent paying to work), which no cost model here means.
            if curve.prior.low < 0 {
                throw FieldError(field: Self.lowField(a.prior, k),
                                 reason: "makes costs negative (the support starts at \(curve.prior.low)); costs are money per work unit and must be ≥ 0")
            }
            try Self.checkBid(a.bid, agent: k, curve: curve)
            curves.append(curve)
        }
        for v in 0..<wf.count where !spec.agents.contains(where: { $0.tier >= wf.difficulty[v] }) {
            throw FieldError(field: "nodes[\(v)].difficulty",
                             reason: "is \(wf.difficulty[v]) but no agent has tier ≥ \(wf.difficulty[v]) (node \"\(wf.ids[v])\" cannot be served)")
        }
        let model = CostModel(workflow: wf, tiers: spec.agents.map(\.tier), rho: spec.agents.map(\.rho), cacheDiscount: kappa)
        try Self.checkMagnitudes(model, spec: spec, curves: curves)
        workflow = wf
        agentIDs = spec.agents.map(\.id)
        tiers = spec.agents.map(\.tier)
        rho = spec.agents.map(\.rho)
        bids = spec.agents.map(\.bid)
        priors = curves
        priorSpecs = spec.agents.map(\.prior)
        cacheDiscount = kappa
        self.model = model
    }

    /// The field holding the lowest cost of a prior spec: `low` of a parametric kind, the
    /// smallest sample of an empirical one, the lowest component of a mixture.
    static func lowField(_ spec: PriorSpec, _ k: Int) -> String {
        func path(_ p: PriorSpec, _ base: String) -> String {
            switch p {
            case .uniform, .normal, .lognormal, .beta, .exponential: return "\(base).low"
            case let .empirical(xs):
                return xs.indices.min(by: { xs[$0] < xs[$1] }).map { "\(base).samples[\($0)]" } ?? "\(base).samples"
            case let .mixture(cs):
                let lows = cs.map { $0.prior.support?.lowerBound ?? .infinity }
                guard let j = lows.indices.min(by: { lows[$0] < lows[$1] }) else { return "\(base).components" }
                return path(cs[j].prior, "\(base).components[\(j)].prior")
            }
        }
        return path(spec, "agents[\(k)].prior")
    }

    /// Largest product of a workload and a price (bid or virtual cost) an instance may reach:
    /// sums of a few thousand such products stay finite, so no solver compares infinities.
    static let magnitudeLimit = 1e300

    /// Refuses an instance whose workloads or workload × price products overflow doubles
    /// (ρ = 1e308, or a support near 1e308 against a large workflow), naming the agent's
    /// `rho` or `prior` instead of letting every allocation look infeasible.
    static func checkMagnitudes(_ model: CostModel, spec: InstanceSpec, curves: [VirtualCost]) throws {
        for (k, a) in spec.agents.enumerated() {
            // Every node on this agent, every parent elsewhere: an upper bound on its workload.
            let most = (0..<model.nodeCount).reduce(0.0) { $0 + model.base[$1][k] }
            guard most.isFinite, most <= magnitudeLimit else {
                throw FieldError(field: "agents[\(k)].rho",
                                 reason: "= \(a.rho) makes this agent's workload (input tokens × ρ, up to \(most)) exceed \(magnitudeLimit) or overflow a double; use a ratio of realistic size")
            }
            let s = curves[k].prior.support
            let price = [s.lowerBound, s.upperBound, curves[k].ironed(s.lowerBound), curves[k].ironed(s.upperBound)]
                .filter(\.isFinite).map(abs).max() ?? 0
            guard (most * price * Double(spec.agents.count)).isFinite, most * price <= magnitudeLimit else {
                let field = a.rho > 1 ? "agents[\(k)].rho" : "agents[\(k)].prior"
                throw FieldError(field: field,
                                 reason: "gives workloads up to \(most) priced up to \(price) (ρ = \(a.rho), support [\(s.lowerBound), \(s.upperBound)]): their product exceeds \(magnitudeLimit), beyond which sums of costs overflow a double")
            }
        }
    }

    /// Refuses a report that is not a type of agent `k`'s prior: not finite, outside the support, or
    /// at a point of zero density. The error names `agents[k].bid`.
    static func checkBid(_ bid: Double, agent k: Int, curve: VirtualCost) throws {
        _ = try curve.checkedIroned(bid, field: "agents[\(k)].bid")
    }

    /// The same instance with every agent's report replaced by `newBids` (in agent order), each
    /// checked as `init(spec:)` checks the bids of an instance file, with the same messages: the
    /// instance `init(spec:)` would build from the spec with these bids, without decoding,
    /// validating or ironing anything else again (copies share `cache`, so solvers are built once).
    /// - Throws: a `FieldError` naming `bids` for a vector of the wrong length, or
    ///   `agents[k].bid` for the first report that is not a type of its agent's prior.
    public func withBids(_ newBids: [Double]) throws -> Instance {
        guard newBids.count == agentCount else {
            throw FieldError(field: "bids", reason: "has \(newBids.count) value\(newBids.count == 1 ? "" : "s") but the instance has \(agentCount) agent\(agentCount == 1 ? "" : "s") (\(agentIDs.joined(separator: ", ")))")
        }
        for (k, b) in newBids.enumerated() { try Self.checkBid(b, agent: k, curve: priors[k]) }
        var copy = self
        copy.bids = newBids
        return copy
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
