import Allocation
import Experiments
import Foundation
import LabIO
import LabNumerics
import Mechanisms
import Priors
import Sweeps
import Truthfulness
import Workflows

/// The `exactness` experiment (issue 30, STAR §4.3): STAR's prices and threshold payments with
/// inexact allocators (`InexactSTAR`) against STAR with every exact solver, through the DSIC
/// harness, on the paper's topologies and small random workflows, for several prior kinds.
///
///     kind: exactness
///     name: exactness
///     priors: [uniform, truncated-normal, ironing-mixture, beta-zero-bottom]
///     topologies: [S1, S2, S3, S4]
///     per_tier: 1                 # agents per tier on the paper's topologies
///     random: 8                   # random workflows (4–7 nodes)
///     random_per_tier: 2          # agents per tier on the random workflows
///     allocators: [greedy-topo, greedy-cost, local-1, local-2, lp-round, milp-gap, milp-first]
///     solvers: [auto, tree, cutset, elimination, milp, brute]
///     profiles: 2                 # cost profiles of the regret scan
///     gap_profiles: 40            # profiles for the optimality gap (allocations only)
///     grid: 5
///     seed: 30
public struct ExactnessSpec: Codable, Sendable, WritesResults {
    /// Must be `exactness`.
    public var kind: String
    /// Experiment name (first CSV column; default output folder).
    public var name: String
    /// Prior kinds: `truncated-normal` or a `PriorZoo` family, put on each agent's own support.
    public var priors: [String]
    /// Topology names loaded from the topology folder.
    public var topologies: [String]
    /// Agents per tier on the paper's topologies (1…5).
    public var perTier: Int
    /// Agents per tier on the random workflows (1…5).
    public var randomPerTier: Int
    /// Random workflows (0…100).
    public var random: Int
    /// `InexactKind` names.
    public var allocators: [String]
    /// `SolverKind` names of the exact solvers (each run as STAR; a solver that refuses a case is reported as refused).
    public var solvers: [String]
    /// Cost profiles per case for the regret scan (1…1000).
    public var profiles: Int
    /// Profiles per case for the optimality gap (1…10,000).
    public var gapProfiles: Int
    /// Evenly spaced misreports per agent and profile (1…1000).
    public var grid: Int
    /// Master seed of markets, random workflows, profiles and probes.
    public var seed: UInt64
    /// Output folder; nil = the CLI's default.
    public var output: String?
    /// Folder of the topology files; nil = `Experiments/topologies`.
    public var topologyDir: String?

    enum CodingKeys: String, CodingKey {
        case kind, name, priors, topologies, random, allocators, solvers, profiles, grid, seed, output
        case perTier = "per_tier", randomPerTier = "random_per_tier", gapProfiles = "gap_profiles", topologyDir = "topology_dir"
    }

    /// The prior kinds besides `PriorZoo`'s families.
    public static let extraPriors = ["truncated-normal"]

    /// Whether a YAML text is an `exactness` spec (its `kind`).
    public static func matches(_ text: String) -> Bool {
        text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("kind: exactness") }
    }

    /// Decodes and validates an `exactness` spec.
    /// - Throws: a `FieldError` naming the field of `file`.
    public static func parse(_ text: String, file: String) throws -> ExactnessSpec {
        let s = try decodeYAML(ExactnessSpec.self, from: text, file: file)
        func bad(_ field: String, _ reason: String) -> FieldError { FieldError(file: file, field: field, reason: reason) }
        guard s.kind == "exactness" else { throw bad("kind", "must be exactness") }
        let priorNames = extraPriors + PriorZoo.names
        for (k, p) in s.priors.enumerated() where !priorNames.contains(p) {
            throw bad("priors[\(k)]", "\"\(p)\" is not one of \(priorNames.joined(separator: ", "))")
        }
        for (k, a) in s.allocators.enumerated() where InexactKind(rawValue: a) == nil {
            throw bad("allocators[\(k)]", "\"\(a)\" is not one of \(InexactKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for (k, a) in s.solvers.enumerated() where SolverKind(rawValue: a) == nil {
            throw bad("solvers[\(k)]", "\"\(a)\" is not one of \(SolverKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for (name, list) in [("priors", s.priors), ("topologies", s.topologies), ("allocators", s.allocators), ("solvers", s.solvers)] {
            if let (k, j) = firstRepeat(in: list) { throw bad("\(name)[\(k)]", "\"\(list[k])\" repeats \(name)[\(j)]; list each once") }
        }
        for (name, list) in [("priors", s.priors), ("allocators", s.allocators), ("solvers", s.solvers)] where list.isEmpty {
            throw bad(name, "is empty: the experiment would check nothing and pass vacuously")
        }
        guard !s.topologies.isEmpty || s.random > 0 else { throw bad("topologies", "is empty and random is 0: there is no case to check") }
        guard (1...5).contains(s.perTier) else { throw bad("per_tier", "must be between 1 and 5 (got \(s.perTier))") }
        guard (1...5).contains(s.randomPerTier) else { throw bad("random_per_tier", "must be between 1 and 5 (got \(s.randomPerTier))") }
        guard (0...100).contains(s.random) else { throw bad("random", "must be between 0 and 100 (got \(s.random))") }
        guard (1...1000).contains(s.profiles) else { throw bad("profiles", "must be between 1 and 1000 (got \(s.profiles))") }
        guard (1...10_000).contains(s.gapProfiles) else { throw bad("gap_profiles", "must be between 1 and 10000 (got \(s.gapProfiles))") }
        guard (1...1000).contains(s.grid) else { throw bad("grid", "must be between 1 and 1000 (got \(s.grid))") }
        return s
    }
}

/// The exactness ablation: cases, harness runs, optimality gaps, CSV, Markdown and reproducers.
public enum ExactnessStudy {
    /// One case: a prior kind on an instance.
    public struct Case: Sendable {
        /// The prior kind.
        public let prior: String
        /// `S1`… or `random-SHAPE-k`.
        public let label: String
        /// The instance (bids at each prior's first quartile; the harness replaces them).
        public let spec: InstanceSpec
    }

    /// One harness run of one mechanism on one case.
    public struct Row: Sendable {
        /// The case's prior kind.
        public let prior: String
        /// The case's label.
        public let instance: String
        /// Nodes and agents of the case.
        public let nodes: Int, agents: Int
        /// `star-<allocator>` or `star` (exact).
        public let mechanism: String
        /// The exact solver kind for exact rows; the allocator's name for inexact ones.
        public let solver: String
        /// Whether the allocation is exact (STAR with an exact solver).
        public let exact: Bool
        /// The harness report; nil when the solver refused the case (`refusal` says why).
        public let report: DSICReport?
        /// Why the solver refused the case (tree DP on a graph with cycles, brute force too large).
        public let refusal: String?
        /// (allocator objective − optimum) / optimum at the truthful prices of each gap profile; empty for exact rows.
        public let gaps: [Double]
        /// The case's instance with the bids of the worst misreport's profile (for reproducers).
        public let worstProfile: InstanceSpec?
    }

    /// The prior of kind `name` on [lo, hi]: `truncated-normal` is N(mid, (w/4)²) truncated to the
    /// support; the rest are `PriorZoo`'s families.
    public static func prior(_ name: String, low lo: Double, high hi: Double) throws -> PriorSpec {
        if name == "truncated-normal" { return .normal(mean: (lo + hi) / 2, sd: (hi - lo) / 4, low: lo, high: hi) }
        return try PriorZoo.spec(name, low: lo, high: hi)
    }

    /// `spec` with every agent's prior replaced by kind `name` on the same support, bids at its first quartile.
    static func withPriors(_ spec: InstanceSpec, _ name: String) throws -> InstanceSpec {
        var s = spec
        for k in s.agents.indices {
            guard let sup = s.agents[k].prior.support else { continue }
            let p = try prior(name, low: sup.lowerBound, high: sup.upperBound)
            s.agents[k].prior = p
            s.agents[k].bid = try p.make().quantile(0.25)
        }
        return s
    }

    /// Every (prior kind, instance) case: the topologies with the paper's market (trial 0 of the
    /// seed, `per_tier` agents per tier), then the random workflows (chain, tree, layered, dag in
    /// turn; 4–7 nodes; κ 0 and 0.3 alternately; `random_per_tier` agents per tier).
    public static func cases(_ spec: ExactnessSpec, topologies: [Topology]) throws -> [Case] {
        var bases: [(String, InstanceSpec)] = []
        for topo in topologies {
            let (ispec, _) = PaperMarket.sample(topology: topo, parameters: ["per_tier": Double(spec.perTier)],
                                                seed: SplitMix64.derive(master: spec.seed, index: 0))
            bases.append((topo.name, ispec))
        }
        for k in 0..<spec.random {
            var g = SplitMix64(seed: SplitMix64.derive(master: spec.seed, index: UInt64(1000 + k)))
            let shape = RandomWorkflow.Shape.allCases[k % 4]
            let ispec = RandomWorkflow.instance(shape, nodes: Int.random(in: 4...7, using: &g), perTier: spec.randomPerTier, kappa: k % 2 == 0 ? 0 : 0.3, using: &g)
            bases.append(("random-\(shape.rawValue)-\(k)", ispec))
        }
        return try spec.priors.flatMap { p in try bases.map { Case(prior: p, label: $0.0, spec: try withPriors($0.1, p)) } }
    }

    /// Every (case, mechanism) job in parallel; rows in (case, exact solvers, allocators) order
    /// whatever the thread count.
    /// - Throws: a topology that cannot be loaded, an instance that cannot be built, or a harness error
    ///   other than an exact solver's refusal.
    public static func run(_ spec: ExactnessSpec, topologyDirectory: String = "Experiments/topologies", file: String = "spec",
                           threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [Row] {
        let topologies = try SweepRunner.loadTopologies(spec.topologies, directory: spec.topologyDir ?? topologyDirectory, file: file)
        let cases = try cases(spec, topologies: topologies)
        let instances = try cases.map { try Instance(spec: $0.spec) }
        enum Job { case exact(SolverKind), inexact(InexactKind) }
        let kinds: [Job] = spec.solvers.compactMap { SolverKind(rawValue: $0).map(Job.exact) }
            + spec.allocators.compactMap { InexactKind(rawValue: $0).map(Job.inexact) }
        let jobs = cases.indices.flatMap { c in kinds.map { (c, $0) } }
        return try IndexedResults<Row>.map(count: jobs.count, threads: threads, progress: progress) { k in
            let (c, job) = jobs[k]
            let cs = cases[c], inst = instances[c]
            let config = DSICConfig(profiles: spec.profiles, grid: spec.grid, revenueProfiles: spec.profiles, seed: spec.seed,
                                    options: MechanismOptions(solver: { if case let .exact(s) = job { return s }; return .auto }()))
            func row(_ mech: String, _ solver: String, exact: Bool, _ report: DSICReport?, refusal: String?, gaps: [Double]) -> Row {
                let worst = report?.worst.map { w in
                    var s = cs.spec
                    let costs = DSICHarness.profile(inst, seed: spec.seed, index: w.profile).costs
                    for i in s.agents.indices { s.agents[i].bid = costs[i] }
                    return s
                }
                return Row(prior: cs.prior, instance: cs.label, nodes: inst.workflow.count, agents: inst.agentCount, mechanism: mech,
                           solver: solver, exact: exact, report: report, refusal: refusal, gaps: gaps, worstProfile: worst)
            }
            switch job {
            case let .exact(kind):
                do { _ = try kind.make(for: inst.model) } catch let e as AllocationError {
                    return row("star", kind.rawValue, exact: true, nil, refusal: e.description, gaps: [])
                }
                return row("star", kind.rawValue, exact: true, try DSICHarness.check(STAR(), instance: inst, config: config), refusal: nil, gaps: [])
            case let .inexact(kind):
                let mech = InexactSTAR(kind: kind)
                let report = try DSICHarness.check(mech, instance: inst, config: config)
                return row(mech.name, kind.rawValue, exact: false, report, refusal: nil, gaps: try gaps(kind, inst, spec))
            }
        }
    }

    /// The allocator's relative optimality gap at the truthful prices of `gap_profiles` profiles,
    /// against the exact optimum (`SolverKind.auto`).
    static func gaps(_ kind: InexactKind, _ inst: Instance, _ spec: ExactnessSpec) throws -> [Double] {
        let exact = try SolverKind.auto.makeRaw(for: inst.model), approx = kind.make(for: inst.model)
        return try (0..<spec.gapProfiles).map { p in
            let prices = DSICHarness.profile(inst, seed: spec.seed, index: p).instance.virtualBids
            let opt = try exact.optimalValue(prices: prices)
            return (try approx.solve(prices: prices).objective - opt) / max(abs(opt), .leastNormalMagnitude)
        }
    }

    /// The CSV columns before ``DSICSweep/reportHeader``'s.
    public static let header = ["experiment", "prior", "instance", "nodes", "agents", "mechanism", "solver", "exact", "refused",
                                "gap_mean", "gap_max", "suboptimal_share"]

    /// One row per (case, mechanism): the case, gap statistics, then the DSIC report's columns (empty when refused).
    /// - Throws: a CSV-writing error.
    public static func csv(_ spec: ExactnessSpec, _ rows: [Row]) throws -> String {
        try csvText(header + DSICSweep.reportHeader, rows.map { r in
            let g = gapSummary(r.gaps)
            return [spec.name, r.prior, r.instance, "\(r.nodes)", "\(r.agents)", r.mechanism, r.solver, r.exact ? "1" : "0", r.refusal ?? "",
                    r.gaps.isEmpty ? "" : num(g.mean), r.gaps.isEmpty ? "" : num(g.max), r.gaps.isEmpty ? "" : num(g.suboptimal)]
                + (r.report.map(DSICSweep.reportCells) ?? Array(repeating: "", count: DSICSweep.reportHeader.count))
        })
    }

    /// Mean and largest gap, and the share of profiles with a gap above 1e-9.
    static func gapSummary(_ gaps: [Double]) -> (mean: Double, max: Double, suboptimal: Double) {
        guard !gaps.isEmpty else { return (0, 0, 0) }
        return (gaps.reduce(0, +) / Double(gaps.count), gaps.max()!, Double(gaps.filter { $0 > 1e-9 }.count) / Double(gaps.count))
    }

    /// Whether the harness found a misreport gaining more than its tolerance (1e-9 × the payment scale).
    static func manipulable(_ r: Row) -> Bool { r.report.map { $0.maxRegret > $0.tolerance } ?? false }
    /// Regret relative to the payment scale.
    static func relativeRegret(_ r: Row) -> Double { r.report.map { $0.maxRegret / max(1, $0.paymentScale) } ?? 0 }

    /// The reproducer file name of a manipulable row (no extension).
    public static func reproducerName(_ r: Row) -> String { "\(r.mechanism)-\(r.prior)-\(r.instance)" }

    /// For every manipulable inexact row: `NAME.truthful.json` (every agent bidding its true cost
    /// in the worst profile) and `NAME.misreport.json` (the same with the manipulating agent's
    /// bid set to the misreport), in the instance format `auctionlab solve` reads.
    /// - Throws: an encoding error.
    public static func reproducers(_ rows: [Row]) throws -> [(name: String, json: String)] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        var out: [(String, String)] = []
        for r in rows where !r.exact && manipulable(r) {
            guard let w = r.report?.worst, var s = r.worstProfile else { continue }
            let base = reproducerName(r)
            out.append(("\(base).truthful.json", String(decoding: try enc.encode(s), as: UTF8.self) + "\n"))
            if let i = s.agents.firstIndex(where: { $0.id == w.agent }) { s.agents[i].bid = w.bid }
            out.append(("\(base).misreport.json", String(decoding: try enc.encode(s), as: UTF8.self) + "\n"))
        }
        return out
    }

    /// table.md: the verdict (computed from the rows), the exact solvers, each allocator over all
    /// cases, then per prior kind, then the reproducers. `command` is quoted as the generator.
    public static func markdown(_ spec: ExactnessSpec, _ rows: [Row], command: String) -> String {
        func f(_ x: Double) -> String { String(format: "%.3g", x) }
        let exact = rows.filter(\.exact), ran = exact.filter { $0.report != nil }
        let exactWorst = ran.map(relativeRegret).max() ?? 0
        let exactBad = ran.filter(manipulable)
        let inexact = orderedGroups(rows.filter { !$0.exact }, by: \.mechanism)
        var md = "# \(spec.name)\n\n## Verdict\n\n"
        md += exactBad.isEmpty
            ? "- **Exact STAR is truthful on every case**: \(ran.count) harness runs with the exact solvers (\(Set(ran.map(\.solver)).sorted().joined(separator: ", "))), largest regret \(f(exactWorst)) of the payment scale (threshold 1e-9).\n"
            : "- **An exact solver was manipulable** on \(exactBad.count) of \(ran.count) runs (largest regret \(f(exactWorst)) of the payment scale): a defect to investigate.\n"
        let broken = inexact.filter { $0.contains(where: manipulable) }
        let monotone = inexact.filter { g in !g.contains(where: manipulable) }
        if !broken.isEmpty {
            md += "- **Inexact allocators that break truthfulness**: " + broken.map { g in
                "`\(g[0].mechanism)` (manipulable on \(g.filter(manipulable).count)/\(g.count) cases, worst regret \(f(g.map(relativeRegret).max() ?? 0)) of the payment scale, mean gap \(f(gapSummary(g.flatMap(\.gaps)).mean)))"
            }.joined(separator: "; ") + ".\n"
        }
        if !monotone.isEmpty {
            md += "- **No manipulation found despite inexactness**: " + monotone.map { g in
                let s = gapSummary(g.flatMap(\.gaps))
                return "`\(g[0].mechanism)` (suboptimal on \(f(100 * s.suboptimal)) % of gap profiles, max gap \(f(s.max)))"
            }.joined(separator: "; ")
            md += ". An allocator suboptimal on some profiles with no manipulation found has behaved monotonically on the probed bids; one with zero gap was simply exact on these cases.\n"
        }
        md += "\n" + Reports.generatedBy(command)
        md += """
            Cases: \(spec.topologies.joined(separator: ", ")) with the paper's market (\(spec.perTier) agent(s) per tier) \
            and \(spec.random) random workflows (4–7 nodes, \(spec.randomPerTier) agent(s) per tier), each with every agent's prior replaced by each prior kind (\(spec.priors.joined(separator: ", "))) on its own support. \
            Every mechanism uses STAR's prices φ̄ and Myerson threshold payments; the inexact ones pay the threshold of *their own* allocation rule \
            (`OwnRuleThresholdRule`: grid + bisection on the allocator's x_i(z)). DSIC harness: \(spec.profiles) cost profiles per case, grid \(spec.grid) \
            plus as many random bids plus both sides of every step of x_i(z) it locates; \"manipulable\" = regret above 1e-9 × the largest payment. \
            Gap = (allocator objective − optimum) / optimum at the truthful prices of \(spec.gapProfiles) profiles per case.\n\n
            """
        md += "## Exact solvers\n\n"
        md += markdownTable(["solver", "runs", "refused", "manipulable", "max regret / scale", "max identity error / scale"],
                            orderedGroups(exact, by: \.solver).map { g in
            let r = g.filter { $0.report != nil }
            let id = r.compactMap { $0.report.map { $0.identityError / max(1, $0.paymentScale) } }.max() ?? 0
            return [g[0].solver, "\(r.count)", "\(g.count - r.count)", "\(r.filter(manipulable).count)", f(r.map(relativeRegret).max() ?? 0), f(id)]
        })
        md += "\nRefused = the solver does not apply to the case (tree DP needs a forest; brute force and elimination have size limits).\n\n"
        md += "## Inexact allocators, all cases\n\n"
        md += markdownTable(["mechanism", "cases", "manipulable cases", "manipulable (profile, agent) pairs", "max regret / scale", "mean gap", "max gap",
                             "suboptimal profiles", "max identity error / scale", "worst misreport (case: agent, cost → bid, gain)"], inexact.map { g in
            let s = gapSummary(g.flatMap(\.gaps))
            let pairs = g.compactMap(\.report).reduce(0.0) { $0 + $1.profitableShare * Double($1.evaluations) }
            let evals = g.compactMap(\.report).reduce(0) { $0 + $1.evaluations }
            let id = g.compactMap { $0.report.map { $0.identityError / max(1, $0.paymentScale) } }.max() ?? 0
            let worstRow = g.filter(manipulable).max { relativeRegret($0) < relativeRegret($1) }
            let worst = worstRow.flatMap { r in r.report?.worst.map { "\(r.prior)/\(r.instance): \($0.agent), \(String(format: "%.4g", $0.trueCost)) → \(String(format: "%.4g", $0.bid)), +\(String(format: "%.4g", $0.gain))" } } ?? "none"
            return [g[0].mechanism, "\(g.count)", "\(g.filter(manipulable).count)", "\(Int(pairs.rounded()))/\(evals)", f(g.map(relativeRegret).max() ?? 0),
                    f(s.mean), f(s.max), "\(f(100 * s.suboptimal)) %", f(id), worst]
        })
        md += "\n## Per prior kind\n\nManipulable cases / cases (max regret / scale) per inexact mechanism and prior kind.\n\n"
        md += markdownTable(["mechanism"] + spec.priors, inexact.map { g in
            [g[0].mechanism] + spec.priors.map { p in
                let h = g.filter { $0.prior == p }
                return "\(h.filter(manipulable).count)/\(h.count) (\(f(h.map(relativeRegret).max() ?? 0)))"
            }
        })
        let repro = rows.filter { !$0.exact && manipulable($0) }
        md += "\n## Reproducers\n\n"
        if repro.isEmpty {
            md += "None: no inexact allocator was manipulable.\n"
        } else {
            md += "Each manipulable (mechanism, case) has `reproducers/NAME.truthful.json` (every agent bids its true cost, the worst profile) and "
            md += "`NAME.misreport.json` (the manipulating agent bids the misreport). Replay: `auctionlab solve reproducers/NAME.misreport.json --mechanism MECH` "
            md += "and the same on `.truthful.json`; the agent's payment − true cost × workload is higher in the first by the gain.\n\n"
            md += markdownTable(["file NAME", "agent", "true cost", "misreport", "gain"], repro.compactMap { r in
                r.report?.worst.map { w in [reproducerName(r), w.agent, num(w.trueCost), num(w.bid), num(w.gain)] }
            })
        }
        return md
    }
}
