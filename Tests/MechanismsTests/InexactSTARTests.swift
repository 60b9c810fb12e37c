import Foundation
import Testing
import TestSupport
import Allocation
import LabNumerics
import Mechanisms
import Payments
import Priors
import Workflows

/// STAR with inexact allocators (the exactness ablation): the own-rule threshold payment and the
/// mechanisms built on it.
@Suite("InexactSTAR: own-rule thresholds")
struct InexactSTARTests {
    /// Families with ironed stretches, zero-density gaps and edges, and a plain one.
    static let families = ["uniform", "ironing-mixture", "gap-mixture", "beta-zero-top"]

    @Test("with an exact solver, the own-rule threshold equals the exact parametric threshold (every winner, several prior families)", .tags(.slow))
    func agreesWithExactThreshold() throws {
        let ties = try TieInstances(families: Self.families)
        var g = SplitMix64(seed: 0x0E7E5)
        var compared = 0
        for k in 0..<6 {
            let inst = try ties.instance(RandomWorkflow.Shape.allCases[k % 4], nodes: 3 + k % 2, groups: 2, kappa: k % 2 == 0 ? 0 : 0.5, using: &g)
            let solver = try SolverKind.auto.make(for: inst.model)
            let p = inst.virtualBids
            let a = try solver.solve(prices: p)
            let x = inst.model.workloads(a.agents)
            for i in 0..<inst.agentCount where x[i] > 0 {
                let w = Winner(agent: i, bid: inst.bids[i], workload: x[i], top: inst.priors[i].support.upperBound,
                               competition: .optimisation(prices: p, map: .virtual(inst.priors[i]), model: inst.model, solver: solver, optimum: a.objective))
                let exact = try ThresholdRule().pay(w).amount, own = try OwnRuleThresholdRule().pay(w).amount
                #expect(abs(exact - own) <= 1e-9 * max(1, exact), "instance \(k), agent \(i): parametric \(exact), own-rule \(own)")
                compared += 1
            }
        }
        #expect(compared >= 6, "only \(compared) winners compared")
    }

    @Test("every inexact STAR: agentOutcome equals run, and a winner is paid at least its bid × workload", .tags(.slow))
    func agentOutcomeAndBidFloor() throws {
        let ties = try TieInstances(families: ["uniform", "ironing-mixture", "beta-zero-top"])
        var g = SplitMix64(seed: 0x1AE5)
        for k in 0..<2 {
            let inst = try ties.instance(RandomWorkflow.Shape.allCases[(k + 1) % 4], nodes: 3, groups: 2, kappa: 0.3, using: &g)
            for mech in MechanismRegistry.inexact {
                let full = try mech.run(inst, options: MechanismOptions())
                #expect(inst.model.isFeasible(full.assignment), "\(mech.name) infeasible on instance \(k)")
                for i in 0..<inst.agentCount {
                    let one = try mech.agentOutcome(inst, agent: i, options: MechanismOptions())
                    #expect(one.payment == full.payments[i] && one.workload == full.workloads[i], "\(mech.name), instance \(k), agent \(i)")
                    #expect(full.payments[i] >= inst.bids[i] * full.workloads[i] * (1 - 1e-12), "\(mech.name) pays agent \(i) below its bid")
                }
            }
        }
    }
}

/// A reproducer saved by the exactness ablation (`Results/exactness/reproducers/`, copied to
/// `Tests/Fixtures/exactness/`): greedy-by-cost allocation with its own thresholds is
/// manipulable there; exact STAR on the same bids is not.
@Suite("InexactSTAR: a saved reproducer replays")
struct ExactnessReproducerTests {
    /// Agent `id`'s utility P − c·x under `mech` in the fixture `file`, with true cost `c`.
    static func utility(_ mech: any Mechanism, _ file: String, _ id: String, cost c: Double) throws -> (u: Double, payment: Double) {
        let data = try Data(contentsOf: Repository.path("Tests/Fixtures/exactness/\(file)"))
        let inst = try Instance(spec: InstanceSpec.decode(data, file: file))
        let i = try #require(inst.agentIDs.firstIndex(of: id))
        let o = try mech.agentOutcome(inst, agent: i, options: MechanismOptions())
        return (o.payment - c * o.workload, o.payment)
    }

    @Test("star-greedy-cost: agent t2_1 gains by underbidding (more than 1e-9 of its payment); exact STAR: it does not")
    func replay() throws {
        let base = "star-greedy-cost-truncated-normal-S2"
        let truthfulData = try Data(contentsOf: Repository.path("Tests/Fixtures/exactness/\(base).truthful.json"))
        let cost = try #require(InstanceSpec.decode(truthfulData).agents.first { $0.id == "t2_1" }).bid
        let greedy = try #require(MechanismRegistry.named("star-greedy-cost"))
        let t = try Self.utility(greedy, "\(base).truthful.json", "t2_1", cost: cost)
        let m = try Self.utility(greedy, "\(base).misreport.json", "t2_1", cost: cost)
        #expect(m.u - t.u > 1e-9 * max(1, t.payment), "greedy-cost: truthful utility \(t.u), misreport \(m.u)")
        let st = try Self.utility(STAR(), "\(base).truthful.json", "t2_1", cost: cost)
        let sm = try Self.utility(STAR(), "\(base).misreport.json", "t2_1", cost: cost)
        #expect(sm.u <= st.u + 1e-9 * max(1, st.payment), "exact STAR: truthful utility \(st.u), misreport \(sm.u)")
    }
}
