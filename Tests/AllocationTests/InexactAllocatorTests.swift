import Foundation
import Testing
import TestSupport
import LabNumerics
import Workflows
@testable import Allocation

/// The exactness ablation's allocators against brute force (an independent enumeration of every
/// capable allocation): never below the optimum, always capable, their objective Σ p·x recomputed.
@Suite("Allocation: inexact allocators are feasible and never beat the optimum")
struct InexactAllocatorTests {
    /// 2–6 nodes of every shape, 1–2 agents per tier, κ 0 or 0.3 alternately, ties every third.
    static func small(_ n: Int, _ g: inout SplitMix64) throws -> Instance { try SolverAgreementTests.small(n, &g) }

    @Test("gap ≥ 0 against brute force, capable agents only, objective = Σ p·x; the greedy rules miss the optimum somewhere")
    func gapAndFeasibility() throws {
        var g = SplitMix64(seed: 0xE8AC7)
        var missed: [InexactKind: Int] = [:]
        for n in 0..<60 {
            let inst = try Self.small(n, &g)
            // The prior-derived prices, then prices spread over eight orders of magnitude (as φ̄ near a
            // zero density at the top): the GLPK-based kinds rescale and must stay capable there.
            var prices = inst.virtualBids
            if n % 4 == 3 { prices = prices.indices.map { i in pow(10, Double(i % 9) - 4) * Double.random(in: 1...2, using: &g) } }
            let optimum = try BruteForce(model: inst.model).solve(prices: prices).objective
            for kind in InexactKind.allCases {
                let a = try kind.make(for: inst.model).solve(prices: prices)
                #expect(inst.model.isFeasible(a.agents), "\(kind.rawValue) put a node on an incapable agent on #\(n): \(a.agents)")
                let recomputed = zip(inst.model.workloads(a.agents), prices).reduce(0) { $0 + $1.0 * $1.1 }
                #expect(a.objective == recomputed, "\(kind.rawValue) reports \(a.objective), Σ p·x is \(recomputed) on #\(n)")
                #expect(a.objective >= optimum - 1e-9 * max(1, abs(optimum)), "\(kind.rawValue) beats brute force on #\(n): \(a.objective) < \(optimum)")
                if a.objective > optimum * (1 + 1e-9) { missed[kind, default: 0] += 1 }
            }
        }
        // An "inexact" allocator that is always exact here would make the ablation vacuous.
        for kind in [InexactKind.greedyTopological, .greedyCost] {
            #expect((missed[kind] ?? 0) > 0, "\(kind.rawValue) found the optimum on all 60 instances")
        }
    }

    @Test("local search ends no worse than its greedy start, at a point no single move improves (k = 1) nor a two-node move along an edge (k = 2)")
    func localOptimum() throws {
        var g = SplitMix64(seed: 0x10CA1)
        for n in 0..<40 {
            let inst = try Self.small(n, &g)
            let m = inst.model, prices = inst.virtualBids
            let start = try GreedyTopological(model: m).solve(prices: prices).objective
            for k in [1, 2] {
                let a = try LocalSearch(model: m, k: k).solve(prices: prices)
                #expect(a.objective <= start + 1e-12 * max(1, abs(start)), "local-\(k) worse than its start on #\(n)")
                var moves: [[(Int, Int)]] = []
                for v in 0..<m.nodeCount { for j in 0..<m.agentCount where m.capable[v][j] { moves.append([(v, j)]) } }
                if k == 2 {
                    for e in m.edges { for j in 0..<m.agentCount where m.capable[e.from][j] && m.capable[e.to][j] { moves.append([(e.from, j), (e.to, j)]) } }
                }
                for move in moves {
                    var b = a.agents
                    for (v, j) in move { b[v] = j }
                    let value = m.objective(b, prices: prices)
                    #expect(value >= a.objective - 1e-9 * max(1, abs(a.objective)), "local-\(k) stopped at a point move \(move) improves on #\(n)")
                }
            }
        }
    }

    @Test("a node without a capable agent is refused by every kind")
    func infeasible() throws {
        // Built as a cost model directly: `Instance` already refuses such a file.
        let wf = try Workflow(nodes: [NodeSpec(id: "easy", difficulty: 1, inputTokens: 10, outputTokens: 10),
                                      NodeSpec(id: "hard", difficulty: 3, inputTokens: 10, outputTokens: 10)],
                              edges: [EdgeSpec(from: "easy", to: "hard")])
        let model = CostModel(workflow: wf, tiers: [1, 2], rho: [0.5, 0.5], cacheDiscount: 0)
        for kind in InexactKind.allCases {
            #expect(throws: AllocationError.self, "\(kind.rawValue)") { try kind.make(for: model).solve(prices: [1, 1]) }
        }
    }
}
