import Foundation
import LabIO
import LabNumerics
import Priors
import Testing
@testable import Workflows

/// Instances: what is refused (naming the field), what a bid change touches, and seeded
/// random workflows.
@Suite("Workflows: instance validation, bids, seeded random workflows")
struct InstanceTests {
    static func agents(_ n: Int) -> [AgentSpec] {
        (0..<n).map { AgentSpec(id: "a\($0)", tier: 1, rho: 0.25, bid: 0.5, prior: .uniform(low: 0.2, high: 1)) }
    }
    static func nodes(_ ids: [String]) -> [NodeSpec] { ids.map { NodeSpec(id: $0, difficulty: 1, inputTokens: 10, outputTokens: 20) } }

    /// The field an invalid instance is refused for, or nil if it builds.
    static func refusedField(_ spec: InstanceSpec) -> String? {
        do { _ = try Instance(spec: spec); return nil } catch let e as FieldError where e.file == nil { return e.field } catch { return "other: \(error)" }
    }

    @Test("a cycle, an edge to an unknown node, a repeated node or agent id, a repeated edge: each refused naming its field")
    func refusals() {
        let a = Self.agents(2), n = Self.nodes(["x", "y", "z"])
        #expect(Self.refusedField(InstanceSpec(agents: a, nodes: n, edges: [.init(from: "x", to: "y"), .init(from: "y", to: "z"), .init(from: "z", to: "x")])) == "edges")
        #expect(Self.refusedField(InstanceSpec(agents: a, nodes: n, edges: [.init(from: "x", to: "w")])) == "edges[0].to")
        #expect(Self.refusedField(InstanceSpec(agents: a, nodes: n, edges: [.init(from: "v", to: "x")])) == "edges[0].from")
        #expect(Self.refusedField(InstanceSpec(agents: a, nodes: Self.nodes(["x", "x"]), edges: [])) == "nodes[1].id")
        #expect(Self.refusedField(InstanceSpec(agents: a + [a[0]], nodes: n, edges: [])) == "agents[2].id")
        #expect(Self.refusedField(InstanceSpec(agents: a, nodes: n, edges: [.init(from: "x", to: "y"), .init(from: "x", to: "y")])) == "edges[1]")
        #expect(Self.refusedField(InstanceSpec(agents: a, nodes: n, edges: [.init(from: "x", to: "y"), .init(from: "x", to: "z")])) == nil)
    }

    @Test("withBid changes that agent's bid only; the virtual bid of a uniform cost prior is 2b − low (closed form)")
    func bids() throws {
        let inst = try Instance(spec: InstanceSpec(agents: Self.agents(3), nodes: Self.nodes(["x"]), edges: []))
        let moved = inst.withBid(1, 0.9)
        #expect(moved.bids == [0.5, 0.9, 0.5])
        #expect(inst.bids == [0.5, 0.5, 0.5])
        for (v, b) in zip(moved.virtualBids, moved.bids) { #expect(abs(v - (2 * b - 0.2)) <= 1e-12, "φ(\(b)) = \(v)") }
    }

    @Test("random workflows: the same seed gives the same instance, another seed another; each builds and is acyclic", arguments: RandomWorkflow.Shape.allCases)
    func seeded(shape: RandomWorkflow.Shape) throws {
        var g1 = SplitMix64(seed: 7), g2 = SplitMix64(seed: 7), g3 = SplitMix64(seed: 8)
        let s1 = RandomWorkflow.instance(shape, nodes: 30, using: &g1)
        #expect(s1 == RandomWorkflow.instance(shape, nodes: 30, using: &g2))
        #expect(s1 != RandomWorkflow.instance(shape, nodes: 30, using: &g3))
        let inst = try Instance(spec: s1)
        #expect(inst.workflow.count == 30)
    }
}
