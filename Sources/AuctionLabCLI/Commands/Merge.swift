import ArgumentParser
import Foundation
import Experiments

/// `auctionlab merge`: join the shard files of a sharded sweep into trials.csv, summary.csv, table.md.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shards of `auctionlab sweep --shard i/n` into one result; refuses if a trial is missing or repeated.",
        discussion: """
        Example:
          for i in 0 1 2 3; do auctionlab sweep Experiments/table1.yaml --shard $i/4; done
          auctionlab merge Experiments/table1.yaml
        The merged files are byte-identical to a single unsharded run of the same spec.
        """)

    @Argument(help: "The experiment spec the shards ran.") var spec: String
    @Option(help: "Folder holding shard-*-of-*.jsonl (default: the spec's output, else Results/NAME).") var out: String?

    func run() throws {
        let s = try ExperimentSpec.load(spec)
        let runner = try SweepRunner(spec: s, file: spec)
        let dir = URL(fileURLWithPath: out ?? s.output ?? "Results/\(s.name)")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasPrefix("shard-") && $0.hasSuffix(".jsonl") }.sorted()
        guard !files.isEmpty else { throw ValidationError("no shard-*-of-*.jsonl files in \(dir.path)") }
        var done: [Int: [TrialRow]] = [:]
        var counts = Set<String>()
        for f in files {
            counts.insert(String(f.split(separator: "-").last ?? ""))
            for (k, rows) in try Journal.read(dir.appendingPathComponent(f)) {
                guard done[k] == nil else { throw ValidationError("item \(k) appears in more than one shard (again in \(f))") }
                done[k] = rows
            }
        }
        do {
            let rows = try runner.assemble(done)
            try Reports.write(s, rows, to: dir, command: "auctionlab merge \(spec) (\(files.count) shards)")
            FileHandle.standardError.write(Data("merge \(s.name): \(files.count) shards, \(rows.count) rows → \(dir.path)\n".utf8))
        } catch {
            throw ValidationError("cannot merge \(files.joined(separator: ", ")): \(error). Re-run the missing shards with --shard i/n.")
        }
    }
}
