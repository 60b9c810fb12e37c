import ArgumentParser
import Foundation
import LabIO
import LabNumerics
import Experiments
import Studies
import Sweeps
import Workflows

/// `auctionlab structure`: workflows of controlled structure (issue 30), one file or a sweep.
struct StructureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "structure",
        abstract: "Generate workflows of controlled structure; sweep STAR's saving over structural parameters.",
        discussion: """
          generate  one seeded draw as an ordinary topology JSON (Experiments/topologies format)
          sweep     a `kind: structure` spec: each parameter over its values, the others at the default
                    → topologies/*.json, trials.csv, summary.csv, table.md

        Parameters: fan_out (consumers of one broadcast context node), depth (stages per lane), \
        width (parallel lanes), cycles (feedback rounds unrolled after the merge), hard_share \
        (share of tier-3 nodes), edge_tokens (mean context tokens per edge).

        Examples:
          auctionlab structure generate --width 5 --cycles 2 --seed 3 --out /tmp/w5.json
          auctionlab structure sweep Experiments/structure.yaml
        """,
        subcommands: [StructureGenerate.self, StructureSweep.self])
}

/// `auctionlab structure generate`.
struct StructureGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "One seeded workflow of the given structure → topology JSON.")
    @Option(name: .customLong("fan-out"), help: "Consumers of the broadcast context node (0: none).") var fanOut = WorkflowStructure.sLike.fanOut
    @Option(help: "Stages per lane.") var depth = WorkflowStructure.sLike.depth
    @Option(help: "Parallel lanes.") var width = WorkflowStructure.sLike.width
    @Option(help: "Feedback rounds unrolled after the merge.") var cycles = WorkflowStructure.sLike.cycles
    @Option(name: .customLong("hard-share"), help: "Share of nodes needing tier 3, in [0, 1].") var hardShare = WorkflowStructure.sLike.hardShare
    @Option(name: .customLong("edge-tokens"), help: "Mean context tokens per edge.") var edgeTokens = WorkflowStructure.sLike.edgeTokens
    @Option(help: "Seed of the draw.") var seed: UInt64 = 1
    @Option(help: "Topology name written in the file.") var name = "structured"
    @Option(help: "Output file (default: standard output).") var out: String?

    func run() throws {
        let s = WorkflowStructure(fanOut: fanOut, depth: depth, width: width, cycles: cycles, hardShare: hardShare, edgeTokens: edgeTokens)
        var g = SplitMix64(seed: seed)
        let (nodes, edges): ([NodeSpec], [EdgeSpec])
        do { (nodes, edges) = try s.generate(using: &g) } catch let e as FieldError {
            throw ValidationError("--\(e.field.replacingOccurrences(of: "_", with: "-")) \(e.reason)")
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let text = String(decoding: try enc.encode(Topology(name: name, source: "auctionlab structure generate --seed \(seed)", nodes: nodes, edges: edges)), as: UTF8.self) + "\n"
        guard let out else { print(text, terminator: ""); return }
        try AtomicFile.write(text, to: URL(fileURLWithPath: out))
        print("wrote \(out): \(nodes.count) nodes, \(edges.count) edges")
    }
}

/// `auctionlab structure sweep`.
struct StructureSweep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sweep", abstract: "Run a `kind: structure` spec → Results/NAME.")
    @Argument(help: "Structure spec (YAML).") var specFile: String
    @OptionGroup var runOptions: RunOptions

    func run() throws {
        let text: String
        do { text = try String(contentsOfFile: specFile, encoding: .utf8) } catch { throw ValidationError("cannot read \(specFile): \(error.localizedDescription)") }
        let spec = try StructureSpec.parse(text, file: specFile)
        let dir = runOptions.folder(for: spec)
        let lock = try lockOutput(dir, spec: specFile, seed: spec.seed)
        defer { lock.release() }
        let points = try StructureStudy.points(spec)
        let reporter = Progress("structure sweep \(spec.name): trials")
        let (rows, results) = try StructureStudy.run(spec, points: points, threads: runOptions.threads) { done, total in reporter.update(done, total) }
        reporter.close()
        let command = "auctionlab structure sweep \(specFile)"
        var files: [(url: URL, data: Data)] = try StructureStudy.topologyFiles(points).map { (dir.appendingPathComponent("topologies/\($0.name)"), Data($0.json.utf8)) }
        files.append((dir.appendingPathComponent("trials.csv"), Data(try Reports.trialsCSV(StructureStudy.experimentSpec(spec, points), rows).utf8)))
        files.append((dir.appendingPathComponent("summary.csv"), Data(try StructureStudy.csv(spec, results).utf8)))
        let md = StructureStudy.markdown(spec, results, command: command)
        files.append((dir.appendingPathComponent("table.md"), Data(md.utf8)))
        try AtomicFile.writeAll(files)
        print(md)
    }
}
