import ArgumentParser
import Foundation
import Cluster
import Equilibrium
import Experiments
import LabIO
import Sweeps

/// `auctionlab sweep`: run an experiment spec and write trials.csv, summary.csv, table.md.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run an experiment spec (YAML) in parallel; write trials.csv, summary.csv and table.md.",
        discussion: """
        A spec names topologies (files in Experiments/topologies), mechanisms, \
        trials, a master seed, and optionally a cartesian sweep over rho, kappa, \
        beta, noise, per_tier, bimodal:

          name: rho
          topologies: [S2, S4]
          mechanisms: [star, myopic, homogeneous]
          trials: 20
          seed: 7
          sweep: {rho: [0.1, 0.25, 0.5, 1]}

        A mechanism written BASE@equilibrium (e.g. pay-as-bid@equilibrium) is \
        BASE when every agent bids its computed Bayes–Nash equilibrium bid \
        function (one equilibrium per trial from that trial's priors; settings \
        in an optional `equilibrium:` block: grid, end_knot, samples, \
        iterations, damping, temperature, annealing, averaging, target, certificate_samples, certificate_max_samples, and \
        final_polish, reference with reference_samples, reference_iterations, polish_iterations, polish_step_offset; \
        the Equilibrium module's article ComputingAnEquilibrium explains them); its rows carry the ε-certificate \
        (trials.csv: epsilon, relative_epsilon, converged, …) and STAR's savings \
        are also taken against it. See Experiments/table1-equilibrium.yaml.

        Each trial's market is drawn from a generator seeded by (seed, trial \
        index), the same for every mechanism and parameter point, so savings are \
        paired and the CSV bytes do not depend on --threads. Output goes to \
        Results/NAME (or --out) and is written atomically: an interrupted or \
        failed run leaves no partial file, and the three files are published \
        together. One run owns a folder at a time (FOLDER/.auctionlab.lock names \
        it; a second run into the same folder refuses, a lock left by a killed \
        run is taken over with a note).

        Sharding: --shard K/N runs the trials with index mod N = K and writes \
        shard-K-of-N.rows once the shard is complete (its journal, renamed); \
        meanwhile the journal holds the finished items (compact binary, one \
        slot per item), so a killed shard re-run with --resume redoes only the \
        rest. `auctionlab merge` joins the shards into the same \
        bytes a single run writes, or refuses, naming the missing or duplicated \
        trials and the command that re-runs each missing shard.

        Cluster: --emit-slurm DIR --shards N writes, without running anything,
          DIR/sweep.sbatch   job array 0…N−1: task K runs --shard K/N --resume
          DIR/merge.sbatch   `auctionlab merge SPEC`
          DIR/submit.sh      submits both; the merge with --dependency=afterok
          DIR/parallel.sh    the same with GNU parallel (HOSTS=a,b: over SSH)
        Logs go to DIR/logs. The scripts hold absolute paths to this folder and \
        to this binary (--binary to change it).

        Examples:
          auctionlab sweep Experiments/table1.yaml
          auctionlab sweep Experiments/sensitivity-rho.yaml --trials 5 --threads 2
          auctionlab sweep Experiments/table1.yaml --shard 2/4 --resume
          auctionlab sweep Experiments/table1-equilibrium.yaml --instance S3/18 > s3-18.json
          auctionlab sweep Experiments/table1.yaml --trials 1000000 \\
              --emit-slurm slurm/t1 --shards 1000 --time 00:15:00 --mem 1G \\
              --merge-time 01:00:00 --merge-mem 512M
          slurm/t1/submit.sh       # or slurm/t1/parallel.sh (GNU parallel)
        Sizing (time a few hundred trials; the merge runs in constant memory): see the \
        documentation's "Running at scale" article.
        """)

    @Argument(help: "Experiment spec (YAML).") var spec: String
    @Option(help: "Override the spec's number of trials.") var trials: Int?
    @OptionGroup var runOptions: RunOptions
    @Option(help: "Run only shard i of n (trials with index % n == i), e.g. 0/4; join with `auctionlab merge`.") var shard: String?
    @Flag(help: "Continue an interrupted run (or shard) from its journal, skipping finished trials (refused if the spec, market or a topology file changed since).") var resume = false
    @Option(name: .customLong("emit-slurm"), help: ArgumentHelp("Write cluster scripts to DIR instead of running: sweep.sbatch, merge.sbatch, submit.sh, parallel.sh.", valueName: "DIR"))
    var emitSlurm: String?
    @OptionGroup(title: "Cluster scripts (with --emit-slurm)") var cluster: ClusterOptions
    @Option(help: ArgumentHelp("Print the instance JSON of one trial instead of running (TOPOLOGY/TRIAL, e.g. S3/18; the first parameter point), to re-run it alone, e.g. with `equilibrium solve`.", valueName: "TOPOLOGY/TRIAL"))
    var instance: String?

    func validate() throws { try requirePositive(trials, "--trials") }

    func run() throws {
        var s = try ExperimentSpec.load(spec)
        if let trials { s.trials = trials }
        let runner = try SweepRunner(spec: s, file: spec)
        if let instance {
            let parts = instance.split(separator: "/")
            guard parts.count == 2, let trial = Int(parts[1]) else {
                throw ValidationError("--instance must be TOPOLOGY/TRIAL, e.g. S3/18 (got \(instance))")
            }
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(runner.trialInstance(topology: String(parts[0]), trial: trial)), as: UTF8.self))
            for (j, name) in s.mechanisms.enumerated() {
                guard let base = AtEquilibrium.baseName(name) else { continue }
                Progress.note("\(name) of trial \(trial): auctionlab equilibrium solve FILE --mechanism \(base) --settings \(spec) --seed \(runner.equilibriumSeed(trial: trial, entry: j)) reproduces its equilibrium")
            }
            return
        }
        let outPath = s.outputDirectory(override: runOptions.out)
        if let emitSlurm {
            guard shard == nil, !resume else { throw ValidationError("--emit-slurm writes scripts; it cannot be combined with --shard or --resume") }
            try emitScripts(to: emitSlurm, runner: runner, out: outPath)
            return
        }
        guard cluster.shards == nil else { throw ValidationError("--shards goes with --emit-slurm; to run one shard use --shard i/n") }
        let shardID = try shard.map { try ShardID.parse($0) }
        let dir = URL(fileURLWithPath: outPath)
        let reporter = Progress("sweep \(s.name)")
        let progress: @Sendable (Int, Int) -> Void = { done, total in reporter.update(done, total) }
        defer { reporter.close() }
        // One run per output folder (shards: one run per shard file).
        let lock = try lockOutput(dir, spec: spec, seed: s.seed,
                                  name: shardID.map { ".auctionlab-shard-\($0.index)-of-\($0.count).lock" } ?? OutputLock.defaultName)
        defer { lock.release() }
        if let shardID {
            let r = try runner.runShard(shardID, in: dir, resume: resume, threads: runOptions.threads, progress: progress)
            let file = r.file?.path ?? "?"
            reporter.finish(String(format: "sweep %@: shard %@ finished (%d items, %d from the journal) in %.1fs → %@",
                                   s.name, shardID.description, r.totalItems, r.resumedItems, reporter.elapsed, file))
            return
        }
        let command = "auctionlab sweep \(spec)" + (trials.map { " --trials \($0)" } ?? "")
        let rows = try runner.runToReports(in: dir, resume: resume, threads: runOptions.threads, command: command, progress: progress)
        reporter.finish(String(format: "sweep %@: %d rows in %.1fs → %@", s.name, rows, reporter.elapsed, dir.path))
    }

    /// Composes ``ClusterScripts`` from the flags and writes them.
    func emitScripts(to path: String, runner: SweepRunner, out: String) throws {
        let s = runner.spec
        guard let shards = cluster.shards else { throw ValidationError("--emit-slurm needs --shards N (the number of array tasks)") }
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : URL(fileURLWithPath: cwd).appendingPathComponent(p).standardized.path }
        let program = cluster.binary ?? ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path)
        let resources = SlurmResources(shards: shards, partition: cluster.partition, account: cluster.account, time: cluster.time,
                                       cpusPerTask: cluster.cpusPerTask, mem: cluster.mem, maxRunning: cluster.maxRunning,
                                       mergeTime: cluster.mergeTime, mergeMem: cluster.mergeMem)
        let generatedBy = (["auctionlab"] + CommandLine.arguments.dropFirst()).map(Shell.quote).joined(separator: " ")
        let scripts = try ClusterScripts(experiment: s.name, trials: s.trials,
                                         invocation: SweepInvocation(program: absolute(program), spec: spec, trials: trials, out: out),
                                         resources: resources, workdir: cwd, directory: absolute(path), generatedBy: generatedBy)
        let urls = try scripts.write()
        print("wrote \(urls.map(\.path).joined(separator: ", "))")
        print("""
        \(shards) shards of \(s.name) (\(runner.itemCount) items, \(s.trials) trials). Next:
          \(Shell.quote(scripts.directory))/submit.sh      # Slurm: the array, then the merge (afterok)
          \(Shell.quote(scripts.directory))/parallel.sh    # or GNU parallel here / HOSTS=a,b over SSH
        results → \(out)
        """)
    }
}

/// `sbatch` resources and script options of `auctionlab sweep --emit-slurm`.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Number of shards = Slurm array tasks 0…N−1 (shard K = trials with index mod N = K).") var shards: Int?
    @Option(help: "Slurm partition (sbatch --partition); default: the cluster's.") var partition: String?
    @Option(help: "Slurm account (sbatch --account).") var account: String?
    @Option(help: "Wall-time limit per shard (sbatch --time).") var time = "01:00:00"
    @Option(help: "CPUs per shard and for the merge (sbatch --cpus-per-task); each shard runs that many threads.") var cpusPerTask = 1
    @Option(help: "Memory per shard (sbatch --mem), e.g. 2G; default: the partition's.") var mem: String?
    @Option(help: "Wall-time limit of the merge job (default: --time).") var mergeTime: String?
    @Option(help: "Memory of the merge job (default 512M): the merge streams, its memory does not grow with the trials).") var mergeMem: String?
    @Option(help: "At most K shards at once (sbatch --array=0-N%K).") var maxRunning: Int?
    @Option(help: "The auctionlab executable the jobs run (default: this one); must be visible on the nodes.") var binary: String?
}
