import ArgumentParser
import Equilibrium
import Experiments
import Foundation
import LabIO
import Mechanisms
import Studies
import Workflows

/// A sweep's default solver settings (`EquilibriumSettings` with no key set), quoted in the help
/// texts below so they cannot drift from what a sweep runs.
private let sweepSolver = EquilibriumSettings().config

/// `auctionlab equilibrium`: approximate Bayes–Nash equilibria with ε-certificates.
struct EquilibriumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "equilibrium",
        abstract: "Approximate Bayes–Nash equilibrium bidding of a mechanism, with an ε-certificate.",
        discussion: """
        `auctionlab equilibrium FILE.json` runs `solve`.

        Examples:
          auctionlab equilibrium solve Experiments/instances/s4.json --mechanism pay-as-bid
          auctionlab equilibrium study Experiments/myerson-bound.yaml
        """,
        subcommands: [EquilibriumSolve.self, EquilibriumStudy.self],
        defaultSubcommand: EquilibriumSolve.self)
}

/// `auctionlab equilibrium solve`.
struct EquilibriumSolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "An approximate Bayes–Nash equilibrium of one mechanism on one instance.",
        discussion: """
        A manipulable mechanism (pay-as-bid, myopic) priced at truthful bids flatters it: nobody \
        would bid truthfully. This command computes how agents with independent private costs \
        (drawn from the instance's priors; workflow, tokens and priors common knowledge) would \
        bid, and what the mechanism then pays.

        What is computed. Each agent's strategy is a monotone piecewise-linear bid function on \
        --knots knots (cell midpoints of its support). Iterated damped best response: every \
        iteration draws --profiles fresh cost profiles per agent (stratified, seeded); for each agent and \
        profile the agent's payment and workload as functions of its own bid are built exactly \
        from the mechanism's breakpoints, so the sample-average utility is known for every bid; \
        each knot moves toward a logit-smoothed best response over the support (below cost too), then a \
        running maximum keeps the function monotone. A knot whose \
        target bid changes the outcome in under --min-event-share of the profiles (a type that \
        almost never wins, whose sampled utility is flat) follows a line through the informed knots \
        below it. Steps decrease, and the reported strategy \
        averages the last --averaging share of the iterates (default: the second half; a sweep: the last \(sweepSolver.averagingShare), with --profiles \(sweepSolver.samples), --iterations \(sweepSolver.iterations), --temperature \(sweepSolver.temperature) and --annealing \(sweepSolver.annealing)). Then --polish-rounds (default 1) polish rounds: \
        an agent whose payment never moved with its own bid (Myopic's, not pay-as-bid's) gets \
        its exact sample-average best response, on fresh profiles (--polish-profiles, default \
        4 × --profiles), at the midpoints of --polish-cells cells (default 8K) and the support's \
        ends, made monotone, so a bid can jump between neighbouring types. A DSIC mechanism (star, vcg, homogeneous) \
        is not iterated: truthful bidding is reported and certified.

        The certificate, independent of the solver: fresh profiles from another seed stream \
        (max(--profiles, 200)), a finer own-type grid (2K+1 costs over the support including its \
        ends) and bids over the whole support (4K+1 grid points plus each type's exact best \
        response), every utility from a direct run of the mechanism. Per agent, ε is the mean \
        over types of u(deviation) − u(equilibrium bid); each half of the profiles picks the \
        deviation that the other half scores (cross-fitting), so ε is not inflated by selection, \
        and the 95% t-interval is over profiles. Relative ε divides by the mean equilibrium \
        utility; "converged" means every agent's relative ε ≤ 1%. The in-sample ε (deviation \
        picked and scored on all profiles, biased upward) is printed beside it. Where an agent's \
        equilibrium utility is ≈ 0 (below 1e-9 of the mean payment per agent) its relative ε is \
        printed as undefined and its absolute ε is given instead; an agent whose bid never \
        changed its outcome in the sampled profiles keeps truthful knots, and the table says so. \
        --certificate-profiles must be at least 10.

        Three options a sweep turns on by default (`adaptive_knots`, `stratified_certificate`; the \
        per-type table is the command line's only): --adaptive-knots re-places each agent's knots \
        after a quarter of the iterations on the bids that can still win (K − 1 up to the highest \
        bid at which its workload still changes, one at the top), so an agent that can never win \
        above a rival's ceiling does not spend most of its knots where nothing happens (only for an \
        agent never paid more than its bid, as under pay-as-bid; Myopic's knots stay); \
        --stratified-certificate draws the certificate's two folds as two independent stratified \
        designs (less noise; the i.i.d. interval is then conservative); --per-type prints, per \
        agent and certificate type, the equilibrium bid, its utility, the best bid on the \
        certificate's profiles and its gain — where a strategy is worst.

        Payments: expected total payment at the equilibrium and at truthful bids on the \
        certificate's profiles (common random numbers), with 95% intervals and their paired \
        difference. Progress (iteration, in-sample relative ε, largest bid change) goes to stderr \
        when it is a terminal.

        Examples (S = Experiments/instances/s4.json):
          auctionlab equilibrium solve $S --mechanism pay-as-bid
          auctionlab equilibrium solve $S --mechanism pay-as-bid --end-knot --damping 0.3 \\
              --profiles 300 --iterations 60 --certificate-profiles 600
              (S4: certified at relative ε ≤ 1 % on seeds 1, 3, 4 in 24–34 s; `bench equilibrium`)
          auctionlab equilibrium solve $S --mechanism myopic --profiles 100 --iterations 20
              (Myopic on S4: converges, relative ε ≈ 0.4 %; tier-1 agents underbid)
          auctionlab equilibrium solve $S --mechanism star          (DSIC: truthful, ε ≈ 0)
          auctionlab equilibrium solve $S --mechanism pay-as-bid --format csv > bids.csv
              (CSV agent,cost,bid: the knots of every agent's bid function)
          auctionlab equilibrium solve $S --mechanism myopic --knots 7 --format json
          auctionlab equilibrium solve $S --mechanism pay-as-bid \\
              --settings Experiments/table1-equilibrium.yaml
              (the sweep's solver settings; `auctionlab sweep SPEC --instance S3/18`
              prints one trial's instance and the --seed that reproduces its row)
        """)

    @Argument(help: "Instance JSON file (its bids are ignored: costs are drawn from the priors).") var instance: String
    @Option(help: "Mechanism: \(MechanismRegistry.names.joined(separator: "|")) (required).") var mechanism: String?
    @Option(help: "Knots K of each bid function (≥ 2).") var knots = 9
    @Option(help: "Sampled cost profiles per iteration (≥ 1).") var profiles = 200
    @Option(help: "Maximum best-response iterations (≥ 1).") var iterations = 40
    @Option(help: "Step size α of the damped best response (0 < α ≤ 1; step t is α/(1 + (t−1)/5)).") var damping = 0.5
    @Option(help: "Logit smoothing of the best response, relative to the spread of the utility over candidate bids (0: argmax).") var temperature = 0.01
    @Option(help: "Fresh profiles of the certificate (≥ 10; default max(--profiles, 200)).") var certificateProfiles: Int?
    @Option(help: "Share of the sampled profiles in which a knot's target bid must change its outcome (vs bidding the top) for the knot to follow its own best response; below it, it follows a line through the informed knots below (0: off).") var minEventShare = 0.01
    @Option(help: "Stop once the solver's in-sample relative ε is at most this (0: run every iteration).") var stopTolerance = 1e-3
    @Option(help: "Annealing: the last iteration's temperature as a share of the first's (0 < a ≤ 1; 1: constant).") var annealing = EquilibriumConfig.defaultAnnealing
    @Option(help: "Share of the last iterations whose iterates the reported strategy averages (0 < s ≤ 1; a sweep uses \(sweepSolver.averagingShare)).") var averaging = EquilibriumConfig.defaultAveragingShare
    @Flag(help: "Start from the first-price shading c + (hi − c)/n (n: agents of the same or a higher tier) instead of truthful bids.") var warmStart = false
    @Flag(help: "Solve every agent separately, even agents with the same prior, tier and ρ (by default they share one strategy).") var asymmetric = false
    @Flag(help: "First knot at the support's lower end (helps where the lowest types' bids jump, as on S4; hurts one-node first price).") var endKnot = false
    @Flag(help: "After a quarter of the iterations, re-place each agent's knots on the part of its support whose types can still win, plus one at the top.") var adaptiveKnots = false
    @Flag(help: "Draw the certificate's ε profiles as two independent stratified designs (one per cross-fitting fold) instead of i.i.d.: less noise, conservative intervals.") var stratifiedCertificate = false
    @Flag(help: "After the certificate, print every agent's own types: the equilibrium bid, its utility, the best bid on the certificate's profiles and its gain (where the strategy is worst; table format only).") var perType = false
    @Flag(help: "Jacobi best response: every agent responds to the previous iteration's strategies (default: Gauss–Seidel, agents in turn against the latest ones).") var jacobi = false
    @Option(help: "Polish rounds after the iterations: an agent whose payment does not move with its own bid (Myopic's) gets its exact sample-average best response on a fine type grid (0: none).") var polishRounds = 1
    @Option(help: "Profiles per agent of a polish round (default 4 × --profiles).") var polishProfiles: Int?
    @Option(help: "Cells of a polish round's type grid (default 8 × --knots).") var polishCells: Int?
    // The certificate's own-type count (default 2K+1), to check a strategy between the default
    // types too (Myopic before the polish: mean largest relative ε 1.38 % at 19 types, 3.24 % at 61).
    @Option(help: .hidden) var certificateTypes: Int?
    @Option(name: .customLong("settings"), help: ArgumentHelp("Solve with the `equilibrium:` settings of this experiment spec (YAML), as its sweep does (its defaults where it has none), instead of the solver flags; --seed, --threads, --certificate-profiles (a certificate of exactly that many profiles) and the output flags still apply.", valueName: "SPEC"))
    var settingsFile: String?
    @Option(help: "Seed of all sampled profiles.") var seed: UInt64 = 1
    @Option(help: "Worker threads (the result does not depend on it).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("samples"), help: .hidden) var oldSamples: Int?
    @Option(name: .customLong("grid"), help: .hidden) var oldGrid: Int?
    @Option(name: .customLong("certificate-samples"), help: .hidden) var oldCertificateSamples: Int?

    /// Spellings of earlier versions, accepted for one release with a note on standard error.
    mutating func validate() throws {
        for (old, new, value) in [("--samples", "--profiles", oldSamples), ("--grid", "--knots", oldGrid),
                                  ("--certificate-samples", "--certificate-profiles", oldCertificateSamples)] where value != nil {
            Progress.note("\(old) is now \(new) (the old spelling goes in the next release)")
        }
        if let oldSamples { profiles = oldSamples }
        if let oldGrid { knots = oldGrid }
        if let oldCertificateSamples { certificateProfiles = oldCertificateSamples }
        try refuseSpec(instance, in: "`equilibrium` and `equilibrium solve`", use: "equilibrium study")
        guard mechanism != nil else {
            throw ValidationError("--mechanism is required (one of \(MechanismRegistry.names.joined(separator: ", ")))")
        }
        _ = try output.resolved(.table, supported: [.table, .json, .csv])
        if settingsFile != nil {
            // The spec replaces the solver flags, so one given beside it would be ignored: refuse.
            // The flags' defaults, read from a parse without them (not restated here).
            let d = try Self.parse([instance, "--mechanism", mechanism ?? ""])
            let set: [(String, Bool)] = [("--knots", knots != d.knots), ("--profiles", profiles != d.profiles), ("--iterations", iterations != d.iterations),
                                         ("--damping", damping != d.damping), ("--temperature", temperature != d.temperature),
                                         ("--min-event-share", minEventShare != d.minEventShare),
                                         ("--stop-tolerance", stopTolerance != d.stopTolerance), ("--annealing", annealing != d.annealing),
                                         ("--averaging", averaging != d.averaging), ("--warm-start", warmStart), ("--asymmetric", asymmetric),
                                         ("--end-knot", endKnot), ("--adaptive-knots", adaptiveKnots), ("--stratified-certificate", stratifiedCertificate),
                                         ("--jacobi", jacobi), ("--polish-rounds", polishRounds != d.polishRounds),
                                         ("--polish-profiles", polishProfiles != nil), ("--polish-cells", polishCells != nil)]
            let clash = set.filter(\.1).map(\.0)
            if !clash.isEmpty {
                throw ValidationError("--settings takes every solver setting from the spec; drop \(clash.joined(separator: ", ")) (or edit the spec's equilibrium: block; only the certificate's --certificate-profiles may be given beside it)")
            }
        }
        if knots < 2 { throw ValidationError("--knots must be ≥ 2 (a bid function needs two knots; got \(knots))") }
        try requirePositive(profiles, "--profiles")
        try requirePositive(iterations, "--iterations")
        try requirePositive(threads, "--threads")
        if !(damping > 0 && damping <= 1) { throw ValidationError("--damping must be in (0, 1] (got \(damping))") }
        if !(temperature >= 0 && temperature.isFinite) { throw ValidationError("--temperature must be a finite number ≥ 0 (got \(temperature))") }
        if let c = certificateProfiles, c < EquilibriumConfig.minimumCertificateSamples {
            throw ValidationError("--certificate-profiles must be ≥ \(EquilibriumConfig.minimumCertificateSamples) (got \(c)): the certificate cross-fits two folds of profiles, and fewer give an ε too noisy to certify anything")
        }
        if polishRounds < 0 { throw ValidationError("--polish-rounds must be ≥ 0 (got \(polishRounds))") }
        if let p = polishProfiles, p < 1 { throw ValidationError("--polish-profiles must be ≥ 1 (got \(p))") }
        if let c = polishCells, !(1...100_000).contains(c) { throw ValidationError("--polish-cells must be between 1 and 100000 (got \(c))") }
        if let t = certificateTypes, !(2...100_000).contains(t) { throw ValidationError("--certificate-types must be between 2 and 100000 (got \(t))") }
        if !(annealing > 0 && annealing <= 1) { throw ValidationError("--annealing must be in (0, 1] (got \(annealing))") }
        if !(averaging > 0 && averaging <= 1) { throw ValidationError("--averaging must be in (0, 1] (got \(averaging))") }
        if !(stopTolerance >= 0 && stopTolerance.isFinite) { throw ValidationError("--stop-tolerance must be a finite number ≥ 0 (got \(stopTolerance))") }
        if !(minEventShare >= 0 && minEventShare <= 1) { throw ValidationError("--min-event-share must be in [0, 1] (got \(minEventShare))") }
        if knots > 1_000 { throw ValidationError("--knots must be at most 1000 (got \(knots))") }
        if profiles > 1_000_000 { throw ValidationError("--profiles must be at most 1000000 (got \(profiles))") }
        if iterations > 100_000 { throw ValidationError("--iterations must be at most 100000 (got \(iterations))") }
    }

    func run() throws {
        let mech = try mechanismNamed(mechanism ?? "")
        let inst = try loadInstance(instance)
        var settings: EquilibriumConfig
        if let settingsFile {
            let spec = try ExperimentSpec.load(settingsFile)
            settings = (spec.equilibrium ?? EquilibriumSettings()).config
            settings.seed = seed
            settings.threads = threads
            settings.certificateTypes = certificateTypes
            // A certificate of exactly that many profiles (no second pass); the solver is unchanged.
            if let certificateProfiles { settings.certificateSamples = certificateProfiles; settings.certificateMaxSamples = nil }
        } else {
            settings = EquilibriumConfig(grid: knots, samples: profiles, iterations: iterations, damping: damping, seed: seed, threads: threads,
                                           stopTolerance: stopTolerance, temperature: temperature, certificateSamples: certificateProfiles, minEventShare: minEventShare, lowerEndKnot: endKnot,
                                           annealing: annealing, symmetric: !asymmetric, warmStart: warmStart)
            settings.adaptiveKnots = adaptiveKnots
            settings.stratifiedCertificate = stratifiedCertificate
            settings.polishRounds = polishRounds
            settings.polishSamples = polishProfiles
            settings.polishCells = polishCells
            settings.gaussSeidel = !jacobi
            settings.certificateTypes = certificateTypes
            settings.averagingShare = averaging
        }
        let config = settings
        let start = Date()
        // Progress only when stderr is a terminal (a redirected or captured run stays clean).
        let reporter = Progress("equilibrium \(mech.name): iteration", terminalOnly: true)
        let r = try EquilibriumSolver.solve(mech, instance: inst, config: config) { rec in
            reporter.update(rec.iteration, config.iterations,
                            detail: "in-sample relative ε \(fmt(rec.relativeEpsilon)), largest bid change \(fmt(rec.maxChange))")
        }
        reporter.close()
        let seconds = Date().timeIntervalSince(start)
        func g(_ v: Double) -> String { String(format: "%.17g", v) }
        switch try output.resolved(.table, supported: [.table, .json, .csv]) {
        case .csv:
            var rows: [[String]] = []
            for (id, s) in zip(r.agents, r.strategies) { for (c, b) in zip(s.costs, s.bids) { rows.append([id, g(c), g(b)]) } }
            print(try csvText(["agent", "cost", "bid"], rows), terminator: "")
        case .json, .jsonl:
            try printJSON(r)
        case .table:
            let c = r.certificate
            print(r.truthfulShortcut
                  ? "\(r.mechanism) claims DSIC: truthful bidding is an equilibrium (not iterated); ε ≈ \(fmt(r.certificate.maxEpsilon)), its certificate:"
                  : "\(r.mechanism): \(r.iterations) iterations, \(r.solverRuns) mechanism runs, \(String(format: "%.1f", seconds)) s")
            print("")
            let knots = r.strategies.first?.costs.count ?? 0
            printAligned(["agent"] + (0..<knots).map { "k\($0)" }, zip(r.agents, r.strategies).map { id, s in
                [id] + zip(s.costs, s.bids).map { "\(fmt($0.0))→\(fmt($0.1))" }
            })
            print("")
            // Relative ε divides by the agent's equilibrium utility; where that is ≈ 0 (below
            // 1e-9 of the mean payment per agent) the ratio means nothing: say so, keep ε itself.
            let scale = abs(r.payments.equilibrium.mean) / Double(max(1, c.perAgent.count))
            func undefined(_ a: AgentCertificate) -> Bool {
                !a.relativeEpsilon.mean.isFinite || abs(a.equilibriumUtility.mean) <= 1e-9 * scale
            }
            printAligned(["agent", "epsilon", "eps_95ci", "eq_utility", "relative_eps", "rel_95ci", "in_sample_eps", "worst_type", "worst_gain"],
                         c.perAgent.map { a in
                [a.agent, fmt(a.epsilon.mean), "[\(fmt(a.epsilon.ciLow)), \(fmt(a.epsilon.ciHigh))]", fmt(a.equilibriumUtility.mean),
                 undefined(a) ? "undefined" : fmt(a.relativeEpsilon.mean),
                 undefined(a) ? "-" : "[\(fmt(a.relativeEpsilon.ciLow)), \(fmt(a.relativeEpsilon.ciHigh))]", fmt(a.inSampleEpsilon),
                 fmt(a.worstType), fmt(a.worstGain)]
            })
            let defined = c.perAgent.filter { !undefined($0) }
            let maxRel = defined.map(\.relativeEpsilon.mean).max()
            print("\ncertificate: \(c.samples) fresh profiles, \(c.types) own types, \(c.bids) grid bids + exact best responses; max relative ε \(maxRel.map(fmt) ?? "undefined") → \(r.converged ? "converged" : "NOT converged") (target \(fmt(c.target)))")
            for a in c.perAgent where undefined(a) {
                print("  \(a.agent): equilibrium utility ≈ 0 (\(fmt(a.equilibriumUtility.mean))), so its relative ε is undefined; absolute ε \(fmt(a.epsilon.mean)) [\(fmt(a.epsilon.ciLow)), \(fmt(a.epsilon.ciHigh))] (money units)")
            }
            for a in c.perAgent where !undefined(a) && a.relativeEpsilon.mean < -c.target {
                print("  \(a.agent): relative ε \(fmt(a.relativeEpsilon.mean)) < −target: a true ε is ≥ 0, so this is the cross-fitted estimate's downward bias and noise (no deviation gained on fresh profiles); more --certificate-profiles narrow it")
            }
            if !r.truthfulShortcut {
                for (id, s) in zip(r.agents, r.strategies) where zip(s.costs, s.bids).allSatisfy({ $0.0 == $0.1 }) {
                    print("  \(id): every knot stayed at its truthful bid: its bid never changed its outcome in the sampled profiles (its allocation does not depend on its bid there), so the solver had nothing to respond to; this is not evidence that truthful bidding is its best response")
                }
            }
            let p = r.payments
            if perType {
                let gains = try EquilibriumSolver.typeGains(mech, instance: inst, strategies: r.strategies, config: config)
                for (id, rows) in zip(r.agents, gains) where rows.contains(where: { $0.gain > 0 }) {
                    print("\n\(id): per own type (in-sample, \(c.samples) profiles)")
                    printAligned(["cost", "bid", "utility", "best_bid", "gain", "gain/utility"], rows.map { t in
                        [fmt(t.cost), fmt(t.bid), fmt(t.utility), fmt(t.deviation), fmt(t.gain), t.utility > 0 ? fmt(t.gain / t.utility) : "-"]
                    })
                }
                print("")
            }
            print("expected total payment: at equilibrium \(fmt(p.equilibrium.mean)) [\(fmt(p.equilibrium.ciLow)), \(fmt(p.equilibrium.ciHigh))], at truthful bids \(fmt(p.truthful.mean)) [\(fmt(p.truthful.ciLow)), \(fmt(p.truthful.ciHigh))]; difference \(fmt(p.difference.mean)) [\(fmt(p.difference.ciLow)), \(fmt(p.difference.ciHigh))] (95%, paired)")
        }
    }
}

/// `auctionlab equilibrium study`.
struct EquilibriumStudy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Myerson's bound at equilibrium: every (instance, mechanism) of a myerson-bound spec.",
        discussion: """
        Runs every (instance, mechanism) of a `kind: myerson-bound` spec — S1–S4 with the paper's \
        market and random small workflows with asymmetric and ironed priors — and checks that \
        each mechanism's expected payment at its equilibrium is at least STAR's (paired, 95 %).
        The solver settings are the spec's. Writes summary.csv, ladder.csv, instances/NAME.csv \
        (+ NAME.json for a violation) and table.md to --out (default: the spec's `output`, else \
        Results/NAME).

        Example:
          auctionlab equilibrium study Experiments/myerson-bound.yaml
        """)

    @Argument(help: "A myerson-bound spec (YAML).") var specFile: String
    @OptionGroup var runOptions: RunOptions

    func run() throws {
        let spec = try MyersonSpec.load(specFile)
        let dir = URL(fileURLWithPath: spec.outputDirectory(override: runOptions.out))
        let reporter = Progress("equilibrium study \(spec.name): equilibria")
        let rows = try MyersonStudy.run(spec, file: specFile, threads: runOptions.threads) { done, total in reporter.update(done, total) }
        reporter.close()
        try MyersonStudy.write(spec, rows, to: dir, command: "auctionlab equilibrium study \(specFile)")
        let violations = rows.filter(\.violation)
        print("\(spec.name): \(rows.count) equilibria in \(String(format: "%.1f", reporter.elapsed)) s, \(violations.count) violation(s) of Myerson's bound → \(dir.path)")
        for r in violations {
            print("  violation: \(r.instance) \(r.mechanism) (\(r.setting)): eq − STAR \(fmt(r.difference.mean)) [\(fmt(r.difference.ciLow)), \(fmt(r.difference.ciHigh))], max relative ε \(fmt(r.result.certificate.maxRelativeEpsilon))")
        }
    }

}
