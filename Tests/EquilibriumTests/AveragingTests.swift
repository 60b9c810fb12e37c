import Foundation
import Testing
import TestSupport
import LabIO
import Mechanisms
import Priors
import Workflows
@testable import Equilibrium

/// The averaging window of the reported strategy (`EquilibriumConfig.averagingShare`) and its
/// interplay with adaptive knots, which re-place the knots after a quarter of the iterations.
@Suite("Equilibrium: the averaging window")
struct AveragingTests {
    /// One node, a strong and a weak pay-as-bid agent: the strong one can never win above the
    /// weak one's ceiling, so adaptive knots re-place at least one agent's knots.
    static func twoAgents() throws -> Instance {
        let agents = [AgentSpec(id: "strong", tier: 1, rho: 0, bid: 1.5, prior: .uniform(low: 1, high: 2)),
                      AgentSpec(id: "weak", tier: 1, rho: 0, bid: 1.5, prior: .uniform(low: 1.2, high: 1.8))]
        return try Instance(spec: InstanceSpec(agents: agents, nodes: [NodeSpec(id: "v", difficulty: 1, inputTokens: 0, outputTokens: 1)], edges: []))
    }

    static func config(share: Double, adaptive: Bool) -> EquilibriumConfig {
        var c = EquilibriumConfig(grid: 5, samples: 40, iterations: 8, seed: 3, threads: 2, stopTolerance: 0, certificateSamples: 20)
        c.adaptiveKnots = adaptive
        c.averagingShare = share
        return c
    }

    /// With T = 8 the knots are re-placed at iteration 2. A window of the whole run (share 1)
    /// starts at iteration 1, on the old knots; the restart at the re-placement must discard it,
    /// which leaves exactly the window of share 7/8 (iterations 2…8). Without the restart the two
    /// differ (iteration 1's bids would be summed into knots they were not computed for).
    @Test("a window that begins before adaptive knots re-place restarts there")
    func windowRestartsAtReplacement() throws {
        let inst = try Self.twoAgents()
        let whole = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: Self.config(share: 1, adaptive: true))
        let fromTwo = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: Self.config(share: 0.875, adaptive: true))
        let even = knotGrid(1, 2, 5)
        #expect(whole.strategies[0].costs != even, "the strong agent's knots were re-placed (else the test checks nothing)")
        #expect(whole.strategies == fromTwo.strategies)
        for s in whole.strategies {
            #expect(zip(s.bids, s.bids.dropFirst()).allSatisfy { $0 <= $1 }, "monotone")
            #expect(s.bids.allSatisfy { $0 >= s.floor && $0 <= s.ceiling }, "inside the support")
        }
        // Without re-placement, iteration 1 is part of the share-1 window: the results differ.
        let plainWhole = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: Self.config(share: 1, adaptive: false))
        let plainFromTwo = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: Self.config(share: 0.875, adaptive: false))
        #expect(plainWhole.strategies != plainFromTwo.strategies)
    }

    @Test("an averaging share outside (0, 1] is refused, naming the field")
    func refused() throws {
        for bad in [0, -0.5, 1.5, .nan] {
            var c = Self.config(share: 0.5, adaptive: false)
            c.averagingShare = bad
            #expect(throws: FieldError.self) { try c.validate() }
            do { try c.validate() } catch { #expect("\(error)".contains("averagingShare")) }
        }
    }
}
