import Dispatch
import Experiments
import Foundation
import LabIO
import LabNumerics
import Mechanisms
import Priors
import Sweeps
import Truthfulness
import Workflows

/// The `dsic-priors` experiment (issue 13): every mechanism claim on every prior family of
/// `PriorZoo`, with identical agents that tie on ironed stretches, asymmetric agents, and the
/// paper's topologies with every agent's prior replaced by the family on its own support.
///
///     kind: dsic-priors
///     name: dsic-priors
///     priors: [uniform, ironing-mixture, …]      # PriorZoo names; omitted → all
///     mechanisms: [star, vcg, pay-as-bid, myopic]
///     topologies: [S1, S2, S3, S4]
///     identical: [2, 3, 4]                       # single-node instances with k identical agents
///     profiles: 2                               # profiles for the regret scan
///     revenue_profiles: 200                     # profiles for revenue equivalence (cheap)
///     grid: 6
///     seed: 13
public struct DSICPriorsSpec: Codable, Sendable, WritesResults {
    /// Must be `dsic-priors` (tells this spec apart from a sweep spec).
    public var kind: String
    /// Experiment name (first CSV column; default output folder).
    public var name: String
    /// `PriorZoo` family names to test; nil = every family.
    public var priors: [String]?
    /// Mechanism names from the registry (e.g. `star`, `vcg`).
    public var mechanisms: [String]
    /// Topology names loaded from the topology folder.
    public var topologies: [String]
    /// Agent counts, each in 1…12, of the single-node cases with identical agents.
    public var identical: [Int]
    /// Cost profiles per case for the regret scan (1…10,000).
    public var profiles: Int
    /// Profiles for revenue equivalence (cheap; default 200).
    public var revenueProfiles: Int?
    /// Evenly spaced misreports per agent and profile (1…10,000).
    public var grid: Int
    /// Master seed of the profiles, probes and sampled markets.
    public var seed: UInt64
    /// Output folder; nil = the CLI's default.
    public var output: String?
    /// Folder of the topology files; nil = `Experiments/topologies`.
    public var topologyDir: String?

    enum CodingKeys: String, CodingKey { case kind, name, priors, mechanisms, topologies, identical, profiles, grid, seed, output, topologyDir = "topology_dir"
        case revenueProfiles = "revenue_profiles" }

    /// Whether a YAML text is a `dsic-priors` spec (its `kind`).
    public static func matches(_ text: String) -> Bool {
        text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("kind: dsic-priors") }
    }

    /// Decodes and validates a `dsic-priors` spec.
    /// - Throws: a `FieldError` naming the field of `file`: wrong `kind`, unknown prior
    ///   family, `identical` outside 1…12, or `profiles`, `revenue_profiles`, `grid` out of range.
    public static func parse(_ text: String, file: String) throws -> DSICPriorsSpec {
        let s = try decodeYAML(DSICPriorsSpec.self, from: text, file: file)
        guard s.kind == "dsic-priors" else { throw FieldError(file: file, field: "kind", reason: "must be dsic-priors") }
        for (k, p) in (s.priors ?? []).enumerated() where !PriorZoo.names.contains(p) {
            throw FieldError(file: file, field: "priors[\(k)]", reason: "\"\(p)\" is not one of \(PriorZoo.names.joined(separator: ", "))")
        }
        for (k, n) in s.identical.enumerated() where !(1...12).contains(n) {
            throw FieldError(file: file, field: "identical[\(k)]", reason: "must be between 1 and 12 (got \(n))")
        }
        for (name, list) in [("priors", s.priors ?? []), ("mechanisms", s.mechanisms), ("topologies", s.topologies), ("identical", s.identical.map(String.init))] {
            if let (k, j) = firstRepeat(in: list) {
                throw FieldError(file: file, field: "\(name)[\(k)]", reason: "\"\(list[k])\" repeats \(name)[\(j)]; list each once")
            }
        }
        if let p = s.priors, p.isEmpty {
            throw FieldError(file: file, field: "priors", reason: "is empty: the sweep would check nothing and pass vacuously (omit it for every family)")
        }
        for (name, list) in [("mechanisms", s.mechanisms), ("identical", s.identical.map(String.init))] where list.isEmpty {
            throw FieldError(file: file, field: name, reason: "is empty: the sweep would check nothing and pass vacuously")
        }
        guard (1...10_000).contains(s.profiles) else { throw FieldError(file: file, field: "profiles", reason: "must be between 1 and 10000") }
        guard (2...100_000).contains(s.revenueProfiles ?? 200) else { throw FieldError(file: file, field: "revenue_profiles", reason: "must be between 2 and 100000") }
        guard (1...10_000).contains(s.grid) else { throw FieldError(file: file, field: "grid", reason: "must be between 1 and 10000") }
        return s
    }
}

/// The `dsic-priors` experiment: builds the cases of every prior family, runs the DSIC harness
/// on each (case, mechanism) and writes CSV and Markdown.
public enum DSICPriorSweep {
    /// One harness report: a prior family, a case and a mechanism.
    public struct Row: Sendable {
        /// The `PriorZoo` family name.
        public let family: String
        /// Case label: `node-k-identical`, `node-asymmetric` or a topology name.
        public let instance: String
        /// Number of agents in the case.
        public let agents: Int
        /// Mechanism name.
        public let mechanism: String
        /// What the DSIC harness found (regret, identity error, IR, revenue equivalence).
        public let report: DSICReport
    }

    /// The cases of one family: single node with k identical agents, single node asymmetric,
    /// each topology with the paper's market (trial 0 of `seed`) and the family on each agent's support.
    static func cases(_ family: String, spec: DSICPriorsSpec, topologies: [Topology]) throws -> [(String, Instance)] {
        func agent(_ id: String, _ fam: String, _ lo: Double, _ hi: Double, tier: Int = 1, rho: Double) throws -> AgentSpec {
            let prior = try PriorZoo.spec(fam, low: lo, high: hi)
            return AgentSpec(id: id, tier: tier, rho: rho, bid: try prior.make().quantile(0.25), prior: prior)
        }
        let node = [NodeSpec(id: "n", difficulty: 1, inputTokens: 200, outputTokens: 1000)]
        var out: [(String, Instance)] = []
        for k in spec.identical {
            let agents = try (0..<k).map { try agent("a\($0)", family, 0, 8, rho: 0.25) }
            out.append(("node-\(k)-identical", try Instance(spec: InstanceSpec(agents: agents, nodes: node, edges: []))))
        }
        let asym = [try agent("a0", family, 0, 8, rho: 0.25), try agent("a1", "uniform", 1, 6, rho: 0.5), try agent("a2", family, 0.5, 10, rho: 1)]
        out.append(("node-asymmetric", try Instance(spec: InstanceSpec(agents: asym, nodes: node, edges: []))))
        for topo in topologies {
            var (ispec, _) = PaperMarket.sample(topology: topo, parameters: [:], seed: SplitMix64.derive(master: spec.seed, index: 0))
            for k in ispec.agents.indices {
                guard let s = ispec.agents[k].prior.support else { continue }
                let a = try agent(ispec.agents[k].id, family, s.lowerBound, s.upperBound, tier: ispec.agents[k].tier, rho: ispec.agents[k].rho)
                ispec.agents[k].prior = a.prior; ispec.agents[k].bid = a.bid
            }
            out.append((topo.name, try Instance(spec: ispec)))
        }
        return out
    }

    /// Every (family, case, mechanism) in parallel; rows in that canonical order whatever the
    /// thread count. `progress(done, total)` is called as jobs finish (from worker threads).
    public static func run(_ spec: DSICPriorsSpec, topologyDirectory: String = "Experiments/topologies", file: String = "spec",
                           threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [Row] {
        let topologies = try SweepRunner.loadTopologies(spec.topologies, directory: spec.topologyDir ?? topologyDirectory, file: file)
        let mechanisms = try SweepRunner.resolveMechanisms(spec.mechanisms, file: file)
        try SweepRunner.refuseEquilibriumEntries(mechanisms, file: file)
        var list: [(String, String, Instance, any Mechanism)] = []
        for family in spec.priors ?? PriorZoo.names {
            for (label, inst) in try cases(family, spec: spec, topologies: topologies) {
                for m in mechanisms { list.append((family, label, inst, m)) }
            }
        }
        let config = DSICConfig(profiles: spec.profiles, grid: spec.grid, revenueProfiles: spec.revenueProfiles ?? 200, seed: spec.seed)
        let jobs = list
        return try IndexedResults<Row>.map(count: jobs.count, threads: threads, progress: progress) { k in
            let (family, label, inst, mech) = jobs[k]
            return Row(family: family, instance: label, agents: inst.agentCount, mechanism: mech.name,
                       report: try DSICHarness.check(mech, instance: inst, config: config))
        }
    }

    /// The rows as CSV: experiment, prior family, instance, agents, mechanism, then the report
    /// columns of ``DSICSweep/reportHeader``.
    /// - Throws: a CSV-writing error.
    public static func csv(_ spec: DSICPriorsSpec, _ rows: [Row]) throws -> String {
        let header = ["experiment", "prior_family", "instance", "agents", "mechanism"] + DSICSweep.reportHeader
        return try csvText(header, rows.map { r in [spec.name, r.family, r.instance, "\(r.agents)", r.mechanism] + DSICSweep.reportCells(r.report) })
    }

    /// One line per (mechanism, family): how many cases were manipulable, the largest regret and
    /// identity error relative to the payment scale, IR violations, revenue equivalence.
    public static func markdown(_ spec: DSICPriorsSpec, _ rows: [Row], command: String) -> String {
        var md = "# \(spec.name)\n\n" + Reports.generatedBy(command)
        md += """
            Every mechanism on every prior family of `PriorZoo` \
            (single node with \(spec.identical.map(String.init).joined(separator: "/")) identical agents, a single node with asymmetric agents, \
            and \(spec.topologies.joined(separator: ", ")) with the paper's market and each agent's prior replaced by the family on its own support); \
            \(spec.profiles) cost profiles per case, grid \(spec.grid) plus as many random bids plus both sides of every step of x_i(z) the harness \
            locates on the allocation alone. \"manipulable\" = regret above 1e-9 × the largest payment. Identity error = max |P − c·x(c) − ∫ x| \
            (Myerson), relative to the payment scale. Revenue equivalence counts the rent across zero-density gaps and the top type's utility; \
            it holds when the 99.9% Student-t interval of the mean difference covers 0. The ironed form E[Σ P] = E[Σ φ̄·x] + top rent \
            (the gap rent is inside E[φ̄·x], since φ̄ is the slope of the envelope of R(q) with its jumps) is an identity for an allocation \
            that pools every ironed stretch — STAR's — and is shown for every mechanism; only STAR is expected to satisfy it.\n\n
            """
        let header = ["mechanism", "prior family", "cases", "manipulable", "max regret / scale", "max identity error / scale", "IR violations",
                      "revenue equivalence holds", "ironed form holds", "probes (grid / random / located / reported)"]
        var table: [[String]] = []
        for g in orderedGroups(rows, by: { "\($0.mechanism)|\($0.family)" }) {
            let bad = g.filter { $0.report.maxRegret > $0.report.tolerance }.count
            let reg = g.map { $0.report.maxRegret / max(1, $0.report.paymentScale) }.max() ?? 0
            let id = g.map { $0.report.identityError / max(1, $0.report.paymentScale) }.max() ?? 0
            let re = g.compactMap(\.report.revenueEquivalence)
            let p = g.reduce(into: ProbeCounts()) { s, r in
                s.grid += r.report.probes.grid; s.random += r.report.probes.random; s.located += r.report.probes.located; s.reported += r.report.probes.reported
            }
            let ironed = re.compactMap(\.ironed)
            table.append([g[0].mechanism, g[0].family, "\(g.count)", "\(bad)", String(format: "%.3g", reg), String(format: "%.3g", id),
                          "\(g.map(\.report.irViolations).reduce(0, +))", "\(re.filter(\.holds).count)/\(re.count)",
                          "\(ironed.filter(\.holds).count)/\(ironed.count)", "\(p.grid) / \(p.random) / \(p.located) / \(p.reported)"])
        }
        return md + markdownTable(header, table)
    }
}
