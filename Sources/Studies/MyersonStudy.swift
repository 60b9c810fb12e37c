import Equilibrium
import Experiments
import Foundation
import LabIO
import LabNumerics
import Mechanisms
import Priors
import Sweeps
import Truthfulness
import Workflows

/// The Myerson-bound study (issue 14): with independent private costs, no mechanism's expected
/// payment at a Bayes–Nash equilibrium is below STAR's (STAR minimises the expected ironed
/// virtual cost, which bounds the expected payment of every BIC, IR mechanism from below).
/// For each instance and manipulable mechanism: its equilibrium (with certificate), then the
/// paired difference "payment at equilibrium − STAR's payment" on fresh cost profiles.
///
///     kind: myerson-bound
///     name: myerson-bound
///     topologies: [S1, S2, S3, S4]        # the paper's market, trial 0 of `seed`
///     random: 50                          # small random workflows, asymmetric and ironed priors
///     mechanisms: [pay-as-bid, myopic]
///     profiles: 1000                      # paired profiles of the bound check
///     seed: 14
///     equilibrium: {grid: 7, samples: 400, iterations: 60, certificate_samples: 400}   # random instances
///     paper_equilibrium: {grid: 7, samples: 100, iterations: 20}                     # S1–S4
///     ladder: [{grid: 7, samples: 400, iterations: 60}, …]   # solver accuracy ladder …
///     ladder_instances: [random-1]                          # … on these instances
public struct MyersonSpec: Codable, Sendable, WritesResults {
    /// Must be `myerson-bound`.
    public var kind: String
    /// The study's name (output folder `Results/NAME` unless `output` says otherwise).
    public var name: String
    /// Paper topologies (S1–S4) with the paper's market, trial 0 of `seed`; nil for none.
    public var topologies: [String]?
    /// Number of small random workflows with asymmetric and ironed priors (0…10,000).
    public var random: Int?
    /// The manipulable mechanisms whose equilibria are compared with STAR (registry names).
    public var mechanisms: [String]
    /// Paired cost profiles of the bound check per instance (2…10⁶; default 1,000).
    public var profiles: Int?
    /// Master seed of instances, solvers and profiles.
    public var seed: UInt64
    /// Solver settings for the random instances.
    public var equilibrium: EquilibriumSettings?
    /// Solver settings for the paper topologies (larger, so usually cheaper settings).
    public var paperEquilibrium: EquilibriumSettings?
    /// A ladder of solver settings re-run on `ladderInstances` (does the shortfall shrink with ε?).
    public var ladder: [EquilibriumSettings]?
    /// Instance names (`S1`, `random-1`, …) the ladder runs on.
    public var ladderInstances: [String]?
    /// Output folder (default `Results/NAME`).
    public var output: String?
    /// Folder of topology YAML files (default the built-in ones).
    public var topologyDir: String?

    enum CodingKeys: String, CodingKey {
        case kind, name, topologies, random, mechanisms, profiles, seed, equilibrium, ladder, output
        case paperEquilibrium = "paper_equilibrium", ladderInstances = "ladder_instances", topologyDir = "topology_dir"
    }

    /// Whether a YAML text is a `myerson-bound` spec (its `kind`).
    public static func matches(_ text: String) -> Bool {
        text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("kind: myerson-bound") }
    }

    /// Reads and validates the spec at `path`.
    /// - Throws: `ExperimentError` when the file cannot be read, a `FieldError` naming the file and field.
    public static func load(_ path: String) throws -> MyersonSpec {
        try parse(ExperimentError.readText(path, what: "myerson-bound spec"), file: path)
    }

    /// Decodes and validates YAML `text` (ranges of `random`, `profiles`, mechanism names, solver settings).
    /// - Throws: a `FieldError` naming `file` and the field.
    public static func parse(_ text: String, file: String) throws -> MyersonSpec {
        let s = try decodeYAML(MyersonSpec.self, from: text, file: file)
        func bad(_ f: String, _ why: String) -> FieldError { FieldError(file: file, field: f, reason: why) }
        guard s.kind == "myerson-bound" else { throw bad("kind", "must be myerson-bound") }
        guard (0...10_000).contains(s.random ?? 0) else { throw bad("random", "must be between 0 and 10000") }
        guard (2...1_000_000).contains(s.profiles ?? 1000) else { throw bad("profiles", "must be between 2 and 1000000") }
        guard !s.mechanisms.isEmpty else { throw bad("mechanisms", "is empty; a study with nothing to check would pass vacuously") }
        guard !(s.topologies ?? []).isEmpty || (s.random ?? 0) > 0 else {
            throw bad("topologies", "is empty and `random` is 0: the study has no instance and would pass vacuously")
        }
        for (name, list) in [("topologies", s.topologies ?? []), ("mechanisms", s.mechanisms)] {
            if let (k, j) = firstRepeat(in: list) { throw bad("\(name)[\(k)]", "\"\(list[k])\" repeats \(name)[\(j)]; list each once") }
        }
        for (k, m) in s.mechanisms.enumerated() where MechanismRegistry.named(m) == nil {
            throw bad("mechanisms[\(k)]", "\"\(m)\" is not one of \(MechanismRegistry.names.joined(separator: ", "))")
        }
        try s.equilibrium?.check(file: file)
        try s.paperEquilibrium?.check(file: file)
        for l in s.ladder ?? [] { try l.check(file: file) }
        return s
    }

}

/// Runs a ``MyersonSpec``: equilibria, paired differences against STAR and the ε-slack bound,
/// written as CSV and Markdown.
public enum MyersonStudy {
    /// One (instance, mechanism, solver setting) of the study.
    public struct Row: Sendable {
        /// Instance name (`S1`…`S4`, `random-K`).
        public let instance: String
        /// The instance as JSON (so a violation can be re-run with `auctionlab equilibrium`).
        public let instanceJSON: String
        /// The manipulable mechanism (registry name).
        public let mechanism: String
        /// The solver setting: "default", "paper", or "ladder-K".
        public let setting: String
        /// The solver configuration used.
        public let config: EquilibriumConfig
        /// The equilibrium with its certificate.
        public let result: EquilibriumResult
        /// The certificate's ε-sum Σ_i max(0, ε_i) (``Certificate/epsilonSum``; ε_i each agent's mean
        /// gain from its best deviation, money): the scale of an ε-equilibrium's shortfall.
        public let epsilonSum: Double
        /// The derived ε-slack bound on the shortfall (`MyersonStudy.slackBound`), money.
        public let slack: Double
        /// Expected STAR payment and the paired difference (equilibrium − STAR) on the bound's profiles.
        public let star: Summary
        /// Paired difference E[payment at equilibrium − STAR's payment] ($), with its 95 % interval.
        public let difference: Summary
        /// STAR's revenue-equivalence check on this instance (DSIC harness, independent of the solver).
        public let starRevenueEquivalenceHolds: Bool?
        /// Wall time of this row's equilibrium and bound check (seconds).
        public let seconds: Double
        /// The bound fails: the 95 % interval of the difference lies below 0.
        public var violation: Bool { difference.ciHigh < 0 }
        /// The shortfall is beyond the ε-slack bound too: the difference's interval lies below −slack
        /// (an approximate equilibrium cannot explain it: a bug, or the estimates are off).
        public var beyondSlack: Bool { difference.ciHigh < -slack }
    }

    /// Random instance `k`: shape chain/tree/DAG by k mod 3, 3 nodes (k < 3, as in
    /// `MyersonBoundTests`) or 3–4, one agent per tier with the tiers' asymmetric supports;
    /// agent k mod 3's prior is the ironing mixture (ironed by STAR), and from k = 3 on another
    /// agent's prior is a beta, a narrow dip or uniform on its support.
    public static func randomInstance(_ k: Int, seed: UInt64) throws -> InstanceSpec {
        var g = SplitMix64(seed: SplitMix64.derive(master: seed, index: UInt64(k)))
        var spec = RandomWorkflow.instance([.chain, .tree, .dag][k % 3], nodes: k < 3 ? 3 : 3 + (k / 3) % 2, perTier: 1, using: &g)
        let j = k % spec.agents.count
        if case let .uniform(lo, hi) = spec.agents[j].prior {
            spec.agents[j].prior = try PriorZoo.spec("ironing-mixture", low: lo, high: hi)
        }
        if k >= 3 {
            let other = (j + 1) % spec.agents.count
            if case let .uniform(lo, hi) = spec.agents[other].prior {
                spec.agents[other].prior = try PriorZoo.spec(["beta-zero-both", "narrow-dip", "uniform"][k % 3], low: lo, high: hi)
            }
        }
        return spec
    }

    /// An upper bound on how far below STAR an ε-equilibrium's expected payment can be.
    ///
    /// Derivation (agent i, the others at their equilibrium strategies; p(b), q(b) its interim
    /// expected payment and workload at bid b; β its strategy, U(c) = p(β(c)) − c·q(β(c)), V(c) =
    /// sup_b p(b) − c·q(b), ε(c) = V(c) − U(c) ≥ 0; q_i(c) = q(β(c)) is non-increasing):
    /// type c may bid β(t), so U(c) ≥ U(t) + (t − c)·q_i(t) − ε(c). Chaining c = t_0 < t_1 < … < t_m = hi
    /// with steps ≤ Δ (q_i non-increasing, so the right-endpoint sum loses at most Δ·q̄, q̄ = q_i(lo))
    /// and choosing the grid's offset so that Σ_{k≥1} ε(t_k) ≤ (1/Δ)∫ε (it holds on average over offsets):
    /// U(c) ≥ U(hi) + ∫_c^hi q_i − ε(c) − Δ·q̄ − (1/Δ)·∫_lo^hi ε; with Δ = √(∫ε/q̄),
    /// U(c) ≥ ∫_c^hi q_i − ε(c) − 2√(q̄·∫ε) (U(hi) ≥ 0). Taking E over c and adding E[c·q_i]:
    /// E[P_i] ≥ E[φ_i·q_i] − E_f[ε_i] − 2√(q̄_i·∫ε_i) ≥ E[φ̄_i·q_i] − (same) (q_i monotone, ironing).
    /// Summed over agents, Σ_i E[φ̄_i·q_i] ≥ E[STAR's payment] (STAR minimises Σ φ̄·x pointwise over the
    /// same allocations, and pays its expected virtual cost, which `starRevenueEquivalence` checks).
    /// So  E[STAR] − E[P_eq] ≤ Σ_i ( E_f[ε_i] + 2·√(q̄_i·W_i·ε̄_i) ).
    /// Estimates (Monte Carlo, so the check is statistical): ∫ε_i = W_i·ε̄_i with ε̄_i the upper end
    /// of the certificate's 95 % interval of ε_i (its types are evenly spaced over the support of
    /// width W_i); E_f[ε_i] ≤ the certificate's largest per-type in-sample gain (a sample maximum,
    /// biased upward); q̄_i = agent i's mean workload when it bids its support's floor, the others
    /// at equilibrium, over the bound's profiles.
    /// A manipulable mechanism's exact equilibrium has ε = 0 and the bound is Myerson's.
    public static func slackBound(certificate: Certificate, widths: [Double], topWorkloads: [Double]) -> Double {
        zip(certificate.perAgent, zip(widths, topWorkloads)).reduce(0.0) { acc, e in
            let (a, (w, q)) = e
            return acc + max(0, a.worstGain) + 2 * (max(0, q) * w * max(0, a.epsilon.ciHigh)).squareRoot()
        }
    }

    struct Case: Sendable { let name: String; let spec: InstanceSpec; let instance: Instance; let paper: Bool }

    static func cases(_ s: MyersonSpec, topologyDirectory: String, file: String) throws -> [Case] {
        var out: [Case] = []
        let topologies = try SweepRunner.loadTopologies(s.topologies ?? [], directory: s.topologyDir ?? topologyDirectory, file: file)
        for topo in topologies {
            let (ispec, _) = PaperMarket.sample(topology: topo, parameters: [:], seed: SplitMix64.derive(master: s.seed, index: 0))
            out.append(Case(name: topo.name, spec: ispec, instance: try Instance(spec: ispec), paper: true))
        }
        for k in 0..<(s.random ?? 0) {
            let ispec = try randomInstance(k, seed: s.seed)
            out.append(Case(name: "random-\(k)", spec: ispec, instance: try Instance(spec: ispec), paper: false))
        }
        return out
    }

    /// Every (instance, mechanism) with the default setting (S1–S4: `paper_equilibrium`), then
    /// every ladder setting on the ladder instances; in parallel, rows in that order whatever
    /// the thread count (each equilibrium on one thread, seeded from the spec's seed).
    public static func run(_ s: MyersonSpec, topologyDirectory: String = "Experiments/topologies", file: String = "spec",
                           threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [Row] {
        let all = try cases(s, topologyDirectory: topologyDirectory, file: file)
        let mechanisms = s.mechanisms.compactMap(MechanismRegistry.named)
        var jobs: [(Case, any Mechanism, String, EquilibriumConfig)] = []
        for c in all {
            let settings = c.paper ? (s.paperEquilibrium ?? s.equilibrium ?? EquilibriumSettings()) : (s.equilibrium ?? EquilibriumSettings())
            for m in mechanisms { jobs.append((c, m, c.paper ? "paper" : "default", settings.config)) }
        }
        for name in s.ladderInstances ?? [] {
            guard let c = all.first(where: { $0.name == name }) else {
                throw FieldError(file: file, field: "ladder_instances", reason: "\"\(name)\" is not an instance of this study")
            }
            for (l, settings) in (s.ladder ?? []).enumerated() { for m in mechanisms { jobs.append((c, m, "ladder-\(l)", settings.config)) } }
        }
        let profiles = s.profiles ?? 1000
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let list = jobs
        return try IndexedResults<Row>.map(count: list.count, threads: threads, progress: progress) { k in
            let (c, mech, setting, base) = list[k]
            let start = Date()
            var config = base
            config.seed = SplitMix64.derive(master: s.seed, index: 0x4D59_0000 + UInt64(k))
            let r = try EquilibriumSolver.solve(mech, instance: c.instance, config: config)
            // The bound's profiles: fixed per instance (same for every mechanism and setting).
            let costs = EquilibriumSolver.sampleCosts(c.instance, count: profiles, seed: s.seed, salt: 0x4D59_B0D)
            var diffs: [Double] = [], stars: [Double] = []
            let m = c.instance.agentCount
            var topWork = Array(repeating: 0.0, count: m)
            for cost in costs {
                var truthful = c.instance, atEq = c.instance
                for i in 0..<m {
                    truthful = truthful.withBid(i, cost[i])
                    atEq = atEq.withBid(i, r.strategies[i].bid(cost[i]))
                }
                let star = try STAR().run(truthful, options: .init()).totalPayment
                let eq = try mech.run(atEq, options: .init()).totalPayment
                stars.append(star); diffs.append(eq - star)
                for i in 0..<m {
                    topWork[i] += try mech.agentOutcome(atEq.withBid(i, r.strategies[i].floor), agent: i, options: .init()).workload / Double(costs.count)
                }
            }
            let widths = (0..<m).map { r.strategies[$0].ceiling - r.strategies[$0].floor }
            // STAR's own expected payment against E[Σ φ̄ x] + rents (Myerson's identity), by the
            // DSIC harness on its own profiles: a wrong STAR payment would show here.
            let re = setting == "ladder-0" || setting == "default" || setting == "paper"
                ? try DSICHarness.check(STAR(), instance: c.instance, config: DSICConfig(profiles: 1, grid: 2, revenueProfiles: 400, seed: s.seed)).revenueEquivalence?.holds
                : nil
            let json = String(decoding: try encoder.encode(c.spec), as: UTF8.self)
            return Row(instance: c.name, instanceJSON: json, mechanism: mech.name, setting: setting, config: config, result: r,
                       epsilonSum: r.certificate.epsilonSum,
                       slack: slackBound(certificate: r.certificate, widths: widths, topWorkloads: topWork),
                       star: Summary(stars), difference: Summary(diffs), starRevenueEquivalenceHolds: re,
                       seconds: Date().timeIntervalSince(start))
        }
    }

    /// Columns of `summary.csv`, `ladder.csv` and `instances/NAME.csv` (money in $, ε relative to utility).
    public static let header = ["experiment", "instance", "mechanism", "setting", "grid", "samples", "iterations", "certificate_samples",
                                "agents", "converged", "max_relative_epsilon", "max_relative_epsilon_ci_high", "epsilon_sum",
                                "star_expected_payment", "difference", "difference_ci_low", "difference_ci_high", "relative_difference",
                                "temperature", "shortfall_over_epsilon_sum", "violation", "slack_bound", "beyond_slack", "star_revenue_equivalence", "seconds"]

    static func cells(_ s: MyersonSpec, _ r: Row) -> [String] {
        let c = r.result.certificate
        let shortfall = max(0, -r.difference.mean)
        return [s.name, r.instance, r.mechanism, r.setting, "\(r.config.grid)", "\(r.config.samples)", "\(r.config.iterations)",
                "\(r.config.certificateSamples ?? 0)", "\(r.result.agents.count)", r.result.converged ? "1" : "0",
                num(c.maxRelativeEpsilon), num(c.perAgent.map(\.relativeEpsilon.ciHigh).max() ?? .nan), num(r.epsilonSum),
                num(r.star.mean), num(r.difference.mean), num(r.difference.ciLow), num(r.difference.ciHigh),
                num(r.difference.mean / r.star.mean), num(r.config.temperature), r.epsilonSum > 0 ? num(shortfall / r.epsilonSum) : "",
                r.violation ? "1" : "0", num(r.slack), r.beyondSlack ? "1" : "0", r.starRevenueEquivalenceHolds.map { $0 ? "1" : "0" } ?? "", String(format: "%.1f", r.seconds)]
    }

    /// Writes `summary.csv` (every row), `ladder.csv` (ladder rows), `instances/NAME.csv` (one per
    /// instance) and `instances/NAME.json` for every instance with a violation, and `table.md`,
    /// all published together.
    public static func write(_ s: MyersonSpec, _ rows: [Row], to dir: URL, command: String) throws {
        var files: [(URL, String)] = []
        let main = rows.filter { !$0.setting.hasPrefix("ladder") }
        files.append((dir.appendingPathComponent("summary.csv"), try csvText(header, main.map { cells(s, $0) })))
        let ladder = rows.filter { $0.setting.hasPrefix("ladder") }
        if !ladder.isEmpty { files.append((dir.appendingPathComponent("ladder.csv"), try csvText(header, ladder.map { cells(s, $0) }))) }
        for g in orderedGroups(rows, by: \.instance) {
            files.append((dir.appendingPathComponent("instances/\(g[0].instance).csv"), try csvText(header, g.map { cells(s, $0) })))
            if g.contains(where: \.violation) { files.append((dir.appendingPathComponent("instances/\(g[0].instance).json"), g[0].instanceJSON + "\n")) }
        }
        files.append((dir.appendingPathComponent("table.md"), markdown(s, rows, command: command)))
        let instances = dir.appendingPathComponent("instances")
        try FileManager.default.createDirectory(at: instances, withIntermediateDirectories: true)
        try AtomicFile.writeAll(files)
        // Files of an earlier run with other instances or violations would read as this run's.
        let written = Set(files.map { $0.0.lastPathComponent })
        for name in (try? FileManager.default.contentsOfDirectory(atPath: instances.path)) ?? [] where !written.contains(name) {
            try? FileManager.default.removeItem(at: instances.appendingPathComponent(name))
        }
        if ladder.isEmpty { try? FileManager.default.removeItem(at: dir.appendingPathComponent("ladder.csv")) }
    }

    /// `table.md`: per instance and mechanism the equilibrium's ε, the difference against STAR and
    /// any violation, with the command that produced it.
    public static func markdown(_ s: MyersonSpec, _ rows: [Row], command: String) -> String {
        let main = rows.filter { !$0.setting.hasPrefix("ladder") }
        var md = "# \(s.name)\n\n" + Reports.generatedBy(command, "seed \(s.seed), \(s.profiles ?? 1000) paired profiles per instance")
        md += """
            Myerson's bound: with independent private costs, no mechanism's expected payment at a Bayes–Nash equilibrium is below STAR's. \
            For each instance and mechanism: an approximate equilibrium with its ε-certificate, then the paired difference \
            E[payment at equilibrium − STAR's payment] with its 95 % interval; a **violation** is an interval entirely below 0. \
            ε-sum = Σ_i max(0, ε_i), each agent's mean gain from its best deviation (money; a cross-fitted estimate below 0 counts as 0). Myerson's bound is for exact equilibria; \
            for an ε-equilibrium the shortfall is at most the derived slack Σ_i (E[ε_i] + 2√(q̄_i·W_i·ε_i)) \
            (`MyersonStudy.slackBound`: q̄_i the agent's workload at its lowest bid, W_i its support's width); \
            **beyond slack** = the difference's interval lies below −slack, which an approximate equilibrium cannot explain.\n\n
            """
        md += "| mechanism | setting | instances | converged (rel. ε ≤ 1 %) | violations | violations among converged | beyond slack | largest shortfall / STAR | STAR revenue equivalence holds |\n|---|---|---|---|---|---|---|---|---|\n"
        for g in orderedGroups(main, by: { "\($0.mechanism)|\($0.setting)" }) {
            let conv = g.filter(\.result.converged)
            let worst = g.map { -$0.difference.mean / $0.star.mean }.max() ?? 0
            let re = g.compactMap(\.starRevenueEquivalenceHolds)
            md += "| \(g[0].mechanism) | \(g[0].setting) | \(g.count) | \(conv.count) | \(g.filter(\.violation).count) | \(conv.filter(\.violation).count) | \(g.filter(\.beyondSlack).count) | "
            md += "\(worst > 0 ? Reports.percent(worst) : "none") | \(re.filter { $0 }.count)/\(re.count) |\n"
        }
        let violations = rows.filter(\.violation)
        md += "\n## Violations\n\n"
        if violations.isEmpty { md += "None.\n" } else {
            md += "| instance | mechanism | setting | max relative ε | ε-sum | slack bound | difference [95 %] | beyond slack | STAR |\n|---|---|---|---|---|---|---|---|---|\n"
            for r in violations {
                md += "| \(r.instance) | \(r.mechanism) | \(r.setting) | \(Reports.percent(r.result.certificate.maxRelativeEpsilon)) | \(num(r.epsilonSum)) | \(num(r.slack)) | "
                md += "\(num(r.difference.mean)) [\(num(r.difference.ciLow)), \(num(r.difference.ciHigh))] | \(r.beyondSlack ? "**yes**" : "no") | \(num(r.star.mean)) |\n"
            }
            md += "\nEach violating random instance is in `instances/NAME.json` (re-run: `auctionlab equilibrium instances/NAME.json --mechanism M`).\n"
        }
        let ladder = rows.filter { $0.setting.hasPrefix("ladder") }
        if !ladder.isEmpty {
            md += "\n## Solver accuracy ladder\n\n| instance | mechanism | setting (K, N, T, cert., temperature) | max relative ε [95 % high] | ε-sum | slack bound | difference [95 %] | shortfall / ε-sum |\n|---|---|---|---|---|---|---|---|\n"
            for r in ladder {
                let c = r.result.certificate
                md += "| \(r.instance) | \(r.mechanism) | \(r.setting) (\(r.config.grid), \(r.config.samples), \(r.config.iterations), \(r.config.certificateSamples ?? 0), \(r.config.temperature)) | "
                md += "\(Reports.percent(c.maxRelativeEpsilon)) [\(Reports.percent(c.perAgent.map(\.relativeEpsilon.ciHigh).max() ?? .nan))] | \(num(r.epsilonSum)) | \(num(r.slack)) | "
                md += "\(num(r.difference.mean)) [\(num(r.difference.ciLow)), \(num(r.difference.ciHigh))] | \(r.epsilonSum > 0 ? num(max(0, -r.difference.mean) / r.epsilonSum) : "–") |\n"
            }
        }
        return md
    }
}
