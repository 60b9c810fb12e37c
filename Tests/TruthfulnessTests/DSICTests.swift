import Foundation
import Testing
import TestSupport
import LabNumerics
import Mechanisms
import Workflows
@testable import Truthfulness

@Suite("DSIC harness pins truthful and manipulable mechanisms")
struct DSICTests {
    static func instances(_ n: Int, seed: UInt64, bimodal: Bool) throws -> [Instance] {
        var g = SplitMix64(seed: seed)
        return try (0..<n).map { k in
            try Instance(spec: RandomWorkflow.instance(RandomWorkflow.Shape.allCases[k % 4], nodes: Int.random(in: 2...5, using: &g),
                                                       perTier: 1, kappa: k % 2 == 0 ? 0 : 0.3, bimodal: bimodal, using: &g))
        }
    }

    @Test("star and vcg: zero regret (≤ 1e-9 × payment scale) and no IR violation, incl. bimodal priors", .tags(.slow), .fullLaneOnly, arguments: [false, true])
    func truthfulMechanisms(bimodal: Bool) throws {
        for (n, inst) in try Self.instances(25, seed: bimodal ? 31 : 30, bimodal: bimodal).enumerated() {
            for mech in [STAR(), VCG()] as [any Mechanism] {
                let r = try DSICHarness.check(mech, instance: inst, config: .init(profiles: 2, grid: 8, seed: UInt64(n)))
                #expect(r.maxRegret <= r.tolerance, "\(mech.name) instance #\(n): regret \(r.maxRegret), worst \(String(describing: r.worst))")
                #expect(r.irViolations == 0, "\(mech.name) instance #\(n)")
            }
        }
    }

    @Test("pay-as-bid is caught: positive regret on almost every profile")
    func payAsBidCaught() throws {
        var share: [Double] = []
        for (n, inst) in try Self.instances(15, seed: 32, bimodal: false).enumerated() {
            let r = try DSICHarness.check(PayAsBid(), instance: inst, config: .init(profiles: 2, grid: 10, seed: UInt64(n)))
            #expect(r.maxRegret > r.tolerance, "instance #\(n)")
            #expect(r.worst != nil)
            share.append(r.profitableShare)
        }
        // Every winner can shade its bid upward and gain; losers cannot. Winners are most agents here.
        #expect(share.reduce(0, +) / Double(share.count) > 0.3)
    }

    @Test("revenue equivalence for star: E[payment] = E[Σ φ̄ x] within the 95% interval")
    func revenueEquivalence() throws {
        var g = SplitMix64(seed: 33)
        let inst = try Instance(spec: RandomWorkflow.instance(.tree, nodes: 4, perTier: 1, using: &g))
        let r = try DSICHarness.check(STAR(), instance: inst, config: .init(profiles: 400, grid: 1, seed: 5))
        let re = try #require(r.revenueEquivalence)
        #expect(re.holds, "E[P] = \(re.expectedPayment), E[φx] = \(re.expectedVirtualCost), CI [\(re.ciLow), \(re.ciHigh)]")
    }
}

@Suite("DSIC harness on the paper's S4 instance")
struct DSICPaperInstanceTests {
    static func s4() throws -> Instance {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Experiments/instances/s4.json"))
        return try Instance(spec: InstanceSpec.decode(data, file: "s4.json"))
    }

    @Test("the paper's myopic rule is manipulable on S4 (a cheap agent underbids to win a neighbour's node); homogeneous is not")
    func myopicOnS4() throws {
        let inst = try Self.s4()
        let myopic = try DSICHarness.check(Myopic(), instance: inst, config: .init(profiles: 10, grid: 20, seed: 1))
        #expect(myopic.maxRegret > myopic.tolerance)
        let worst = try #require(myopic.worst)
        #expect(worst.gain > 0 && worst.bid != worst.trueCost)
        let homog = try DSICHarness.check(Homogeneous(), instance: inst, config: .init(profiles: 10, grid: 20, seed: 1))
        #expect(homog.maxRegret <= homog.tolerance)
    }
}

@Suite("Utility-vs-bid curves")
struct UtilityCurveTests {
    @Test("star: every agent's utility curve on S4 peaks at its true cost; pay-as-bid's does not for some winner")
    func starPeaksAtTruth() throws {
        let base = try DSICPaperInstanceTests.s4()
        var payAsBidGains = false
        for p in 0..<2 {
            let (truthful, costs) = DSICHarness.profile(base, seed: 1, index: p)
            for i in 0..<truthful.agentCount {
                let points = try DSICHarness.utilityCurve(STAR(), instance: truthful, agent: i, trueCost: costs[i], grid: 20)
                let truth = try #require(points.first { $0.bid == costs[i] })
                let best = try #require(points.max { $0.utility < $1.utility })
                let tol = 1e-9 * max(1, points.map(\.payment).max() ?? 0)
                #expect(best.utility <= truth.utility + tol, "profile \(p) agent \(truthful.agentIDs[i]): best bid \(best.bid) gains \(best.utility - truth.utility)")
                #expect(points.count >= 21 && zip(points, points.dropFirst()).allSatisfy { $0.bid < $1.bid })
                let pab = try DSICHarness.utilityCurve(PayAsBid(), instance: truthful, agent: i, trueCost: costs[i], grid: 20)
                let pabTruth = try #require(pab.first { $0.bid == costs[i] })
                if (pab.map(\.utility).max() ?? 0) > pabTruth.utility + tol { payAsBidGains = true }
            }
        }
        #expect(payAsBidGains)
    }
}
