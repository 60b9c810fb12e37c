import ArgumentParser
import Foundation
import Experiments
import LabIO
import LabNumerics
import Mechanisms
import Workflows

/// `auctionlab dot`: a topology or instance as a Graphviz DOT digraph (issue 29).
struct Dot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dot",
        abstract: "Write a workflow topology or instance as Graphviz DOT, optionally coloured by the tier a mechanism assigns.",
        discussion: """
        FILE is a topology (Experiments/topologies/NAME.json) or an instance JSON (it has "agents").
        Nodes are labelled with id, difficulty and token counts; edges with the context tokens \
        they carry (split among parents when the file gives none).

        --mechanism colours every node by the tier of the agent the mechanism's outcome gives \
        it (and names the agent). On an instance the instance's bids are used; on a topology \
        the market of trial --trial of --seed is drawn as a sweep draws it (same seed ⇒ the \
        same market as that trial of `auctionlab sweep`), so two mechanisms can be drawn on \
        the same trial.

        Examples:
          auctionlab dot Experiments/topologies/S4.json | dot -Tpng -o s4.png
          auctionlab dot Experiments/topologies/S4.json --mechanism star --trial 0 --seed 2026 --output s4-star.dot
          auctionlab dot Experiments/instances/s4.json --mechanism myopic
          auctionlab dot Experiments/topologies/S4.json --mechanism star,myopic --trial 0   (side by side)
        """)

    @Argument(help: "Topology or instance JSON file.") var file: String
    @Option(help: "Colour nodes by the tier this mechanism assigns: \(MechanismRegistry.names.prefix(5).joined(separator: "|"))|…; several, comma-separated, are drawn side by side on the same trial.")
    var mechanism: String?
    @Option(help: "With a topology and --mechanism: the trial whose market is drawn.") var trial = 0
    @Option(help: "With a topology and --mechanism: the master seed (as an experiment spec's seed).") var seed: UInt64 = 2026
    @Option(help: "With a topology and --mechanism: market YAML (default the paper's market).") var market: String?
    @Option(help: "Write the DOT text here (default standard output).") var output: String?

    func run() throws {
        guard trial >= 0 else { throw ValidationError("--trial must be ≥ 0 (got \(trial))") }
        let data = try readInputFile(file, what: "topology or instance file")
        let isInstance = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["agents"] != nil
        let mechs = try mechanism.map { try $0.split(separator: ",").map { try mechanismNamed(String($0)) } } ?? []
        var inst: Instance?
        let workflow: Workflow, title: String
        if isInstance {
            let i = try Instance(spec: InstanceSpec.decode(data, file: file))
            inst = i
            workflow = i.workflow
            title = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        } else {
            let topo: Topology
            do { topo = try JSONDecoder().decode(Topology.self, from: data) } catch {
                throw ValidationError("\(file): is neither an instance (no \"agents\") nor a valid topology: \(error)")
            }
            title = topo.name
            if !mechs.isEmpty {
                let m = try market.map { try MarketSpec.load($0, field: "--market", specFile: "command line") } ?? .paper
                let sample = PaperMarket.sample(topology: topo, parameters: m.defaults,
                                                seed: SplitMix64.derive(master: seed, index: UInt64(trial)), market: m)
                let i = try Instance(spec: sample.spec)
                inst = i
                workflow = i.workflow
            } else {
                workflow = try Workflow(nodes: topo.nodes, edges: topo.edges)
            }
        }
        var panels: [(caption: String, servers: [WorkflowDOT.Server])] = []
        if let inst {
            for mech in mechs {
                let o = try mech.run(inst, options: .init())
                panels.append((mech.name, o.assignment.map { WorkflowDOT.Server(agent: inst.agentIDs[$0], tier: inst.tiers[$0]) }))
            }
        }
        let trialText = isInstance ? "" : " · trial \(trial) of seed \(seed)"
        let text: String
        switch panels.count {
        case 0: text = WorkflowDOT.render(workflow, title: title)
        case 1: text = WorkflowDOT.render(workflow, title: "\(title) · \(panels[0].caption)\(trialText)", servers: panels[0].servers)
        default: text = WorkflowDOT.comparison(workflow, title: "\(title)\(trialText)", panels: panels)
        }
        if let output {
            try AtomicFile.write(text, to: URL(fileURLWithPath: output))
        } else {
            print(text, terminator: "")
        }
    }
}
