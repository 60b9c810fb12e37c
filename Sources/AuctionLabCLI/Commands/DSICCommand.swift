import ArgumentParser
import Foundation
import Experiments
import LabIO
import LabNumerics
import Mechanisms
import Studies
import Sweeps
import Truthfulness
import Workflows

/// `auctionlab dsic`: empirical truthfulness checks, one subcommand per kind of input.
struct DSIC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsic",
        abstract: "Check mechanisms for truthfulness numerically: regret, IR, payment identity, revenue equivalence.",
        discussion: """
        `auctionlab dsic FILE.json` runs `check`; `sweep` takes an experiment spec or a \
        `kind: dsic-priors` spec (every mechanism on every prior family).

        For each of --profiles profiles, true costs are drawn from the agents' priors (seeded).
        Every agent's utility u(b) = P(b) − c·x(b) is evaluated on --grid points, as many \
        random bids, both sides of every step of its workload x(z) that the harness locates \
        itself (bisection on the allocation alone, never on payments) and of every breakpoint \
        the mechanism reports; regret is the best misreport's gain over truth. identity_error \
        is the largest |P − c·x(c) − ∫_c^hi x(z) dz| (Myerson's payment identity, with x from \
        the allocation alone): ≈ 0 for threshold payments. Revenue equivalence compares \
        E[payment] with E[Σ φ(c)·x] plus the rent across zero-density gaps and the top \
        type's utility, for every mechanism.

        Examples:
          auctionlab dsic check Experiments/instances/s4.json --mechanism star
          auctionlab dsic check Experiments/instances/s4.json --mechanism myopic --profiles 50 --format json
          auctionlab dsic sweep Experiments/dsic.yaml --profiles 5 --random 20
          auctionlab dsic sweep Experiments/dsic-priors.yaml
          auctionlab dsic curve Experiments/instances/s4.json --mechanism myopic --agent t1_1 --profile 3 --out curve.csv
        """,
        subcommands: [DSICCheck.self, DSICSweepCommand.self, DSICCurve.self],
        defaultSubcommand: DSICCheck.self)
}

/// How many profiles and probes a check uses; shared by `dsic check` and `dsic sweep`.
struct DSICProbeOptions: ParsableArguments {
    @Option(name: .customLong("profiles"), help: "Sampled cost profiles (default: 20).") var profilesGiven: Int?
    @Option(name: .customLong("grid"), help: "Grid points per agent over its prior's support (default: 25).") var gridGiven: Int?
    @Option(name: .customLong("revenue-profiles"), help: "Profiles for the revenue-equivalence check (cheap: no misreports; default: --profiles).") var revenueProfiles: Int?
    @Option(name: .customLong("seed"), help: "Seed of the profiles (default: 1).") var seedGiven: UInt64?

    func validate() throws {
        try requirePositive(profilesGiven, "--profiles")
        try requirePositive(gridGiven, "--grid")
        try requirePositive(revenueProfiles, "--revenue-profiles")
    }

    var profiles: Int { profilesGiven ?? 20 }
    var grid: Int { gridGiven ?? 25 }
    var seed: UInt64 { seedGiven ?? 1 }
    /// The options given on the command line, by flag.
    var given: [String] {
        [("--profiles", profilesGiven != nil), ("--grid", gridGiven != nil), ("--revenue-profiles", revenueProfiles != nil),
         ("--seed", seedGiven != nil)].filter(\.1).map(\.0)
    }

    /// The harness configuration.
    var config: DSICConfig { .init(profiles: profiles, grid: grid, revenueProfiles: revenueProfiles, seed: seed) }
}

/// A YAML file where `command` expected an instance: refused naming `specCommand`, which takes it.
func refuseSpec(_ path: String, in command: String = "`dsic` and `dsic check`", use specCommand: String = "dsic sweep") throws {
    if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
        throw ValidationError("\(path) is a spec: run it with `auctionlab \(specCommand) \(path)` (\(command) take an instance JSON)")
    }
}

/// `auctionlab dsic check`.
struct DSICCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "One mechanism on one instance: regret, IR, payment identity, revenue equivalence.",
        discussion: """
        The instance's bids are replaced by sampled true costs. The worst profitable misreport is \
        printed so it can be replayed with `auctionlab solve` (set that agent's "bid" in the \
        instance), or drawn with `auctionlab dsic curve`.
        """)

    @Argument(help: "Instance JSON file.") var instance: String
    @Option(help: "Mechanism: \(MechanismRegistry.names.joined(separator: "|")).") var mechanism = "star"
    @OptionGroup var probes: DSICProbeOptions
    @OptionGroup var output: OutputOptions

    func validate() throws { try refuseSpec(instance) }

    func run() throws {
        let mech = try mechanismNamed(mechanism)
        let inst = try loadInstance(instance)
        let format = try output.resolved(.table, supported: [.table, .json])
        let r = try DSICHarness.check(mech, instance: inst, config: probes.config)
        switch format {
        case .json, .jsonl, .csv:
            try printJSON(r)
        case .table:
            printAligned(["mechanism", "profiles", "evaluations", "max_regret", "mean_regret", "profitable_share", "ir_violations", "identity_error"],
                         [[r.mechanism, "\(r.profiles)", "\(r.evaluations)", fmt(r.maxRegret), fmt(r.meanRegret),
                           fmt(r.profitableShare), "\(r.irViolations)", fmt(r.identityError)]])
            print("")
            printAligned(["agent", "max_regret", "mean_regret", "profitable_share", "ir_violations", "identity_error"],
                         r.perAgent.map { [$0.agent, fmt($0.maxRegret), fmt($0.meanRegret), fmt($0.profitableShare), "\($0.irViolations)",
                                           fmt($0.identityError)] })
            let pc = r.probes
            print("\nprobes: \(pc.total) misreports — \(pc.grid) grid, \(pc.random) random, \(pc.located) at steps of x_i(z) located by the harness, \(pc.reported) at breakpoints the mechanism reports")
            if let w = r.worst {
                print("\nworst profitable misreport: profile \(w.profile), agent \(w.agent), true cost \(fmt(w.trueCost)), bid \(fmt(w.bid)), gain \(fmt(w.gain)) (truthful utility \(fmt(w.truthfulUtility)))")
            } else {
                print("\nno misreport gains more than the tolerance \(fmt(r.tolerance))")
            }
            if let re = r.revenueEquivalence {
                print("revenue equivalence: E[payment] \(fmt(re.expectedPayment)) vs E[Σ φ·x + gap rent + top rent] \(fmt(re.expectedVirtualCost)) (gap rent \(fmt(re.expectedGapRent)), top rent \(fmt(re.expectedTopRent))); difference \(fmt(re.meanDifference)), 95% CI [\(fmt(re.ciLow)), \(fmt(re.ciHigh))] — \(re.holds ? "holds" : "REJECTED") (99.9% t-interval)")
            }
        }
    }
}

/// `auctionlab dsic sweep`.
struct DSICSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Every mechanism of a spec, on its instances → dsic.csv and table.md.",
        discussion: """
        An experiment spec (the sweep's YAML): every mechanism on the spec's topologies at each \
        parameter point, plus --random small random workflows per point. A `kind: dsic-priors` \
        spec: every mechanism on every prior family, with identical and asymmetric agents; its \
        profiles, grid and seed are the spec's own fields, so --profiles, --grid, \
        --revenue-profiles, --seed and --random are refused with it.
        Writes dsic.csv and table.md to --out (default: the spec's `output`, else Results/NAME).
        """)

    @Argument(help: "Experiment spec or dsic-priors spec (YAML).") var specFile: String
    @Option(help: "Extra random small workflows per parameter point (experiment specs).") var random = 0
    @OptionGroup var probes: DSICProbeOptions
    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        guard random >= 0 else { throw ValidationError("--random must be ≥ 0 (got \(random))") }
    }

    func run() throws {
        let text = try? String(contentsOfFile: specFile, encoding: .utf8)
        let command = "auctionlab dsic sweep \(specFile)"
        if let text, DSICPriorsSpec.matches(text) {
            try refuseProbeOptions("a dsic-priors spec sets its own profiles, grid and seed (fields `profiles`, `revenue_profiles`, `grid`, `seed`)")
            // Every mechanism on every prior family (Results/dsic-priors).
            let spec = try DSICPriorsSpec.parse(text, file: specFile)
            return try runStudy(spec, seed: spec.seed, counting: "cases") { _, progress in
                let rows = try DSICPriorSweep.run(spec, file: specFile, threads: runOptions.threads, progress: progress)
                return [("dsic.csv", try DSICPriorSweep.csv(spec, rows)), ("table.md", DSICPriorSweep.markdown(spec, rows, command: command))]
            }
        }
        if let text, ExactnessSpec.matches(text) {
            try refuseProbeOptions("an exactness spec sets its own profiles, grid, seed and random workflows (fields `profiles`, `grid`, `seed`, `random`)")
            // Inexact allocators against exact solvers (Results/exactness): exactness.csv, table.md
            // and the manipulable cases' reproducers.
            let spec = try ExactnessSpec.parse(text, file: specFile)
            return try runStudy(spec, seed: spec.seed, counting: "runs") { dir, progress in
                let rows = try ExactnessStudy.run(spec, file: specFile, threads: runOptions.threads, progress: progress)
                let csv = try ExactnessStudy.csv(spec, rows)
                let md = ExactnessStudy.markdown(spec, rows, command: command)
                let reproducers = try ExactnessStudy.reproducers(rows)
                let folder = dir.appendingPathComponent("reproducers")
                if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
                for r in reproducers { try AtomicFile.write(r.json, to: folder.appendingPathComponent(r.name)) }
                return [("exactness.csv", csv), ("table.md", md)]
            }
        }
        let spec = try ExperimentSpec.load(specFile)
        let runner = try SweepRunner(spec: spec, file: specFile)
        let rows = try DSICSweep.run(runner, randomInstances: random, config: probes.config)
        let dir = runOptions.folder(for: spec)
        let lock = try lockOutput(dir, spec: specFile, seed: probes.seed)
        defer { lock.release() }
        let full = "\(command) --profiles \(probes.profiles) --grid \(probes.grid) --seed \(probes.seed) --random \(random)"
            + (probes.revenueProfiles.map { " --revenue-profiles \($0)" } ?? "")
        try write([("dsic.csv", DSICSweep.csv(spec, rows)), ("table.md", DSICSweep.markdown(spec, rows, command: full))], to: dir)
    }

    /// Refuses the probe options and --random for a spec that sets its own (`why` says which fields).
    func refuseProbeOptions(_ why: String) throws {
        if let flag = (probes.given + (random != 0 ? ["--random"] : [])).first {
            throw ValidationError("\(flag): \(why); edit \(specFile) instead")
        }
    }

    /// A study spec run into its folder under the output lock, its progress (counting `unit`) on
    /// standard error: `study` gets the folder and the progress callback and returns its files.
    func runStudy(_ spec: some WritesResults, seed: UInt64, counting unit: String,
                  _ study: (URL, @escaping @Sendable (Int, Int) -> Void) throws -> [(String, String)]) throws {
        let dir = runOptions.folder(for: spec)
        let lock = try lockOutput(dir, spec: specFile, seed: seed)
        defer { lock.release() }
        let reporter = Progress("dsic sweep \(spec.name): \(unit)")
        let files = try study(dir) { done, total in reporter.update(done, total) }
        reporter.close()
        try write(files, to: dir)
    }

    /// Writes each (name, text) into `dir`, then prints the last (table.md).
    func write(_ files: [(String, String)], to dir: URL) throws {
        for (name, text) in files { try AtomicFile.write(text, to: dir.appendingPathComponent(name)) }
        if let (_, md) = files.last { print(md) }
    }
}

/// `auctionlab dsic curve`.
struct DSICCurve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve",
        abstract: "One agent's utility against its own bid, the others truthful → CSV.",
        discussion: """
        The true costs are sampled profile --profile of --seed (as `dsic check` numbers them in \
        its "worst profitable misreport" line); --agent's utility is evaluated on --grid bids over \
        its support and at its true cost. CSV columns:
          instance,mechanism,seed,profile,agent,true_cost,bid,payment,workload,utility,truthful
        to --out FILE, or standard output without it.
        """)

    @Argument(help: "Instance JSON file.") var instance: String
    @Option(help: "Mechanism: \(MechanismRegistry.names.joined(separator: "|")).") var mechanism = "star"
    @Option(help: "The agent whose bid varies (its id in the instance).") var agent: String
    @Option(help: "Which sampled profile (0-based) gives the true costs.") var profile = 0
    @Option(help: "Bids over the agent's support.") var grid = 25
    @Option(help: "Seed of the profiles.") var seed: UInt64 = 1
    @Option(help: "Output CSV file (default: standard output).") var out: String?

    func validate() throws {
        try refuseSpec(instance)
        guard profile >= 0 else { throw ValidationError("--profile must be ≥ 0 (got \(profile))") }
        try requirePositive(grid, "--grid")
    }

    func run() throws {
        let mech = try mechanismNamed(mechanism)
        let inst = try loadInstance(instance)
        guard let i = inst.agentIDs.firstIndex(of: agent) else {
            throw ValidationError("--agent: no agent \"\(agent)\" in \(instance) (agents: \(inst.agentIDs.joined(separator: ", ")))")
        }
        let (truthful, costs) = DSICHarness.profile(inst, seed: seed, index: profile)
        let points = try DSICHarness.utilityCurve(mech, instance: truthful, agent: i, trueCost: costs[i], grid: grid)
        func g(_ v: Double) -> String { String(format: "%.17g", v) }
        let text = try csvText(["instance", "mechanism", "seed", "profile", "agent", "true_cost", "bid", "payment", "workload", "utility", "truthful"],
                               points.map { p in
            [instance, mech.name, "\(seed)", "\(profile)", agent, g(costs[i]), g(p.bid), g(p.payment), g(p.workload),
             g(p.utility), p.bid == costs[i] ? "1" : "0"]
        })
        guard let out else { print(text, terminator: ""); return }
        try AtomicFile.write(text, to: URL(fileURLWithPath: out))
        let best = points.max { $0.utility < $1.utility }!
        print("wrote \(out): \(points.count) bids; truthful utility \(fmt(points.first { $0.bid == costs[i] }!.utility)), best bid \(fmt(best.bid)) → utility \(fmt(best.utility))")
    }
}
