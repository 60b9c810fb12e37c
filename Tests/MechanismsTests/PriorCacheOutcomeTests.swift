import Foundation
import Testing
import TestSupport
import LabNumerics
import Priors
import Workflows
import Mechanisms

/// Solving through a `PriorCache` (as a batch `solve`, a bid stream or a sweep does) must not
/// change a single byte of any outcome.
@Suite("Mechanisms: outcomes through the prior cache")
struct PriorCacheOutcomeTests {
    /// STAR on a 2-node chain whose 2 agents both have `prior` (bids at random quantiles): the
    /// outcome line of the instance built without the cache, on a miss and on a hit.
    static func check(_ prior: PriorSpec, _ label: String, cache: PriorCache, using g: inout SplitMix64) throws {
        let nodes = (1...2).map { NodeSpec(id: "v\($0)", difficulty: 1, inputTokens: Double(1000 * $0), outputTokens: Double(4000 + 500 * $0)) }
        let edges = [EdgeSpec(from: "v1", to: "v2", tokens: 1500)]
        let built = try prior.make()
        var agents: [AgentSpec] = []
        for i in 0..<2 {
            // Inside the support, at positive density.
            agents.append(AgentSpec(id: "a\(i)", tier: 1, rho: 0.25, bid: built.quantile(0.1 + 0.8 * g.nextOpenUnit()), prior: prior))
        }
        let spec = InstanceSpec(agents: agents, nodes: nodes, edges: edges, cacheDiscount: 0.3)
        let before = cache.statistics
        let plain = try Instance(spec: spec)
        let miss = try Instance(spec: spec, priorCache: cache)
        let hit = try Instance(spec: spec, priorCache: cache)
        // Built once for the first agent; the second agent and the second instance hit.
        #expect(cache.statistics == (hits: before.hits + 3, misses: before.misses + 1), "\(label)")
        let expected = try STAR().run(plain, options: .init()).jsonLine(for: plain)
        #expect(try STAR().run(miss, options: .init()).jsonLine(for: miss) == expected, "\(label) (miss)")
        #expect(try STAR().run(hit, options: .init()).jsonLine(for: hit) == expected, "\(label) (hit)")
    }

    @Test("one prior of every kind: the outcome line without the cache, on a miss and on a hit is the same bytes")
    func everyKind() throws {
        let cache = PriorCache()
        var g = SplitMix64(seed: 27)
        let specs: [PriorSpec] = [
            .uniform(low: 0.5, high: 5), .normal(mean: 2, sd: 1, low: 0.5, high: 5), .lognormal(mu: 0.5, sigma: 0.6, low: 0.5, high: 5),
            .beta(alpha: 2, beta: 3, low: 0.5, high: 5), .exponential(rate: 1.5, low: 0.5, high: 5),
            .mixture([.init(weight: 0.25, prior: .uniform(low: 0.5, high: 3.3)), .init(weight: 0.75, prior: .uniform(low: 3.3, high: 5))]),
            .empirical(samples: [0.5, 0.9, 1.3, 1.3, 2, 3.5, 5]),
        ]
        for spec in specs { try Self.check(spec, "\(spec)", cache: cache, using: &g) }
        #expect(cache.count == specs.count)
    }

    @Test("every PriorZoo family (ties on ironed stretches, gaps, far tails): the same bytes through the cache", .tags(.slow), .fullLaneOnly)
    func everyZooFamily() throws {
        let cache = PriorCache()
        var g = SplitMix64(seed: 28)
        for family in PriorZoo.names { try Self.check(try PriorZoo.spec(family, low: 0.5, high: 5), family, cache: cache, using: &g) }
        #expect(cache.count == PriorZoo.names.count)
    }
}
