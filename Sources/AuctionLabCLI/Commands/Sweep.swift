import ArgumentParser
import Foundation
import Experiments

/// `auctionlab sweep`: run an experiment spec and write trials.csv, summary.csv, table.md.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run an experiment spec (YAML) in parallel; write trials.csv, summary.csv and table.md.",
        discussion: """
        A spec names topologies (files in Experiments/topologies), mechanisms, trials, a master
        seed, and optionally a cartesian sweep over rho, kappa, beta, noise, per_tier, bimodal:

          name: rho
          topologies: [S2, S4]
          mechanisms: [star, myopic, homogeneous]
          trials: 20
          seed: 7
          sweep: {rho: [0.1, 0.25, 0.5, 1]}

        Each trial's market is drawn from a generator seeded by (seed, trial index), the same
        for every mechanism and parameter point, so savings are paired and the CSV bytes do
        not depend on --threads. Output goes to Results/NAME (or --out) and is written
        atomically: an interrupted or failed run leaves no partial file.

        Examples:
          auctionlab sweep Experiments/table1.yaml
          auctionlab sweep Experiments/sensitivity-rho.yaml --trials 5 --threads 2
        """)

    @Argument(help: "Experiment spec (YAML).") var spec: String
    @Option(help: "Override the spec's number of trials.") var trials: Int?
    @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output folder (default: the spec's `output`, else Results/NAME).") var out: String?
    @Option(help: "Run only shard i of n (trials with index % n == i), e.g. 0/4; join with `auctionlab merge`.") var shard: String?
    @Flag(help: "Continue an interrupted run from its journal, skipping finished trials.") var resume = false

    func run() throws {
        var s = try ExperimentSpec.load(spec)
        if let trials {
            guard trials > 0 else { throw ValidationError("--trials must be positive") }
            s.trials = trials
        }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        let runner = try SweepRunner(spec: s, file: spec)
        var shardSpec: (index: Int, count: Int)?
        if let shard {
            let parts = shard.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] > 0, (0..<parts[1]).contains(parts[0]) else {
                throw ValidationError("--shard must be i/n with 0 ≤ i < n (got \(shard))")
            }
            shardSpec = (parts[0], parts[1])
        }
        let dir = URL(fileURLWithPath: out ?? s.output ?? "Results/\(s.name)")
        let tag = shardSpec.map { "shard-\($0.index)-of-\($0.count)" }
        let journal = dir.appendingPathComponent("journal\(tag.map { "-" + $0 } ?? "").jsonl")
        if !resume { try? FileManager.default.removeItem(at: journal) }
        let tty = isatty(2) != 0
        let start = Date()
        let done = try runner.runItems(threads: threads, shard: shardSpec, journal: journal) { done, total in
            guard tty else { return }
            let elapsed = Date().timeIntervalSince(start)
            let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
            let width = 30, filled = width * done / max(total, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data(String(format: "\r%@ %d/%d  %.0fs elapsed, ETA %.0fs ", bar, done, total, elapsed, eta).utf8))
        }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        if let tag {
            try Journal.write(done, to: dir.appendingPathComponent("\(tag).jsonl"))
            try? FileManager.default.removeItem(at: journal)
            FileHandle.standardError.write(Data("sweep \(s.name): \(tag) finished (\(done.count) items) → \(dir.path)/\(tag).jsonl\n".utf8))
            return
        }
        let rows = try runner.assemble(done)
        let command = "auctionlab sweep \(spec)" + (trials.map { " --trials \($0)" } ?? "")
        try Reports.write(s, rows, to: dir, command: command)
        try? FileManager.default.removeItem(at: journal)
        FileHandle.standardError.write(Data(String(format: "sweep %@: %d rows in %.1fs → %@\n", s.name, rows.count,
                                                   Date().timeIntervalSince(start), dir.path).utf8))
    }
}
