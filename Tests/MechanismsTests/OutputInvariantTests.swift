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

@Suite("The outcome line is JSONEncoder's bytes")
struct OutcomeLineTests {
    @Test("jsonLine equals JSONEncoder (sorted keys, slashes unescaped) on the record: random instances, the five mechanisms, ids with quotes, backslashes, slashes, commas, digits, case, control characters and non-ASCII, with and without an instance name")
    func lineIsTheEncodersBytes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var g = SplitMix64(seed: 2027_1208)
        let odd = ["a\"b", "back\\slash", "s/la/sh", "com,ma", "n10", "n9", "N1", "ünï", "tab\tx", "ctl\u{1}x", "é", "e", "Z", "_", "日本", "a b", "{x}", "[y]:"]
        var checked = 0
        for n in 0..<40 {
            var spec = RandomWorkflow.instance(RandomWorkflow.Shape.allCases[n % 4], nodes: Int.random(in: 2...7, using: &g),
                                               perTier: Int.random(in: 1...2, using: &g), kappa: n % 2 == 0 ? 0 : 0.3,
                                               ties: n % 5 == 0, using: &g)
            if n % 2 == 1 {
                // Odd ids, distinct, shuffled among nodes and agents.
                let pool = odd.shuffled(using: &g)
                var rename: [String: String] = [:]
                for v in spec.nodes.indices {
                    let id = v < pool.count ? pool[v] : "x\(v)"
                    rename[spec.nodes[v].id] = id
                    spec.nodes[v].id = id
                }
                for e in spec.edges.indices { spec.edges[e].from = rename[spec.edges[e].from]!; spec.edges[e].to = rename[spec.edges[e].to]! }
                for i in spec.agents.indices { spec.agents[i].id = pool[(i + 7) % pool.count] + "·\(i)" }
            }
            let inst = try Instance(spec: spec)
            for mech in [STAR(), VCG(), Myopic(), Homogeneous(), PayAsBid()] as [any Mechanism] {
                let outcome = try mech.run(inst, options: .init())
                for label in [nil, "stdin:\(n)", "odd \"name\"/\\"] {
                    let expected = String(decoding: try encoder.encode(outcome.record(for: inst, instance: label)), as: UTF8.self)
                    #expect(try outcome.jsonLine(for: inst, instance: label) == expected, "#\(n) \(mech.name) \(label ?? "-")")
                    checked += 1
                }
            }
        }
        #expect(checked == 600)
    }

    @Test("jsonNumber writes a finite Double as JSONEncoder does: integers up to 2^53 and beyond, fractions, ±0, subnormals, the extremes, powers of ten across the exponent range, random bit patterns")
    func numberIsTheEncodersText() throws {
        let encoder = JSONEncoder()
        var values: [Double] = [0, -0.0, 1, -1, 445750, 0.5, 46974.08367458102, 1e15, 1e16, 1e17, 9007199254740992, 9007199254740993,
                                .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                0.1, 1.0 / 3, 2.5e-5, 123456789012345680000]
        for k in -320...308 { values.append(pow(10, Double(k))); values.append(-1.5 * pow(10, Double(k))) }
        var g = SplitMix64(seed: 2026_1207)
        while values.count < 3000 {
            let x = Double(bitPattern: g.next())
            if x.isFinite { values.append(x) }
        }
        // One array through the encoder, as the old jsonLine did: "[a,b,…]".
        let encoded = String(decoding: try encoder.encode(values), as: UTF8.self)
        let texts = encoded.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(texts.count == values.count)
        for (x, t) in zip(values, texts) { #expect(Outcome.jsonNumber(x) == t, "\(x.bitPattern)") }
    }
}
