import Testing
import LabNumerics
import Mechanisms
import Payments
import Workflows

/// The decomposition study's cells (issue 29) against the mechanisms they recombine, and two
/// identities that hold for a different reason than the code path computing them.
@Suite("Combination cells of the decomposition factorial")
struct CombinationTests {
    static func instances(_ n: Int, seed: UInt64) throws -> [Instance] {
        var g = SplitMix64(seed: seed)
        return try (0..<n).map { k in
            try Instance(spec: RandomWorkflow.instance(RandomWorkflow.Shape.allCases[k % RandomWorkflow.Shape.allCases.count],
                                                       nodes: 3 + k % 5, perTier: 2, kappa: k % 3 == 0 ? 0.4 : 0, using: &g))
        }
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }

    @Test("24 distinct registered cells; the corners are named as the study names them")
    func factorial() {
        let names = Combination.factorial.map(\.name)
        #expect(Set(names).count == 24)
        for n in names { #expect(MechanismRegistry.named(n) != nil, "\(n) not registered") }
        #expect(names.contains("combo-star-myerson-cached") && names.contains("combo-myopic-second-full"))
    }

    @Test("STAR's, VCG's and Myopic's cells reproduce star, vcg and myopic (allocation and every payment) on random instances")
    func corners() throws {
        let pairs: [(any Mechanism, any Mechanism)] = [(Combination(.star, .myerson, .cached), STAR()),
                                                       (Combination(.vcg, .myerson, .cached), VCG()),
                                                       (Combination(.myopic, .second, .full), Myopic())]
        var paid = 0
        for (k, inst) in try Self.instances(20, seed: 2901).enumerated() {
            for (cell, original) in pairs {
                let a = try cell.run(inst, options: .init()), b = try original.run(inst, options: .init())
                #expect(a.assignment == b.assignment, "\(cell.name) instance \(k)")
                for i in 0..<inst.agentCount {
                    #expect(Self.close(a.payments[i], b.payments[i]), "\(cell.name) instance \(k) agent \(i): \(a.payments[i]) vs \(b.payments[i])")
                    if b.payments[i] > 0 { paid += 1 }
                }
            }
        }
        #expect(paid > 60)
    }

    @Test("per-node allocation: the threshold found by parametric search equals the capped second price per node")
    func separableThreshold() throws {
        // With edges ignored, agent i keeps node v while b·ω_vi < min_j b_j·ω_vj, so its threshold
        // for v is min(runner-up's cost / ω_vi, hi_i) per unit: the capped second price.
        var compared = 0
        for (k, inst) in try Self.instances(20, seed: 2902).enumerated() {
            let t = try Combination(.myopic, .myerson, .full).run(inst, options: .init())
            let c = try Combination(.myopic, .capped, .full).run(inst, options: .init())
            #expect(t.assignment == c.assignment)
            for i in 0..<inst.agentCount where t.payments[i] > 0 || c.payments[i] > 0 {
                #expect(Self.close(t.payments[i], c.payments[i]), "instance \(k) agent \(i): threshold \(t.payments[i]) vs capped \(c.payments[i])")
                compared += 1
            }
        }
        #expect(compared > 30)
    }

    @Test("billing: STAR's accounting never pays more than billing every input token; caps never raise a payment; with κ = 0 and a shared parent the saving is positive somewhere")
    func billingAndCap() throws {
        var strictly = 0
        for inst in try Self.instances(20, seed: 2903) {
            for a in Combination.AllocationLevel.allCases {
                for p in [Combination.PaymentLevel.second, .capped] {
                    let cached = try Combination(a, p, .cached).run(inst, options: .init())
                    let full = try Combination(a, p, .full).run(inst, options: .init())
                    for i in 0..<inst.agentCount {
                        #expect(cached.payments[i] <= full.payments[i] * (1 + 1e-12) + 1e-12)
                        if cached.payments[i] < full.payments[i] * (1 - 1e-9) { strictly += 1 }
                    }
                }
                let un = try Combination(a, .second, .full).run(inst, options: .init())
                let cap = try Combination(a, .capped, .full).run(inst, options: .init())
                for i in 0..<inst.agentCount { #expect(cap.payments[i] <= un.payments[i] * (1 + 1e-12) + 1e-12) }
                // Capped payments never exceed hi_i per billed unit: hi_i × ω-workload.
                let omega = CostModel(workflow: inst.workflow, tiers: inst.tiers, rho: inst.rho, cacheDiscount: 1).workloads(cap.assignment)
                for i in 0..<inst.agentCount { #expect(cap.payments[i] <= inst.priors[i].support.upperBound * omega[i] * (1 + 1e-12)) }
            }
        }
        #expect(strictly > 0)
    }
}
