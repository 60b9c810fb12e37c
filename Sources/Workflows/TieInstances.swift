import Priors

/// Seeded random instances **built to tie**, for tests and sweeps of the tie rule (issue 13):
/// agents come in groups of identical copies (same tier, ρ, prior and bid), priors are drawn
/// from every `PriorZoo` family, and on ironed priors bids are placed inside the ironed
/// stretch, so distinct bids share one price. Curves are built once per (family, support)
/// and reused (`curves`), since ironing is the expensive part.
public struct TieInstances {
    /// The supports every family is built on, so ties also occur across supports of different width.
    public static let supports: [ClosedRange<Double>] = [0...8, 0.5...4, 1...10]
    /// φ̄ curves per (family, support index).
    public let curves: [String: [VirtualCost]]

    /// The default families: every `PriorZoo` family except `tiny-weight`, whose φ̄ reaches 10¹²
    /// in its tail next to values near 1: the instances compare every solver kind, and GLPK's
    /// MILP cannot resolve prices twelve orders of magnitude apart (it returns a wrong optimum).
    /// The exact solvers are tested on `tiny-weight` by the DSIC suites.
    public static let defaultFamilies = PriorZoo.names.filter { $0 != "tiny-weight" }

    /// Builds the φ̄ curves of `families` on every support in ``supports`` (the expensive part).
    /// - Throws: `FieldError` when a family cannot be built or ironed.
    public init(families: [String] = TieInstances.defaultFamilies) throws {
        var c: [String: [VirtualCost]] = [:]
        for f in families {
            c[f] = try Self.supports.map { try VirtualCost(spec: PriorZoo.spec(f, low: $0.lowerBound, high: $0.upperBound), path: f) }
        }
        curves = c
    }

    /// One instance: `groups` base agents, each copied 1–3 times, random workflow of `nodes` nodes.
    public func instance<G: RandomNumberGenerator>(_ shape: RandomWorkflow.Shape, nodes: Int, groups: Int, kappa: Double,
                                                   using g: inout G) throws -> Instance {
        var (ns, es) = RandomWorkflow.workflow(shape, nodes: nodes, using: &g)
        var agents: [AgentSpec] = [], curves: [VirtualCost] = []
        let families = self.curves.keys.sorted()
        var maxTier = 1
        for k in 0..<groups {
            let family = families[Int.random(in: 0..<families.count, using: &g)]
            let s = Int.random(in: 0..<Self.supports.count, using: &g)
            let curve = self.curves[family]![s]
            let tier = Int.random(in: 1...3, using: &g)
            maxTier = max(maxTier, tier)
            let rho = [0.25, 0.5, 1.0][Int.random(in: 0...2, using: &g)]
            for copy in 0..<Int.random(in: 1...3, using: &g) {
                // Copies share the bid, or (on an ironed stretch) take another bid of the stretch.
                var bid = curve.prior.quantile(Double.random(in: 0.05...0.95, using: &g))
                if let iv = curve.intervals.first, copy == 0 || Bool.random(using: &g) {
                    bid = iv.low + (iv.high - iv.low) * Double.random(in: 0.1...0.9, using: &g)
                } else if copy > 0 {
                    bid = agents.last!.bid
                }
                while !(curve.prior.pdf(bid) > 0 && curve.ironed(bid).isFinite) { bid = curve.prior.quantile(Double.random(in: 0.05...0.95, using: &g)) }
                agents.append(AgentSpec(id: "g\(k)c\(copy)", tier: tier, rho: rho, bid: bid,
                                        prior: try PriorZoo.spec(family, low: Self.supports[s].lowerBound, high: Self.supports[s].upperBound)))
                curves.append(curve)
            }
        }
        for v in ns.indices { ns[v].difficulty = min(ns[v].difficulty, maxTier) }
        if Bool.random(using: &g) { es = es.map { EdgeSpec(from: $0.from, to: $0.to, tokens: nil) } }
        return try Instance(spec: InstanceSpec(agents: agents, nodes: ns, edges: es, cacheDiscount: kappa), priors: curves)
    }
}
