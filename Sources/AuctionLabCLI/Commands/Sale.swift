import ArgumentParser
import Foundation
import LabIO
import LabNumerics
import StrategyAuctions

/// `auctionlab sale`: SALE strategy auctions. `sale SPEC` (= `sale run SPEC`) is the comparison
/// with single agents and routers; `curves`, `overhead` and `feasible` test the paper's claims.
struct Sale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sale",
        abstract: "SALE strategy auctions: the comparison with routers (run, the default), learning curves, overhead, feasible region.",
        discussion: """
        Examples:
          auctionlab sale Experiments/sale.yaml                 (same as `sale run`)
          auctionlab sale curves Experiments/sale.yaml Experiments/sale-calibrated.yaml --out Results/sale
          auctionlab sale overhead Experiments/sale.yaml Experiments/sale-calibrated.yaml --out Results/sale
          auctionlab sale feasible Experiments/sale.yaml --out Results/sale-feasible
        """,
        subcommands: [SaleRun.self, SaleCurves.self, SaleOverhead.self, SaleFeasible.self],
        defaultSubcommand: SaleRun.self)
}

/// `auctionlab sale run`: SALE strategy auctions vs single agents and trained routers.
struct SaleRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "SALE strategy auctions vs single agents, random, oracle, kNN/classifier/MF routers and a cascade.",
        discussion: """
        No LLM is called. Outcomes come from a calibrated generative model (the \
        spec's `simulator:` block) or from a trace of logged runs (`trace:` in the \
        spec, or --trace). For each of `orders` random task orders, SALE's score \
        weights are fitted by a MIP (GLPK) and the routers are trained on the first \
        `train_fraction` of the tasks; every method is evaluated on the rest.

        Writes, atomically, to Results/NAME (or --out):
          trials.csv        one row per (order, method, test task)
          summary.csv       pass@1, $/task, $/Mtok, largest-agent share with 95%
                            intervals over orders, per method x domain x bin
          table.md          the paper's headline figures beside ours
          studies.csv       memory off/on, jury without self-votes,
                            self-grading bias, plan padding/trimming
          manipulation.csv  can an agent gain by misreporting its own grade
                            or padding its plan (DSIC-style)
          weights.csv       the fitted score weights per order
          frontier.csv      each knob value of SALE (cost weight) and the kNN,
                            classifier and MF routers (willingness to pay λ):
                            $/task, pass@1, 32B share per bin, with intervals
          metrics.csv       AIQ, APGR, CPT(50%), CPT(80%) per method and bin
          matched.csv       SALE vs each router at equal cost / equal pass@1
          calibration.csv   knobs calibrated on the training prefix to each
                            --calibrate target, and the test-set miss

        Trace CSV (example: Experiments/sale/example-trace.csv):
          task_id, domain (deep_search|coding), bin (1-5), f0..f15, then per
          agent A in 4B, 8B, 14B, 32B:
            A_success (0/1), A_tokens                       required
            A_plan_length, A_plan_entropy, A_grade_by_J     optional (SALE)
            A_refined_...                                   optional (memory)
          At least 10 tasks, each task_id once. Errors name the row and column.

        Examples:
          auctionlab sale Experiments/sale.yaml
          auctionlab sale Experiments/sale.yaml --orders 2 --out /tmp/sale
          auctionlab sale Experiments/sale.yaml --write-trace my-trace.csv
          auctionlab sale Experiments/sale.yaml --calibrate share-32b=0.3 \\
              --calibrate budget=0.008
          auctionlab sale Experiments/sale-example.yaml \\
              --trace Experiments/sale/example-trace.csv
        """)

    @Argument(help: "SALE experiment spec (YAML), e.g. Experiments/sale.yaml.") var spec: String
    @Option(help: "Override the spec's number of task orders.") var orders: Int?
    @Option(help: "Replay this trace CSV instead of the spec's data source.") var trace: String?
    @Option(help: "Also write the dataset used as a trace CSV to this file.") var writeTrace: String?
    @OptionGroup var runOptions: RunOptions
    @Option(help: ArgumentHelp("Threshold-calibration target, repeatable: share-AGENT=x (share of test tasks run by the dearest agent, e.g. share-32b=0.3) or budget=x ($ per task). Each method's knob is picked on the training prefix; calibration.csv reports the test result and the miss.", valueName: "target"))
    var calibrate: [String] = []

    func validate() throws { try requirePositive(orders, "--orders") }

    func run() throws {
        var s = try SaleSpec.load(spec)
        if let orders { s.orders = orders }
        if let trace { s.trace = trace }
        for (i, t) in calibrate.enumerated() {
            do { _ = try ThresholdTarget.parse(t, field: "--calibrate") } catch let e as SaleError {
                throw ValidationError(e.description + (i > 0 ? " (occurrence \(i + 1))" : ""))
            }
        }
        if !calibrate.isEmpty { s.calibrate = calibrate }
        let data: SaleDataset, source: String
        if let path = s.trace {
            let text = try readInputText(path, what: "trace")
            data = try TraceFormat.read(text, file: path)
            source = "trace \(path)"
        } else {
            data = try Simulator(calibration: s.simulator).dataset(seed: s.seed)
            source = "simulated, \(data.records.count) tasks"
        }
        // Targets checked against the data's agents before anything is written.
        for t in calibrate { try ThresholdTarget.parse(t, field: "--calibrate").validate(agents: data.agents, largest: data.largest, field: "--calibrate") }
        try SaleRunner(spec: s, data: data).validateTargets()
        if let writeTrace { try AtomicFile.write(TraceFormat.write(data), to: URL(fileURLWithPath: writeTrace)) }
        let dir = runOptions.folder(for: s)
        let lock = try lockOutput(dir, spec: spec, seed: s.seed)
        defer { lock.release() }
        let runner = SaleRunner(spec: s, data: data)
        if !data.hasPlans { Progress.note("the trace has no plan columns; SALE is skipped, routers only") }
        let reporter = Progress("sale \(s.name): orders")
        let results = try runner.run(threads: runOptions.threads) { done, total in reporter.update(done, total) }
        reporter.close()
        let reports = SaleReports(runner: runner, results: results)
        let command = "auctionlab sale \(spec)" + (orders.map { " --orders \($0)" } ?? "") + (trace.map { " --trace \($0)" } ?? "") +
            calibrate.map { " --calibrate \($0)" }.joined()
        // Build every file first, then write each atomically: a failure leaves no partial set.
        let files: [(String, String)] = [
            ("trials.csv", try reports.trialsCSV()), ("summary.csv", try reports.summaryCSV()),
            ("studies.csv", try reports.studiesCSV()), ("manipulation.csv", try reports.manipulationCSV()),
            ("weights.csv", try reports.weightsCSV()), ("frontier.csv", try reports.frontierCSV()),
            ("metrics.csv", try reports.metricsCSV()), ("matched.csv", try reports.matchedCSV()),
            ("calibration.csv", try reports.calibrationCSV()), ("table.md", reports.markdown(command: command, source: source)),
        ]
        // Published together: all files are written to temporaries, then renamed into place.
        try AtomicFile.writeAll(files.map { (dir.appendingPathComponent($0.0), $0.1) })
        print(files.last!.1)
        Progress.line(String(format: "sale %@: %d orders in %.1fs → %@", s.name, s.orders, reporter.elapsed, dir.path))
    }
}
