import Foundation
import Testing
import TestSupport
import LabIO
import LabNumerics
import Priors
import Workflows
@testable import Mechanisms

/// Output invariants over random valid inputs (issue 18), every mechanism, every prior family,
/// token counts from 0 to the accepted maximum: every number finite, workloads and payments
/// non-negative, truthful mechanisms individually rational, and the outcome JSON free of NaN,
/// ±inf and nulls.
@Suite("Output invariants over random valid instances")
struct OutputInvariantTests {
    @Test("finite, non-negative, IR for the truthful mechanisms, clean JSON — 300 random instances × 5 mechanisms", .tags(.slow), .fullLaneOnly)
    func invariants() throws {
        let maker = try TieInstances()
        var g = SplitMix64(seed: 4242)
        for n in 0..<300 {
            var inst = try maker.instance(RandomWorkflow.Shape.allCases[n % 4], nodes: Int.random(in: 1...6, using: &g),
                                          groups: Int.random(in: 1...3, using: &g), kappa: [0, 0.3, 1][n % 3], using: &g)
            if n % 10 == 0 {
                // Extreme token counts: zero, and the largest accepted, on random nodes and edges.
                var spec = InstanceSpec(agents: inst.agentIDs.indices.map { i in
                    AgentSpec(id: inst.agentIDs[i], tier: inst.tiers[i], rho: inst.rho[i], bid: inst.bids[i], prior: inst.priorSpecs[i])
                }, nodes: inst.workflow.ids.indices.map { v in
                    NodeSpec(id: inst.workflow.ids[v], difficulty: inst.workflow.difficulty[v],
                             inputTokens: Bool.random(using: &g) ? 0 : Workflow.maxTokens, outputTokens: Bool.random(using: &g) ? 0 : Workflow.maxTokens)
                }, edges: inst.workflow.edges.map { e in
                    EdgeSpec(from: inst.workflow.ids[e.from], to: inst.workflow.ids[e.to], tokens: Bool.random(using: &g) ? Workflow.maxTokens : nil)
                }, cacheDiscount: inst.cacheDiscount)
                spec.cacheDiscount = 0
                inst = try Instance(spec: spec, priors: inst.priors)
            }
            for mech in MechanismRegistry.all {
                let result = Result { try mech.run(inst, options: .init()) }
                guard case let .success(o) = result else {
                    // Homogeneous needs one agent able to do every node; that refusal is a typed error.
                    let failure = "\(result)"
                    #expect(mech.name == "homogeneous" && failure.contains("no agent has tier"), "\(mech.name) #\(n): \(failure)")
                    continue
                }
                let numbers = o.workloads + o.payments + o.virtualCosts + o.bidCosts + [o.totalPayment]
                #expect(numbers.allSatisfy { $0.isFinite }, "\(mech.name) #\(n): non-finite number in \(numbers)")
                #expect(o.workloads.allSatisfy { $0 >= 0 } && o.payments.allSatisfy { $0 >= 0 }, "\(mech.name) #\(n): negative workload or payment")
                if mech.claimsTruthful {
                    for i in 0..<inst.agentCount {
                        #expect(o.payments[i] >= inst.bids[i] * o.workloads[i] - 1e-9 * max(1, o.payments[i]), "\(mech.name) #\(n) agent \(i): IR")
                    }
                }
                let json = try o.jsonText(for: inst)
                for bad in ["nan", "inf", "null"] { #expect(!json.lowercased().contains(bad), "\(mech.name) #\(n): JSON contains \(bad)") }
            }
        }
    }

    @Test("token counts beyond the accepted maximum are refused naming the field (1e30 once gave a negative workload)")
    func hugeTokensRefused() throws {
        let prior = PriorSpec.uniform(low: 1, high: 2)
        let spec = InstanceSpec(agents: [AgentSpec(id: "a", tier: 1, rho: 0.25, bid: 1.5, prior: prior)],
                                nodes: [NodeSpec(id: "u", difficulty: 1, inputTokens: 10, outputTokens: 10),
                                        NodeSpec(id: "v", difficulty: 1, inputTokens: 10, outputTokens: 10)],
                                edges: [EdgeSpec(from: "u", to: "v", tokens: 1e30)])
        #expect(throws: FieldError.self) { try Instance(spec: spec) }
        do { _ = try Instance(spec: spec) } catch { #expect("\(error)".contains("edges[0].tokens")) }
    }
}
