import Foundation
import Testing
import TestSupport
import Mechanisms
import Priors
import Workflows
@testable import Equilibrium

/// Gauss–Seidel against Jacobi best response (`EquilibriumConfig.gaussSeidel`). The asymmetric
/// first-price closed form in `EquilibriumTests` runs with the default (Gauss–Seidel) order.
@Suite("Equilibrium: the update order")
struct UpdateOrderTests {
    /// A symmetric game has one representative, so the two orders are the same computation.
    @Test("symmetric game: Gauss–Seidel and Jacobi give bit-identical strategies")
    func symmetricCoincide() throws {
        let inst = try singleNode(3, prior: .uniform(low: 1, high: 2), bid: 1.5)
        var config = EquilibriumConfig(grid: 5, samples: 40, iterations: 6, seed: 4, threads: 2, stopTolerance: 0, certificateSamples: 20)
        config.gaussSeidel = true
        let gs = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config)
        config.gaussSeidel = false
        let jacobi = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config)
        #expect(gs.strategies == jacobi.strategies)
        #expect(gs.solverRuns == jacobi.solverRuns)
    }

    /// Two agents with different priors: the second responds to the first's new strategy, so the
    /// orders differ; the result must still not depend on the thread count.
    @Test("asymmetric game: the orders differ, and Gauss–Seidel does not depend on the thread count")
    func asymmetricDiffersAndIsDeterministic() throws {
        let agents = [AgentSpec(id: "strong", tier: 1, rho: 0, bid: 1.5, prior: .uniform(low: 1, high: 2)),
                      AgentSpec(id: "weak", tier: 1, rho: 0, bid: 2, prior: .uniform(low: 1.5, high: 3))]
        let inst = try Instance(spec: InstanceSpec(agents: agents, nodes: [NodeSpec(id: "v", difficulty: 1, inputTokens: 0, outputTokens: 1)], edges: []))
        var config = EquilibriumConfig(grid: 5, samples: 40, iterations: 6, seed: 4, threads: 1, stopTolerance: 0, certificateSamples: 20)
        let one = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config)
        config.threads = 2
        let two = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config)
        #expect(one.strategies == two.strategies)
        config.gaussSeidel = false
        let jacobi = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config)
        #expect(jacobi.strategies != one.strategies)
    }
}
