import ArgumentParser
import Foundation

/// `auctionlab bench`: wall-clock benchmarks, one subcommand per part. Every figure is also a
/// ratio to a baseline measured in the same process, so machine speed cancels out.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks with ratios against a baseline run in the same process.",
        discussion: """
        Each part is a subcommand; `auctionlab bench` alone runs `bench solvers`.
          solvers      STAR on S1–S4 per exact solver, and one allocation on random trees and DAGs
                       up to 10⁴ nodes; ratio to the GLPK MILP path. Start-up of this binary.
          scale        merge time and peak memory, shard bytes per trial, batch solving through
                       standard input, validation and solving on 10⁴-node workflows.
          exact        the default exact solve (tie rule included) up to 10⁴ nodes against the
                       previous auto path; STAR with all payments at scale, peak memory.
          equilibrium  pay-as-bid and Myopic equilibria on S1–S4 at the sweep's defaults: time, ε.
          weight-fit   SALE's weight fit per task order: tasks won, proven bound, gap, seconds.
          peers        exact allocation beside toulbar2 and HiGHS on the same instances
                       (Scripts/bench-peers installs them and runs this).
          priors       building a prior per kind (cached and not) against a uniform one; 1,000
                       one-node instances per prior kind through `solve -`; 1,000 S2 bid profiles
                       through `solve s2.json --bids -` against rebuilding the instance per line.
          agents       one exact allocation against the number of agents M (3 … 81) at fixed V:
                       tree DP, cutset conditioning, elimination; fitted exponents vs the paper's bounds.
        Run from the repository root: the parts read Experiments/.

        Examples:
          auctionlab bench --quick
          auctionlab bench solvers --quick --csv Results/bench/bench.csv
          auctionlab bench scale --quick
          auctionlab bench exact --quick
          auctionlab bench equilibrium --quick
          auctionlab bench weight-fit --sale-spec Experiments/sale/weak-signals.yaml
          auctionlab bench priors > Results/bench/priors.txt
        """,
        subcommands: [BenchSolvers.self, BenchScale.self, BenchExact.self, BenchAgents.self, BenchPeers.self, BenchPriors.self, BenchEquilibrium.self, BenchWeightFit.self],
        defaultSubcommand: BenchSolvers.self)
}

/// Options every benchmark part takes.
struct BenchOptions: ParsableArguments {
    @Flag(help: "Fewer sizes and repetitions (seconds instead of minutes).") var quick = false
    @Option(help: "Seed of the random instances and sampled profiles.") var seed: UInt64 = 1

    /// A suite with these settings; each part takes its own options as arguments.
    var suite: BenchSuite { BenchSuite(quick: quick, seed: seed) }
}

/// `auctionlab bench solvers`.
struct BenchSolvers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solvers",
        abstract: "Time STAR and one allocation per exact solver; ratios against the MILP path.",
        discussion: """
        Part 1 — STAR allocation + all payments on S1–S4 (Experiments/instances, the paper's \
        topologies and 9-agent market; random DAGs of the same size when run elsewhere): time per \
        mechanism run with each exact solver, and the speed-up over the GLPK MILP path.
        Part 2 — one allocation on random trees and DAGs with V = 10 … 10,000, M = 9: time per \
        solve per solver, time per node (the tree DP is O(V·M): flat per node), and the ratio to \
        MILP where MILP runs (up to --milp-max nodes).
        Start-up — this binary run as a new process with --help (--startup-runs times): mean ms \
        per process, and how many STAR runs on S2 fit in one start-up — what a batch \
        (`auctionlab solve a.json b.json …` or `solve -`) saves per instance.

        --csv FILE also writes one row per timing:
          part,shape,V,width,solver,seconds_per_solve,solver_calls,seed
        (part 1's shape is the instance name and its time is one STAR run).
        """)

    @OptionGroup var options: BenchOptions
    @Option(help: "Largest V on which the MILP path is timed.") var milpMax = 1000
    @Option(help: "Also write the timings as CSV to this file.") var csv: String?
    @Option(help: "Processes started for the start-up line (default 20 with --quick, else 100; 0 skips it).") var startupRuns: Int?

    func validate() throws {
        if let startupRuns, startupRuns < 0 { throw ValidationError("--startup-runs must be ≥ 0 (got \(startupRuns))") }
        try requirePositive(milpMax, "--milp-max")
    }

    func run() throws { try options.suite.benchSolvers(milpMax: milpMax, csv: csv, startupRuns: startupRuns) }
}

/// `auctionlab bench scale`.
struct BenchScale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Merge time and memory, shard bytes, batch solving, 10⁴-node workflows.",
        discussion: """
        Shard bytes per table1 trial against the earlier JSON format; `auctionlab merge` of 4 \
        table1 shards at 10⁴ and 10⁵ trials (10³ and 10⁴ with --quick) in a child process: wall \
        time, time per trial, peak memory; 1,000 S2-sized instances through `solve -` against one \
        `solve` per process; validation, elimination order and one solve on layered width-4 DAGs \
        at V = 10³ and 10⁴ and the tree DP up to 10⁴, with measured growth exponents. Figures of \
        earlier versions that cannot be re-measured in this binary are printed as recorded, \
        labelled so.
        """)

    @OptionGroup var options: BenchOptions
    @Option(help: ArgumentHelp("An earlier auctionlab (JSON shards) to time the same merge with at the smaller size.", valueName: "BINARY")) var baseline: String?

    func run() throws { try options.suite.scaleBenchmarks(baseline: baseline) }
}

/// `auctionlab bench agents`.
struct BenchAgents: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "One allocation against the number of agents M at fixed V; fitted exponents vs the paper's bounds.",
        discussion: """
        Tree DP on a random tree, cutset conditioning on a chain with a one-node cutset, and \
        elimination on a ladder of treewidth 2, all with --nodes nodes, at M = 3 … 81 agents \
        (3 … 27 per tier; --quick: fewer sizes, shorter timing). Each time is also a ratio to \
        M = 3 in the same process; the fitted exponent of M is printed beside the paper's bound \
        (tree DP O(V·M²), junction tree O(V·M^{w+1})).

        Example:
          auctionlab bench agents --csv Results/bench/agents.csv --markdown Results/bench/agents.md
        """)

    @OptionGroup var options: BenchOptions
    @Option(help: "Nodes V of every workflow (fixed while M grows).") var nodes = 30
    @Option(help: "Also write the timings as CSV to this file.") var csv: String?
    @Option(help: "Also write the exponents and timings as Markdown to this file.") var markdown: String?

    func validate() throws {
        guard (5...2000).contains(nodes) else { throw ValidationError("--nodes must be between 5 and 2000 (got \(nodes))") }
    }

    func run() throws { try options.suite.benchAgents(nodes: nodes, csv: csv, markdown: markdown) }
}

/// `auctionlab bench equilibrium`.
struct BenchEquilibrium: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "equilibrium",
        abstract: "Pay-as-bid and Myopic equilibria on S1–S4 at the sweep's defaults: time and certified ε.",
        discussion: """
        Each equilibrium (solver and certificate, one thread, as a sweep runs it) at the settings of \
        an `equilibrium:` block with no key set, seeded by --seed; every time also as a multiple of \
        one truthful pay-as-bid run on the same instance, and the 50-trial table1-equilibrium sweep \
        extrapolated from the eight times (S4 only with --quick).
        """)

    @OptionGroup var options: BenchOptions

    func run() throws { try options.suite.benchEquilibrium() }
}

/// `auctionlab bench weight-fit`.
struct BenchWeightFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weight-fit",
        abstract: "SALE's weight fit per task order: tasks won, proven bound, gap, seconds.",
        discussion: """
        For each task order of --sale-spec (its simulator, seed and training prefix) and each \
        number of training tasks in --fit-sizes: the default fit (line search, cuts, warm-started \
        GLPK) and, up to --glpk-max tasks, plain GLPK on the big-M model.
        """)

    @OptionGroup var options: BenchOptions
    @Option(help: "Largest number of tasks on which plain GLPK (no heuristic, no cuts) is also timed.") var glpkMax = 60
    @Option(help: "The SALE spec whose simulator, seed, orders and prefix are used.") var saleSpec = "Experiments/sale.yaml"
    @Option(parsing: .upToNextOption, help: "Numbers of training tasks to fit (default 40 60 100 150; --quick: 40 150).") var fitSizes: [Int] = []

    func validate() throws {
        if glpkMax < 0 { throw ValidationError("--glpk-max must be ≥ 0 (got \(glpkMax))") }
        for n in fitSizes { try requirePositive(n, "--fit-sizes") }
    }

    func run() throws { try options.suite.benchWeightFit(saleSpec: saleSpec, fitSizes: fitSizes, glpkMax: glpkMax) }
}

/// `auctionlab bench peers`.
struct BenchPeers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers",
        abstract: "Exact allocation beside toulbar2 and HiGHS on the same instances.",
        discussion: """
        Instances: S1–S4 (Experiments/instances, STAR's virtual-bid prices), random trees and \
        layered width-4 DAGs with V = 10², 10³, 10⁴ (9 agents), and S1–S4 at a tie price (the \
        largest winner's price raised to where its workload changes, as the payment search \
        probes). AuctionLab is timed as `solve` runs it (structure built, tie rule), without the \
        tie rule, with the structure built once (what payments do) and, up to 10³ nodes, on its \
        GLPK MILP path. The peers read a CFN file `auctionlab export` would write, through \
        Scripts/peers.py: toulbar2 (pytoulbar2) and HiGHS (highspy), one thread, timed around \
        their solve call. Every allocation is evaluated with AuctionLab's cost model and must \
        match the optimum before its time is written; ratios are to the fastest peer.

        Example (Scripts/bench-peers sets up the Python environment and runs this):
          auctionlab bench peers --python .venv-peers/bin/python --csv Results/bench/peers.csv --plot Results/bench/peers.png
        """)

    @OptionGroup var options: BenchOptions
    @Option(help: ArgumentHelp("A Python with pytoulbar2 and highspy (without it only AuctionLab is timed).", valueName: "python")) var python: String?
    @Option(help: "Largest random instance (nodes).") var maxNodes = 10_000
    @Option(help: "The CSV to write, one row per instance and solver.") var csv = "Results/bench/peers.csv"
    @Option(help: "The figure to draw from the CSV (needs matplotlib in --python).") var plot: String?
    @Option(help: "HiGHS's time limit per solve, in seconds; an instance it does not prove within it gets a note instead of a time.")
    var highsTimeLimit = 60.0

    func validate() throws {
        try requirePositive(maxNodes, "--max-nodes")
        guard highsTimeLimit > 0 else { throw ValidationError("--highs-time-limit must be positive (got \(highsTimeLimit))") }
    }

    func run() throws {
        try options.suite.benchPeers(python: python, maxNodes: maxNodes, highsTimeLimit: highsTimeLimit, csv: csv, plot: plot)
    }
}

/// `auctionlab bench priors`.
struct BenchPriors: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "priors",
        abstract: "Prior build per kind (cached and not), one-node batches per prior kind, bid streams.",
        discussion: """
        Prior build — VirtualCost from its spec (validate, probe, iron) for a uniform, truncated \
        normals (mid-support, cut at the mean, far tail), an exponential and an ironed mixture on \
        [0.5, 5]: median time uncached, as a multiple of the uniform, and as a cache hit.
        Batch — 1,000 one-node two-agent instances per prior kind through `solve - --threads 1` \
        (a child process, start-up included), and the same per-line work in this process with the \
        prior cache and without it (rebuilt per line); each as a multiple of the uniform batch.
        Bid stream — 1,000 S2 profiles drawn from the priors (--seed) through \
        `solve Experiments/instances/s2.json --bids -` against the same profiles as full instance \
        lines through `solve -`, on 1 and 2 threads, start-up included. Run from the repository \
        root, from a release build for figures worth recording.
        """)

    @OptionGroup var options: BenchOptions

    func run() throws { try options.suite.benchPriorsPart() }
}
