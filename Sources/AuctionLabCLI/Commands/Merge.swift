import ArgumentParser
import Foundation
import Experiments
import Sweeps

/// `auctionlab merge`: join the shard files of a sharded sweep into trials.csv, summary.csv, table.md.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shards of `auctionlab sweep --shard i/n` into one result; refuses if a trial is missing or repeated.",
        discussion: """
        Reads every shard-I-of-N.rows in the output folder and checks that each \
        trial of the spec is present exactly once; the merged files are then \
        byte-identical to a single unsharded run. The shards are read as a k-way \
        merge and trials.csv is written row by row, so memory does not grow with \
        the number of trials (a 10^6-trial table1 merge fits in well under 1 GB). Otherwise it writes nothing, \
        exits 1, and names the missing trials, the shards that hold them (file \
        absent, or truncated) with the command that re-runs each, and any trial \
        found in more than one file. A shard written before the market or a \
        topology file changed (same name, other contents) is refused, naming the \
        file: the trials would mix two markets.

        Examples:
          for i in 0 1 2 3; do
            auctionlab sweep Experiments/table1.yaml --shard $i/4
          done
          auctionlab merge Experiments/table1.yaml
          # shards run with --trials/--out: give merge the same flags
          auctionlab merge Experiments/table1.yaml --trials 1000 --out /scratch/t1
        """)

    @Argument(help: "The experiment spec the shards ran.") var spec: String
    @Option(help: "The --trials override the shards ran with, if any.") var trials: Int?
    @Option(help: "Folder holding shard-*-of-*.rows (default: the spec's output, else Results/NAME).") var out: String?

    func run() throws {
        var s = try ExperimentSpec.load(spec)
        try requirePositive(trials, "--trials")
        if let trials { s.trials = trials }
        let runner = try SweepRunner(spec: s, file: spec)
        let outPath = s.outputDirectory(override: out)
        let start = Date()
        let lock = try lockOutput(URL(fileURLWithPath: outPath), spec: spec, seed: s.seed)
        defer { lock.release() }
        let command = "auctionlab sweep \(spec)" + (trials.map { " --trials \($0)" } ?? "")
        let (files, rows) = try runner.mergeShards(in: URL(fileURLWithPath: outPath),
                                                   rerun: SweepInvocation(spec: spec, trials: trials, out: outPath), command: command)
        Progress.line(String(format: "merge %@: %d shards, %d rows in %.2fs → %@", s.name, files.count, rows,
                                                   Date().timeIntervalSince(start), outPath))
    }
}
