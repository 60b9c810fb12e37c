import ArgumentParser
import Foundation
import LabIO
import StrategyAuctions

/// What `sale curves` and `sale overhead` share: one or more SALE specs, simulated (a spec's
/// `trace:` is replayed instead), each run for `--orders` task orders.
struct SaleStudyOptions: ParsableArguments {
    @Argument(help: "SALE experiment specs (YAML); each is one `simulator` value of the output, named by the spec's `name`.") var specs: [String]
    @Option(help: "Task orders per spec (intervals are over orders).") var orders: Int = 20
    @Option(help: "Output folder.") var out: String = "Results/sale"
    @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        try requirePositive(orders, "--orders"); try requirePositive(threads, "--threads")
        if specs.isEmpty { throw ValidationError("give at least one spec") }
    }

    /// Each spec's streams (weights fitted per order, SALE with memory on and off), with progress.
    func streams(_ tool: String) throws -> [(spec: SaleSpec, data: SaleDataset, streams: [SaleStream])] {
        try specs.map { path in
            var s = try SaleSpec.load(path)
            s.orders = orders
            let data = try saleData(s), name = s.name
            let reporter = Progress("sale \(tool) \(name): orders")
            let streams = try SaleRunner(spec: s, data: data).saleStreams(threads: threads) { done, total in reporter.update(done, total) }
            reporter.close()
            return (s, data, streams)
        }
    }

    /// Writes `files` (name, text) into `--out` atomically under the study's output lock, and says so.
    func write(_ files: [(String, String)], study: String) throws {
        let dir = URL(fileURLWithPath: out)
        let lock = try lockOutput(dir, spec: specs.joined(separator: ","), seed: 0, name: ".auctionlab-\(study).lock")
        defer { lock.release() }
        try AtomicFile.writeAll(files.map { (dir.appendingPathComponent($0.0), $0.1) })
        Progress.line("sale \(study): wrote \(files.map(\.0).joined(separator: ", ")) → \(dir.path)")
    }

    /// The command line as the outputs record it.
    var command: String { (["auctionlab"] + CommandLine.arguments.dropFirst()).joined(separator: " ") }
}

/// The dataset of a spec: its trace when it names one, else simulated from its seed.
func saleData(_ s: SaleSpec) throws -> SaleDataset {
    if let path = s.trace { return try TraceFormat.read(try readInputText(path, what: "trace"), file: path) }
    return try Simulator(calibration: s.simulator).dataset(seed: s.seed)
}

/// `auctionlab sale curves`: learning curves of SALE with and without memory.
struct SaleCurves: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curves",
        abstract: "Learning curves: pass@1, $ per task and each agent's share against the task index, with and without memory.",
        discussion: """
        For each spec and each of --orders task orders, SALE's weights are fitted on the training \
        prefix and SALE runs the test stream with memory on and off (memory fills from the first \
        task of the order). Writes to --out:
          learning-curves.csv   rolling mean over a --window-task trailing window at every
                                --step-th task index, per simulator (spec name), domain
                                (all, deep_search, coding), arm (memory, no_memory,
                                memory_minus_no_memory) and metric (pass_at_1, cost_per_task,
                                share_4B … share_32B), with 95 % t-intervals over orders
          self-improvement.csv  per stream: least-squares slope per 100 tasks, mean of the first
                                and last fifth, and last − first, each with its interval

        Example:
          auctionlab sale curves Experiments/sale.yaml Experiments/sale-calibrated.yaml --orders 20 --out Results/sale
        """)
    @OptionGroup var options: SaleStudyOptions
    @Option(help: "Rolling-window length in tasks.") var window: Int = 100
    @Option(help: "Write every STEP-th window end (and the last).") var step: Int = 10

    func validate() throws { try requirePositive(window, "--window"); try requirePositive(step, "--step") }

    func run() throws {
        let runs = try options.streams("curves").map { (label: $0.spec.name, curves: LearningCurves(data: $0.data, streams: $0.streams, window: window)) }
        try options.write([("learning-curves.csv", try StudyReports.curvesCSV(runs, step: step)),
                           ("self-improvement.csv", try StudyReports.trendsCSV(runs))], study: "curves")
    }
}

/// `auctionlab sale overhead`: the auction's token overhead and its break-even.
struct SaleOverhead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overhead",
        abstract: "The auction's own tokens (plans, jury grades, memory look-ups) as a share of SALE's cost, and the break-even overhead.",
        discussion: """
        For each spec and task order, SALE (memory on) runs the test stream; every auction is \
        charged its plans (every agent writes one; refiners write a second), its jury (every \
        agent reads every plan and writes --grade-tokens per grade, both rounds) and its memory \
        look-ups (each refining agent reads --lookup-plans past plans per retrieved task, each as \
        long as its own first plan). Writes overhead.csv to --out: per simulator, domain and bin, \
        $ per task of each part, the overhead's share of SALE's cost, SALE's cost change vs the \
        largest agent alone (execution only, + plans and jury, + look-ups), and the break-even:
        the overhead per task at which SALE costs as much as the largest agent alone, as dollars, \
        as a multiple of the measured overhead and as a share of SALE's cost.

        Example:
          auctionlab sale overhead Experiments/sale.yaml Experiments/sale-calibrated.yaml --orders 20 --out Results/sale
        """)
    @OptionGroup var options: SaleStudyOptions
    @Option(help: "Tokens a juror writes per grade.") var gradeTokens: Double = 8
    @Option(help: "Past plans a refining agent reads per retrieved task.") var lookupPlans: Double = 2

    func validate() throws {
        guard gradeTokens >= 0, gradeTokens.isFinite, lookupPlans >= 0, lookupPlans.isFinite else {
            throw ValidationError("--grade-tokens and --lookup-plans must be finite and ≥ 0")
        }
    }

    func run() throws {
        let model = AuctionOverhead(gradeTokens: gradeTokens, lookupPlans: lookupPlans)
        let runs = try options.streams("overhead").map {
            (label: $0.spec.name, rows: OverheadStudy.rows(data: $0.data, streams: $0.streams, retrieved: $0.spec.memory.k, overhead: model))
        }
        try options.write([("overhead.csv", try StudyReports.overheadCSV(runs))], study: "overhead")
    }
}

/// `auctionlab sale feasible`: where in the simulator's calibration fields do the headline figures hold together?
struct SaleFeasible: ParsableCommand {
    /// The paper's overall reliance and total cost changes vs the largest agent
    /// (`SaleHeadline.paper`), as the help prints them. Written out rather than read from
    /// `SaleHeadline.paper`: ArgumentParser builds every subcommand's configuration on each start
    /// of `auctionlab`, and parsing the headline YAML there was half of every command's start-up
    /// (`solve` included). A CLI test checks them against Experiments/targets/sale-headline.yaml.
    static let paperFigures = (reliance: "−53 %", cost: "−35 %")

    static let configuration = CommandConfiguration(
        commandName: "feasible",
        abstract: "Search the simulator's calibration fields for points where reliance, cost and pass@1 all match the paper's headline figures.",
        discussion: """
        A Latin hypercube of --points settings of the calibration fields (--axis, default: pq32, \
        kappa, rho, refine_gain, signal_strength, tok over the box in verdict.md) applied to the \
        spec's simulator. Each point is screened on --screen simulated datasets (seeds \
        --dataset-seed, +1, …; one task order each); points whose means are within --slack of \
        every window go on to --confirm further datasets and are judged there: reliance and cost \
        change vs the largest agent within --tolerance of \(paperFigures.reliance) and \(paperFigures.cost) (the paper's), and SALE's \
        pass@1 at or above the largest agent's. Writes to --out: design.csv (every point), \
        datasets.csv (every point × dataset) and verdict.md.

        Example:
          auctionlab sale feasible Experiments/sale.yaml --points 48 --screen 3 --confirm 10 --out Results/sale-feasible
        """)
    @Argument(help: "Base SALE spec (YAML); its simulator block is the starting calibration.") var spec: String
    @Option(help: "Design points (Latin hypercube).") var points: Int = 48
    @Option(help: "Screen datasets per point.") var screen: Int = 3
    @Option(help: "Held-out confirmation datasets per screened point.") var confirm: Int = 10
    @Option(help: "Extra window width at the screen, in points.") var slack: Double = 5
    @Option(help: "Window half-width for reliance and cost, in points.") var tolerance: Double = 5
    @Option(help: "Seed of the Latin hypercube.") var designSeed: UInt64 = 1
    @Option(help: "Seed of the first dataset (dataset d has seed + d).") var datasetSeed: UInt64 = 4001
    @Option(help: ArgumentHelp("A search axis NAME=LOW:HIGH, repeatable (replaces the default box).", valueName: "axis")) var axis: [String] = []
    @Option(help: "Output folder.") var out: String = "Results/sale-feasible"
    @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        for (v, f) in [(points, "--points"), (screen, "--screen"), (confirm, "--confirm"), (threads, "--threads")] { try requirePositive(v, f) }
        guard slack >= 0, slack.isFinite, tolerance >= 0, tolerance.isFinite else { throw ValidationError("--slack and --tolerance must be finite and ≥ 0") }
    }

    func run() throws {
        let design: CalibrationDesign
        do {
            design = axis.isEmpty ? .standard : try CalibrationDesign(axes: axis.map { a in
                let parts = a.split(separator: "=", maxSplits: 1), range = parts.count == 2 ? parts[1].split(separator: ":") : []
                guard range.count == 2, let lo = Double(range[0]), let hi = Double(range[1]) else { throw ValidationError("--axis \(a): expected NAME=LOW:HIGH") }
                return .init(String(parts[0]), lo, hi)
            })
        } catch let e as SaleError { throw ValidationError("--axis: \(e.description)") }
        let base = try SaleSpec.load(spec)
        guard base.trace == nil else { throw ValidationError("\(spec) replays a trace; the feasible search needs the simulator") }
        var search = FeasibleSearch()
        search.points = points; search.screen = screen; search.confirm = confirm
        search.slack = slack / 100; search.criteria.tolerance = tolerance / 100; search.seed = designSeed
        let firstSeed = datasetSeed
        let reporter = Progress("sale feasible: points")
        let results = try search.run(design: design, threads: threads, progress: { done, total in reporter.update(done, total) }) { point, d in
            var s = base
            s.seed = firstSeed + UInt64(d); s.orders = 1
            let data = try Simulator(calibration: design.apply(point, to: base.simulator)).dataset(seed: s.seed)
            return HeadlineFigures(try SaleRunner(spec: s, data: data).saleStream(0, withoutMemory: false), data: data)
        }
        let command = "auctionlab sale feasible \(spec) --points \(points) --screen \(screen) --confirm \(confirm)" +
            " --slack \(num(slack)) --tolerance \(num(tolerance)) --design-seed \(designSeed) --dataset-seed \(datasetSeed)" + axis.map { " --axis \($0)" }.joined()
        let source = "simulated, \(base.simulator.tasks) tasks per dataset, dataset seeds \(firstSeed)–\(firstSeed + UInt64(screen + confirm - 1)), base spec \(base.name)"
        let dir = URL(fileURLWithPath: out)
        let lock = try lockOutput(dir, spec: spec, seed: datasetSeed)
        defer { lock.release() }
        try AtomicFile.writeAll([
            (dir.appendingPathComponent("design.csv"), try StudyReports.designCSV(design, results)),
            (dir.appendingPathComponent("datasets.csv"), try StudyReports.datasetsCSV(results) { firstSeed + UInt64($0) }),
            (dir.appendingPathComponent("verdict.md"), StudyReports.feasibleMarkdown(search, design, results, command: command, source: source)),
        ])
        reporter.finish(String(format: "sale feasible: %d points in %.0fs → %@", points, reporter.elapsed, dir.path))
    }
}
