import Foundation
import Yams
import LabNumerics
import Priors
import Workflows

/// A market file of `Experiments/markets/` (YAML): base prices per tier, the scarcity
/// range, the prior's lower end as a fraction of its top, and parameter defaults.
public struct MarketSpec: Codable, Sendable, Hashable {
    public var name: String
    public var basePrices: [[Double]]
    public var scarcity: [Double]
    public var priorLowFraction: Double
    public var defaults: [String: Double]
    /// The paper's unstated modelling choices (`assumptions:` in the file); absent → today's
    /// reading of SPEC §5 (see ``MarketAssumptions``).
    public var assumptions: MarketAssumptions? = nil

    enum CodingKeys: String, CodingKey {
        case name, basePrices = "base_prices", scarcity, priorLowFraction = "prior_low_fraction", defaults, assumptions
    }

    /// The assumptions in force (defaults filled in).
    public var assumed: MarketAssumptions { assumptions ?? MarketAssumptions() }

    /// SPEC §5, identical to `Experiments/markets/paper.yaml`.
    public static let paper = MarketSpec(name: "paper", basePrices: PaperMarket.basePrices, scarcity: [0.1, 1.0], priorLowFraction: 0.1,
                                         defaults: Dictionary(uniqueKeysWithValues: ExperimentSpec.defaults))

    public static func load(_ path: String, field: String, specFile: String) throws -> MarketSpec {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ExperimentError.malformed(file: specFile, field: field, reason: "names a market file that cannot be read: \(path)")
        }
        let m: MarketSpec
        do { m = try YAMLDecoder().decode(MarketSpec.self, from: text) } catch {
            throw ExperimentError.malformed(file: path, field: "(document)", reason: "is not a valid market: \(error)")
        }
        guard m.basePrices.count == 3, m.basePrices.allSatisfy({ $0.count == 3 && $0.allSatisfy { $0 > 0 } }) else {
            throw ExperimentError.malformed(file: path, field: "base_prices", reason: "must be three tiers of three positive prices")
        }
        guard m.scarcity.count == 2, m.scarcity[0] > 0, m.scarcity[0] <= m.scarcity[1] else {
            throw ExperimentError.malformed(file: path, field: "scarcity", reason: "must be [low, high] with 0 < low ≤ high")
        }
        guard (0..<1).contains(m.priorLowFraction) else {
            throw ExperimentError.malformed(file: path, field: "prior_low_fraction", reason: "must be in [0, 1)")
        }
        try MarketAssumptions.checkKeys(yaml: text, file: path)
        if let why = m.assumed.problem() {
            throw ExperimentError.malformed(file: path, field: "assumptions.\(why.field)", reason: why.reason)
        }
        for key in m.defaults.keys.sorted() {
            guard ExperimentSpec.parameterNames.contains(key) else {
                throw ExperimentError.malformed(file: path, field: "defaults.\(key)", reason: "is not a parameter")
            }
            if let why = ExperimentSpec.parameterProblem(key, m.defaults[key]!) {
                throw ExperimentError.malformed(file: path, field: "defaults.\(key)", reason: why)
            }
        }
        return m
    }
}

/// The STAR paper's market (SPEC §5, STAR App. D), sampled per trial.
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

/// A topology file of `Experiments/topologies/` (nodes and edges of the instance format).
public struct Topology: Codable, Sendable, Hashable {
    public var name: String
    public var source: String?
    public var nodes: [NodeSpec]
    public var edges: [EdgeSpec]

    public init(name: String, source: String? = nil, nodes: [NodeSpec], edges: [EdgeSpec]) {
        self.name = name; self.source = source; self.nodes = nodes; self.edges = edges
    }

    public static func load(name: String, directory: String) throws -> Topology {
        let path = (directory as NSString).appendingPathComponent("\(name).json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExperimentError.io("unknown topology \"\(name)\": no file \(path)")
        }
        do { return try JSONDecoder().decode(Topology.self, from: data) } catch {
            throw ExperimentError.malformed(file: path, field: "(document)", reason: "is not a valid topology: \(error)")
        }
    }
}
