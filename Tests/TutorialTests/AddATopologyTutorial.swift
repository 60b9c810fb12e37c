import Foundation
import Sweeps
import Testing
import Experiments
import LabIO
import Mechanisms
import Workflows

// The code of the DocC tutorial "Add a topology" (Sources/Experiments/Experiments.docc/AddATopology.md).

@Suite("Tutorial: add a topology (a JSON file, its check, one trial, a spec)")
struct AddATopologyTutorial {
    static let topologyJSON = """
    // tutorial:begin topology-file
    {
      "name": "ReviewLoop",
      "source": "my lab's code-review workflow",
      "nodes": [
        {"id": "plan",   "difficulty": 3, "input_tokens": 4000,  "output_tokens": 8000},
        {"id": "code",   "difficulty": 2, "input_tokens": 12000, "output_tokens": 30000},
        {"id": "test",   "difficulty": 1, "input_tokens": 30000, "output_tokens": 6000},
        {"id": "review", "difficulty": 3, "input_tokens": 36000, "output_tokens": 3000}
      ],
      "edges": [
        {"from": "plan", "to": "code"},
        {"from": "code", "to": "test"},
        {"from": "code", "to": "review"},
        {"from": "test", "to": "review"}
      ]
    }
    // tutorial:end topology-file
    """

    /// The JSON above without its two marker lines, written where a spec's `topology_dir` points.
    static func writeTopology(_ json: String, name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-tutorial-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let body = json.split(separator: "\n").filter { !$0.contains("// tutorial:") }.joined(separator: "\n")
        try body.write(to: dir.appendingPathComponent("\(name).json"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test("the new topology loads, is checked, and runs one trial of the paper's market under STAR and Myopic")
    func addTopology() throws {
        let dir = try Self.writeTopology(Self.topologyJSON, name: "ReviewLoop")
        defer { try? FileManager.default.removeItem(at: dir) }
        // tutorial:begin one-trial
        let topology = try Topology.load(name: "ReviewLoop", directory: dir.path)
        // One trial of the paper's market (ThePaperMarket.md) on it: agents, priors, bids = true costs.
        let (spec, costs) = PaperMarket.sample(topology: topology, parameters: ["rho": 0.25, "per_tier": 2], seed: 42)
        // Building the instance is the check: unknown node ids, cycles, nodes nobody can serve
        // and bad token counts are refused here, naming the field.
        let instance = try Instance(spec: spec)
        for mechanism in [STAR(), Myopic()] as [any Mechanism] {
            let outcome = try mechanism.run(instance, options: MechanismOptions())
            print(mechanism.name, outcome.totalPayment, outcome.trueCost(costs))
        }
        // tutorial:end one-trial
        #expect(instance.workflow.count == 4)
        let star = try STAR().run(instance, options: MechanismOptions())
        #expect(star.totalPayment >= star.trueCost(costs) - 1e-9, "STAR is individually rational")
        #expect(star.assignment.count == 4)

        // tutorial:begin spec
        let yaml = """
        name: review-loop
        topologies: [ReviewLoop]
        topology_dir: \(dir.path)
        mechanisms: [star, myopic]
        trials: 20
        seed: 7
        """
        let experiment = try ExperimentSpec.parse(yaml, file: "review-loop.yaml")
        let runner = try SweepRunner(spec: experiment, file: "review-loop.yaml")
        print(runner.itemCount, "trials to run")
        // tutorial:end spec
        #expect(runner.itemCount == 20)
    }

    @Test("the check refuses a cyclic topology and an unknown node, naming the field")
    func refusals() throws {
        // tutorial:begin cycle
        let cyclic = Topology(name: "Loop", source: nil,
                              nodes: [NodeSpec(id: "a", difficulty: 1, inputTokens: 10, outputTokens: 10),
                                      NodeSpec(id: "b", difficulty: 1, inputTokens: 10, outputTokens: 10)],
                              edges: [EdgeSpec(from: "a", to: "b"), EdgeSpec(from: "b", to: "a")])
        let (spec, _) = PaperMarket.sample(topology: cyclic, parameters: [:], seed: 1)
        do {
            _ = try Instance(spec: spec)
        } catch {
            print(error)  // `edges` contain a cycle through nodes a, b
        }
        // tutorial:end cycle
        #expect(throws: FieldError.self) { try Instance(spec: spec) }
        do { _ = try Instance(spec: spec); Issue.record("cycle accepted") } catch { #expect("\(error)".contains("edges")) }

        var dangling = cyclic
        dangling.edges = [EdgeSpec(from: "a", to: "missing")]
        let (bad, _) = PaperMarket.sample(topology: dangling, parameters: [:], seed: 1)
        do { _ = try Instance(spec: bad); Issue.record("unknown node accepted") } catch { #expect("\(error)".contains("missing")) }
    }
}
