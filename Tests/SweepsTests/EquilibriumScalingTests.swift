import Foundation
import Testing
import TestSupport
@testable import Equilibrium
@testable import Experiments
@testable import Sweeps
import LabNumerics
import Mechanisms
import Workflows

/// The shortcut behind the sweep's reference equilibria (`ReferenceEquilibria`): a trial of the
/// paper's market without token noise is the nominal instance (`PaperMarket.reference`) with every
/// prior and price times the trial's factor k, and then pay-as-bid and Myopic allocate the same
/// and pay k times as much at the carried strategies — so a bid function is an equilibrium of one
/// exactly when its carried copy is one of the other. With token noise the carried reference is
/// only a start, which the trial's solve polishes and its own certificate scores.
@Suite("Equilibrium: one reference per topology, carried to each trial by its price factor")
struct EquilibriumScalingTests {
    static func topology(_ name: String) throws -> Topology {
        try SweepRunner.loadTopologies([name], directory: SweepTests.topologies, file: "test")[0]
    }

    /// Shaded strategies b(c) = c + (hi − c)/3 on 5 knots of each agent's support.
    static func shaded(_ inst: Instance) -> [BidFunction] {
        (0..<inst.agentCount).map { i in
            let s = inst.priors[i].support
            let costs = (0..<5).map { s.lowerBound + (s.upperBound - s.lowerBound) * (Double($0) + 0.5) / 5 }
            return BidFunction(costs: costs, bids: costs.map { $0 + (s.upperBound - $0) / 3 }, floor: s.lowerBound, ceiling: s.upperBound)
        }
    }

    @Test("without token noise a trial is the nominal instance times k: same allocations, payments × k (pay-as-bid, Myopic; S2, S4)",
          arguments: ["S2", "S4"])
    func scaledCopy(name: String) throws {
        let topo = try Self.topology(name)
        let ref = try Instance(spec: PaperMarket.reference(topology: topo, parameters: [:]))
        let strategies = Self.shaded(ref)
        var checked = 0
        for seed: UInt64 in [3, 11] {
            let trial = try Instance(spec: PaperMarket.sample(topology: topo, parameters: ["noise": 0], seed: seed).spec)
            let k = trial.priors[0].support.upperBound / ref.priors[0].support.upperBound
            #expect(k > 1 && k <= 2.5 + 1e-12, "k = 1 + 1.5·E(t) ∈ [1, 2.5], got \(k)")
            for i in 0..<ref.agentCount {
                let (a, b) = (ref.priors[i].support, trial.priors[i].support)
                #expect(abs(b.lowerBound - k * a.lowerBound) <= 1e-12 * b.upperBound && abs(b.upperBound - k * a.upperBound) <= 1e-12 * b.upperBound)
            }
            let carried = EquilibriumSolver.carry(strategies, to: trial)
            for i in 0..<ref.agentCount {
                for c in strategies[i].costs {
                    #expect(abs(carried[i].bid(k * c) - k * strategies[i].bid(c)) <= 1e-12 * carried[i].ceiling)
                }
            }
            var g = SplitMix64(seed: seed)
            for _ in 0..<15 {
                let costs = (0..<ref.agentCount).map { i in
                    ref.priors[i].support.lowerBound + (ref.priors[i].support.upperBound - ref.priors[i].support.lowerBound) * g.nextOpenUnit()
                }
                for mech in [PayAsBid(), Myopic()] as [any Mechanism] {
                    let a = try mech.run(EquilibriumSolver.profileInstance(ref, strategies: strategies, costs: costs), options: .init())
                    let b = try mech.run(EquilibriumSolver.profileInstance(trial, strategies: carried, costs: costs.map { k * $0 }), options: .init())
                    #expect(a.workloads == b.workloads, "\(mech.name): allocation changed under scaling")
                    for i in 0..<ref.agentCount {
                        #expect(abs(b.payments[i] - k * a.payments[i]) <= 1e-9 * max(1, abs(k * a.payments[i])), "\(mech.name) agent \(i)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == 60)
    }

    @Test("the solver starts from `start`: with a negligible step the strategies stay at the start's bids")
    func warmStart() throws {
        let topo = try Self.topology("S4")
        let trial = try Instance(spec: PaperMarket.sample(topology: topo, parameters: [:], seed: 4).spec)
        let start = EquilibriumSolver.carry(Self.shaded(try Instance(spec: PaperMarket.reference(topology: topo, parameters: [:]))), to: trial)
        var c = EquilibriumConfig(grid: 5, samples: 4, iterations: 1, seed: 2, threads: 1, certificateSamples: 10)
        c.start = start
        c.stepOffset = 5_000_000   // step α/10⁶
        let r = try EquilibriumSolver.solve(PayAsBid(), instance: trial, config: c)
        for i in 0..<trial.agentCount {
            for (cost, bid) in zip(r.strategies[i].costs, r.strategies[i].bids) {
                #expect(abs(bid - start[i].bid(cost)) <= 1e-5 * start[i].ceiling, "agent \(i) at \(cost): \(bid) vs \(start[i].bid(cost))")
            }
        }
        // A cold start (truthful) with the same step stays truthful: the start is what moved them.
        c.start = nil
        let cold = try EquilibriumSolver.solve(PayAsBid(), instance: trial, config: c)
        #expect(zip(cold.strategies[0].costs, cold.strategies[0].bids).allSatisfy { abs($0.0 - $0.1) <= 1e-5 * start[0].ceiling })
    }
}
