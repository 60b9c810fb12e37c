import Priors

/// Seeded random workflows and markets for property tests, benchmarks and sweeps.
public enum RandomWorkflow {
    /// The DAG shapes the generator draws.
    public enum Shape: String, CaseIterable, Sendable, Codable {
        /// v−1 → v.
        case chain
        /// Each node after the first has one parent chosen among earlier nodes.
        case tree
        /// Layers of `width` nodes; each node has 1–3 parents in the previous layer.
        case layered
        /// Each node has 1–2 parents among earlier nodes (multi-parent DAG).
        case dag
    }

    /// Nodes and edges of a random workflow with difficulties 1…3 and token counts in
    /// the paper's range (1k–400k). Edge tokens are left to the proportional split.
    public static func workflow<G: RandomNumberGenerator>(_ shape: Shape, nodes V: Int, width: Int = 4,
                                                          using g: inout G) -> ([NodeSpec], [EdgeSpec]) {
        let nodes = (0..<V).map { v in
            NodeSpec(id: "n\(v)", difficulty: Int.random(in: 1...3, using: &g),
                     inputTokens: Double(Int.random(in: 1...400, using: &g)) * 1000,
                     outputTokens: Double(Int.random(in: 1...400, using: &g)) * 1000)
        }
        var edges: [EdgeSpec] = []
        var present = Set<[Int]>()   // a set, not a scan of `edges`: generation stays linear at 10⁴ nodes
        func add(_ u: Int, _ v: Int) { if present.insert([u, v]).inserted { edges.append(EdgeSpec(from: "n\(u)", to: "n\(v)")) } }
        switch shape {
        case .chain:
            for v in 1..<max(1, V) { add(v - 1, v) }
        case .tree:
            for v in 1..<max(1, V) { add(Int.random(in: max(0, v - 5)..<v, using: &g), v) }
        case .layered:
            let w = max(1, width)
            for v in w..<max(w, V) {
                let layerStart = (v / w - 1) * w
                for _ in 0..<Int.random(in: 1...3, using: &g) { add(Int.random(in: layerStart..<(layerStart + w), using: &g), v) }
            }
        case .dag:
            for v in 1..<max(1, V) {
                for _ in 0..<Int.random(in: 1...2, using: &g) { add(Int.random(in: max(0, v - 6)..<v, using: &g), v) }
            }
        }
        return (nodes, edges)
    }

    /// A market of `perTier` agents in each of tiers 1…3 with uniform priors; bids drawn
    /// from the priors. With `ties`, some agents copy another's bid, prior and ρ exactly.
    public static func market<G: RandomNumberGenerator>(perTier: Int = 3, rho: ClosedRange<Double> = 0.1...1,
                                                        ties: Bool = false, bimodal: Bool = false,
                                                        using g: inout G) -> [AgentSpec] {
        var agents: [AgentSpec] = []
        for tier in 1...3 {
            for k in 0..<perTier {
                let scale = [0.2, 1.0, 5.0][tier - 1]
                let lo = scale * Double.random(in: 0.05...0.3, using: &g), hi = lo + scale * Double.random(in: 0.5...2, using: &g)
                let prior: PriorSpec = bimodal && Bool.random(using: &g)
                    ? .mixture([.init(weight: 0.7, prior: .uniform(low: lo, high: lo + 0.2 * (hi - lo))),
                                .init(weight: 0.3, prior: .uniform(low: lo + 0.8 * (hi - lo), high: hi))])
                    : .uniform(low: lo, high: hi)
                var bid = lo + (hi - lo) * Double.random(in: 0...1, using: &g)
                if bimodal, case .mixture = prior {
                    bid = Bool.random(using: &g) ? lo + 0.2 * (hi - lo) * Double.random(in: 0...1, using: &g)
                                                 : lo + (hi - lo) * Double.random(in: 0.8...1, using: &g)
                }
                agents.append(AgentSpec(id: "a\(tier)\(k)", tier: tier, rho: Double.random(in: rho, using: &g), bid: bid, prior: prior))
            }
        }
        if ties && agents.count > 1 {
            let src = Int.random(in: 0..<agents.count, using: &g)
            let dst = (src + 1) % agents.count
            agents[dst].bid = agents[src].bid; agents[dst].prior = agents[src].prior; agents[dst].rho = agents[src].rho
        }
        return agents
    }

    /// A random instance: a workflow of `shape` with `nodes` nodes and a market of `perTier`
    /// agents per tier, cache discount `kappa`, optional tied agent copies (`ties`) and bimodal
    /// priors; deterministic for the state of `g`.
    public static func instance<G: RandomNumberGenerator>(_ shape: Shape, nodes: Int, perTier: Int = 3, kappa: Double = 0,
                                                          ties: Bool = false, bimodal: Bool = false, using g: inout G) -> InstanceSpec {
        let (n, e) = workflow(shape, nodes: nodes, using: &g)
        return InstanceSpec(agents: market(perTier: perTier, ties: ties, bimodal: bimodal, using: &g), nodes: n, edges: e, cacheDiscount: kappa)
    }
}
