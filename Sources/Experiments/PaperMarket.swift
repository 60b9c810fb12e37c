import Foundation
import Yams
import LabNumerics
import Priors
import Workflows

/// The STAR paper's market (ThePaperMarket.md, STAR App. D), sampled per trial.
public enum PaperMarket {
    /// Base output prices C ($ per 1M tokens), three per tier.
    public static let basePrices: [[Double]] = [[0.10, 0.20, 0.30], [0.50, 1.00, 1.50], [2.50, 5.00, 7.50]]

    /// E(t) = 0.5·(1 + sin(2π(t−8)/24)).
    public static func electricity(_ t: Double) -> Double { 0.5 * (1 + sin(2 * Double.pi * (t - 8) / 24)) }

    /// Prices of `n` agents in a tier: the paper's three when n = 3, else evenly spaced
    /// between the tier's cheapest and dearest.
    public static func prices(tier: Int, count n: Int, market: MarketSpec = .paper) -> [Double] {
        let p = market.basePrices[tier - 1]
        if n == 3 { return p }
        if n == 1 { return [p[1]] }
        return (0..<n).map { p[0] + (p[2] - p[0]) * Double($0) / Double(n - 1) }
    }

    /// The market's nominal instance on `topology`: every agent's prior at price factor k = 1
    /// (β = 0) and every token count as the topology gives it (noise 0); bids are a draw of costs
    /// and do not matter to an equilibrium. A trial's priors are these times its k (the uniform
    /// and bimodal priors both scale with k), which `SweepRunner`'s reference equilibria use.
    public static func reference(topology: Topology, parameters p: [String: Double], market: MarketSpec = .paper) -> InstanceSpec {
        var q = p
        q["beta"] = 0
        q["noise"] = 0
        return sample(topology: topology, parameters: q, seed: 0, market: market).spec
    }

    /// One trial's market on `topology`: truthful bids b_i = c_i = C_i·S_i·k with
    /// k = 1 + β·E(t), t ~ U(0,24), S_i ~ U(0.1,1); prior U[0.1·k·C_i, k·C_i] (or, with
    /// `bimodal`, a two-bump mixture on the same range from which c_i is drawn);
    /// every token count × U(1 − noise, 1 + noise). The market's ``MarketAssumptions``
    /// may fix t (`diurnal: fixed`) and set every edge's tokens (`edge_tokens`); every
    /// random draw is made in the same order whatever the assumptions (common random numbers).
    public static func sample(topology: Topology, parameters p: [String: Double], seed: UInt64,
                              market: MarketSpec = .paper) -> (spec: InstanceSpec, costs: [Double]) {
        var g = SplitMix64(seed: seed)
        let beta = p["beta"] ?? 1.5, rho = p["rho"] ?? 0.25, noise = p["noise"] ?? 0.1
        let perTier = max(1, Int((p["per_tier"] ?? 3).rounded())), bimodal = (p["bimodal"] ?? 0) != 0
        let a = market.assumed
        let drawnT = 24 * g.nextOpenUnit()
        let t = a.diurnalMode == .fixed ? a.hour : drawnT
        let k = 1 + beta * electricity(t)
        var agents: [AgentSpec] = [], costs: [Double] = []
        for tier in 1...3 {
            for (j, C) in prices(tier: tier, count: perTier, market: market).enumerated() {
                let lo = market.priorLowFraction * k * C, hi = k * C
                let scarcity = market.scarcity[0] + (market.scarcity[1] - market.scarcity[0]) * g.nextOpenUnit()
                let prior: PriorSpec
                var c: Double
                if bimodal {
                    let w = hi - lo
                    prior = .mixture([.init(weight: 0.6, prior: .uniform(low: lo, high: lo + 0.35 * w)),
                                      .init(weight: 0.4, prior: .uniform(low: lo + 0.65 * w, high: hi))])
                    let u = g.nextOpenUnit()
                    c = u < 0.6 ? lo + 0.35 * w * (u / 0.6) : lo + 0.65 * w + 0.35 * w * ((u - 0.6) / 0.4)
                } else {
                    prior = .uniform(low: lo, high: hi)
                    c = C * scarcity * k
                }
                c = min(hi, max(lo, c))
                agents.append(AgentSpec(id: "t\(tier)_\(j + 1)", tier: tier, rho: rho, bid: c, prior: prior))
                costs.append(c)
            }
        }
        let nodes = topology.nodes.map { n in
            NodeSpec(id: n.id, difficulty: n.difficulty,
                     inputTokens: n.inputTokens * (1 + noise * (2 * g.nextOpenUnit() - 1)),
                     outputTokens: n.outputTokens * (1 + noise * (2 * g.nextOpenUnit() - 1)))
        }
        return (InstanceSpec(agents: agents, nodes: nodes, edges: a.edges(topology.edges, nodes: nodes), cacheDiscount: p["kappa"] ?? 0), costs)
    }
}
