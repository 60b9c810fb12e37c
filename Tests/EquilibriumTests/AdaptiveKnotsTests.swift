import Foundation
import Testing
import TestSupport
import LabNumerics
import Mechanisms
import Priors
import Workflows
@testable import Equilibrium

/// The knots re-placed on the informed part of a support, and the certificate's stratified
/// profiles: the two changes behind the equilibrium table's lower ε.
@Suite("Equilibrium: adaptive knots and the stratified certificate")
struct AdaptiveKnotsTests {
    @Test("informedGrid: K − 1 knots on [lo, reach], one at the top; nil when reach leaves nothing to move")
    func informedGridPlacement() throws {
        let reach: Double = 0.4
        let grid = try #require(EquilibriumSolver.informedGrid(reach: reach, ends: (0, 1), grid: 9, lowerEnd: true))
        // Written out: the lower end, then the midpoints of 7 equal cells of [0, 0.4], then the top 1.
        var expected: [Double] = [0]
        for j in 0..<7 { expected.append(reach * (Double(j) + 0.5) / 7) }
        expected.append(1)
        #expect(grid.count == 9)
        for (g, e) in zip(grid, expected) { let d: Double = Swift.abs(g - e); #expect(d <= 1e-15) }
        // Without the lower end: 8 midpoints of [0, reach], then the top.
        let mids = try #require(EquilibriumSolver.informedGrid(reach: reach, ends: (0, 1), grid: 9, lowerEnd: false))
        let d0: Double = Swift.abs(mids[0] - reach / 16)
        #expect(mids.count == 9)
        #expect(d0 <= 1e-15)
        #expect(mids[8] == 1)
        // Reach within half an even cell of the top (1/18 here), or not above the bottom: nothing to move.
        #expect(EquilibriumSolver.informedGrid(reach: 0.95, ends: (0, 1), grid: 9, lowerEnd: true) == nil)
        #expect(EquilibriumSolver.informedGrid(reach: 0.94, ends: (0, 1), grid: 9, lowerEnd: true) != nil)
        #expect(EquilibriumSolver.informedGrid(reach: 0, ends: (0, 1), grid: 9, lowerEnd: true) == nil)
        #expect(EquilibriumSolver.informedGrid(reach: 0.4, ends: (0, 1), grid: 2, lowerEnd: true) == nil)
    }

    @Test("knots move only for an agent never paid more than its bid: pay-as-bid yes, Myopic's second price no")
    func paysAtMostBidGate() throws {
        // Three agents on one node; agent 0 bids low enough to win against the others' bids.
        let inst = try oneNodeThreeBids()
        let firstPrice = try OwnBidProfile(PayAsBid(), instance: inst, agent: 0, range: 1...2, options: .init())
        #expect(firstPrice.paysAtMostBid)
        // Agent 0's workload changes where it stops undercutting the lowest rival bid, 1.6.
        let reach = try #require(firstPrice.highestResponsiveBid)
        #expect(Swift.abs(reach - 1.6) <= 1e-9)
        // Myopic pays the winner the runner-up's bid (1.6 > 1.2): paid more than its bid.
        let secondPrice = try OwnBidProfile(Myopic(), instance: inst, agent: 0, range: 1...2, options: .init())
        #expect(!secondPrice.paysAtMostBid)
    }

    @Test("certificate profiles: each fold is its own stratified design (one cost per quantile cell, per agent), deterministic in the seed")
    func stratifiedFolds() throws {
        let agents = [AgentSpec(id: "u", tier: 1, rho: 0, bid: 1.5, prior: .uniform(low: 1, high: 2)),
                      AgentSpec(id: "n", tier: 1, rho: 0, bid: 1.5, prior: .normal(mean: 1.5, sd: 0.3, low: 1, high: 2)),
                      AgentSpec(id: "b", tier: 1, rho: 0, bid: 1.5, prior: .beta(alpha: 2, beta: 5, low: 1, high: 2))]
        let inst = try Instance(spec: InstanceSpec(agents: agents, nodes: [NodeSpec(id: "v", difficulty: 1, inputTokens: 0, outputTokens: 1)], edges: []))
        let n = 41
        let p = EquilibriumSolver.certificateProfiles(inst, count: n, seed: 9)
        #expect(p.count == n)
        #expect(p == EquilibriumSolver.certificateProfiles(inst, count: n, seed: 9))
        #expect(p != EquilibriumSolver.certificateProfiles(inst, count: n, seed: 10))
        for fold in [stride(from: 0, to: n, by: 2).map { p[$0] }, stride(from: 1, to: n, by: 2).map { p[$0] }] {
            let size = fold.count
            for j in 0..<inst.agentCount {
                // The prior's CDF at each cost, binned into `size` equal cells: one cost per cell.
                let cells = fold.map { Int((inst.priors[j].prior.cdf($0[j]) * Double(size)).rounded(.down)) }
                #expect(Set(cells) == Set(0..<size), "agent \(j): cells \(cells.sorted())")
            }
        }
        // The two folds are different designs (independent streams), not one design split.
        #expect(p[0] != p[1])
    }

    @Test("adaptive knots: a weak bidder that cannot win above the strong one's top gets all knots but the top one below it",
          .tags(.slow), .fullLaneOnly)
    func weakBidderKnots() throws {
        // Strong U[1, 2], weak U[1.5, 4]: the strong bidder never bids above 2, so weak types above 2 never win.
        let agents = [AgentSpec(id: "strong", tier: 1, rho: 0, bid: 1.5, prior: .uniform(low: 1, high: 2)),
                      AgentSpec(id: "weak", tier: 1, rho: 0, bid: 2, prior: .uniform(low: 1.5, high: 4))]
        let inst = try Instance(spec: InstanceSpec(agents: agents, nodes: [NodeSpec(id: "v", difficulty: 1, inputTokens: 0, outputTokens: 1)], edges: []))
        var config = EquilibriumConfig(grid: 9, samples: 100, iterations: 8, seed: 3, threads: 2, certificateSamples: 10, lowerEndKnot: true)
        let even = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config)
        config.adaptiveKnots = true
        let adaptive = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config)
        let weak = adaptive.strategies[1].costs
        print("weak knots even \(even.strategies[1].costs.map { ($0 * 1000).rounded() / 1000 }), adaptive \(weak.map { ($0 * 1000).rounded() / 1000 })")
        // The weak bidder's highest winning bid is the strong one's top, 2: every knot but the top one lies below it.
        #expect(even.strategies[1].costs.filter { $0 < 2 }.count == 3)
        #expect(weak.filter { $0 < 2 }.count == 8)
        #expect(weak.last == 4)
        // The strong bidder's knots stay where they were: all its types can win.
        #expect(adaptive.strategies[0].costs == even.strategies[0].costs)
        // (Whether the certificate then scores better is a property of the game, not of this
        // toy at test-sized settings: at N = 200, 20 iterations and 400 certificate profiles it
        // did (largest relative ε 2.7 % vs 3.1 %), at N = 100, 12 iterations and 200 it did not
        // (13.6 % vs 12.1 %). The measured gain on S1 and S4 is in `bench equilibrium`.)
    }
}
