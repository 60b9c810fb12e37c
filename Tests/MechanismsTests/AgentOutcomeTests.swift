import Testing
import TestSupport
import LabNumerics
import Mechanisms
import Payments
import Priors
import Workflows

/// `Mechanism.agentOutcome` (one agent's payment, what DSIC probes use) must agree exactly with
/// the full `run`, for every mechanism, on random workflows whose agents have every prior family
/// (ironed stretches, zero-density edges, identical agents that tie) and at misreports.
@Suite("One agent's outcome equals the full run's, for every mechanism")
struct AgentOutcomeTests {
    @Test("agentOutcome(i) == run().payments[i], .workloads[i] bit for bit, truthful and misreported bids", .tags(.slow), .fullLaneOnly)
    func agrees() throws {
        let ties = try TieInstances()
        var g = SplitMix64(seed: 0xA6E17)
        var checked = 0, paid = 0
        for k in 0..<12 {
            let shape = RandomWorkflow.Shape.allCases[k % RandomWorkflow.Shape.allCases.count]
            let inst = try ties.instance(shape, nodes: 4 + k % 4, groups: 2, kappa: k % 2 == 0 ? 0 : 0.5, using: &g)
            for mech in MechanismRegistry.all {
                for i in 0..<inst.agentCount {
                    let s = inst.priors[i].support
                    for z in [inst.bids[i], s.lowerBound + (s.upperBound - s.lowerBound) * Double.random(in: 0.05...0.95, using: &g)] {
                        let probe = inst.withBid(i, z)
                        let full = try mech.run(probe, options: MechanismOptions())
                        let one = try mech.agentOutcome(probe, agent: i, options: MechanismOptions())
                        #expect(one.payment == full.payments[i] && one.workload == full.workloads[i],
                                "\(mech.name), instance \(k), agent \(i), bid \(z): \(one) vs (\(full.payments[i]), \(full.workloads[i]))")
                        checked += 1
                        if one.payment > 0 { paid += 1 }
                    }
                }
            }
        }
        #expect(checked > 300 && paid > 50, "checked \(checked), with a payment \(paid)")
    }
}
