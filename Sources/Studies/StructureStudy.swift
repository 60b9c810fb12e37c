import Experiments
import Foundation
import LabIO
import LabNumerics
import Sweeps
import Workflows

/// The `structure` experiment (issue 30): which structural patterns of a workflow drive STAR's
/// saving. Each swept parameter of `WorkflowStructure` takes its listed values with the others
/// at `default`; each point is `graph_draws` seeded draws of the generator (ordinary topologies),
/// each run with the paper's market for `trials` trials like any sweep.
///
///     kind: structure
///     name: structure
///     mechanisms: [star, myopic, homogeneous]
///     trials: 20
///     seed: 300                        # market trials
///     graph_seed: 30                   # the generator's draws (the same seeds at every point)
///     graph_draws: 5                   # draws per point; the saving pools their trials
///     default: {fan_out: 3, depth: 3, width: 3, cycles: 1, hard_share: 0.4, edge_tokens: 30000}
///     sweep:
///       fan_out: [0, 1, 3, 6, 9]
///       depth: [1, 2, 3, 5, 8]
public struct StructureSpec: Codable, Sendable, WritesResults {
    /// Must be `structure`.
    public var kind: String
    /// Experiment name (first CSV column; default output folder).
    public var name: String
    /// Mechanism names; must include `star`, `myopic` and `homogeneous` (the savings' three terms).
    public var mechanisms: [String]
    /// Market trials per point (2…10,000: an interval needs two).
    public var trials: Int
    /// Master seed of the market trials.
    public var seed: UInt64
    /// Master seed of the generator's draws (token counts, hard nodes): draw k uses the same seed at every point.
    public var graphSeed: UInt64
    /// Draws of the generator per point (1…50): each is a topology, and a point's saving pools
    /// the trials of all its draws, so it is not one draw's accident.
    public var graphDraws: Int
    /// The structure every parameter is held at while another is swept.
    public var `default`: WorkflowStructure
    /// Parameter name → values (each list non-empty).
    public var sweep: [String: [Double]]
    /// Output folder; nil = the CLI's default.
    public var output: String?

    enum CodingKeys: String, CodingKey { case kind, name, mechanisms, trials, seed, sweep, output, `default`, graphSeed = "graph_seed", graphDraws = "graph_draws" }

    /// Whether a YAML text is a `structure` spec (its `kind`).
    public static func matches(_ text: String) -> Bool {
        text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("kind: structure") }
    }

    /// The swept parameters in `WorkflowStructure.parameterNames` order.
    public var sweptNames: [String] { WorkflowStructure.parameterNames.filter { sweep[$0] != nil } }

    /// Decodes and validates a `structure` spec.
    /// - Throws: a `FieldError` naming the field of `file` (`sweep.depth[2]`, `default.hard_share`, …).
    public static func parse(_ text: String, file: String) throws -> StructureSpec {
        let s = try decodeYAML(StructureSpec.self, from: text, file: file)
        func bad(_ field: String, _ reason: String) -> FieldError { FieldError(file: file, field: field, reason: reason) }
        guard s.kind == "structure" else { throw bad("kind", "must be structure") }
        for m in ["star", "myopic", "homogeneous"] where !s.mechanisms.contains(m) {
            throw bad("mechanisms", "must include \(m) (STAR's saving is paired against myopic and homogeneous)")
        }
        guard (2...10_000).contains(s.trials) else { throw bad("trials", "must be between 2 and 10000 (got \(s.trials))") }
        guard (1...50).contains(s.graphDraws) else { throw bad("graph_draws", "must be between 1 and 50 (got \(s.graphDraws))") }
        do { try s.default.validate() } catch let e as FieldError { throw e.within("default").reading(file) }
        guard !s.sweep.isEmpty else { throw bad("sweep", "is empty: nothing to sweep") }
        for (name, values) in s.sweep.sorted(by: { $0.key < $1.key }) {
            guard WorkflowStructure.parameterNames.contains(name) else {
                throw bad("sweep.\(name)", "is not a structure parameter (\(WorkflowStructure.parameterNames.joined(separator: ", ")))")
            }
            guard !values.isEmpty else { throw bad("sweep.\(name)", "is empty") }
            if let (k, j) = firstRepeat(in: values) { throw bad("sweep.\(name)[\(k)]", "repeats sweep.\(name)[\(j)]") }
            for (k, v) in values.enumerated() {
                do { try s.default.setting(name, to: v).validate() } catch let e as FieldError { throw bad("sweep.\(name)[\(k)]", e.reason) }
            }
        }
        return s
    }
}

/// The structure sweep: topologies per point, the sweep's trials, per-point savings, CSV and Markdown.
public enum StructureStudy {
    /// One point: a parameter at one value, the others at the default.
    public struct Point: Sendable {
        /// The swept parameter.
        public let parameter: String
        /// Its value here.
        public let value: Double
        /// The full structure.
        public let structure: WorkflowStructure
        /// The generated workflows, one per draw (ordinary topology JSON when encoded).
        public let topologies: [Topology]
    }

    /// One point's result.
    public struct Result: Sendable {
        /// The point.
        public let point: Point
        /// STAR's paired saving 1 − star/baseline over the trials, per baseline (`myopic`, `homogeneous`).
        public let saving: [String: Summary]
        /// Mean total payment per mechanism.
        public let payment: [String: Summary]
    }

    /// The topology name of draw k of a point: `PARAM-VALUE-gK` (e.g. `depth-5-g0`, `hard_share-0.4-g2`).
    public static func topologyName(_ parameter: String, _ value: Double, draw k: Int) -> String { "\(parameter)-\(num(value))-g\(k)" }

    /// Every point of `spec` with its `graph_draws` draws; draw k is seeded by
    /// `SplitMix64.derive(master: graph_seed, index: k)` at every point.
    /// - Throws: a `FieldError` from the generator (the spec's validation rules it out).
    public static func points(_ spec: StructureSpec) throws -> [Point] {
        try spec.sweptNames.flatMap { name in
            try spec.sweep[name]!.map { v in
                let s = try spec.default.setting(name, to: v)
                let topologies = try (0..<spec.graphDraws).map { k in
                    var g = SplitMix64(seed: SplitMix64.derive(master: spec.graphSeed, index: UInt64(k)))
                    let (nodes, edges) = try s.generate(using: &g)
                    let source = "WorkflowStructure " + WorkflowStructure.parameterNames.map { "\($0)=\(num(s.value($0)!))" }.joined(separator: " ")
                        + ", graph_seed \(spec.graphSeed), draw \(k)"
                    return Topology(name: topologyName(name, v, draw: k), source: source, nodes: nodes, edges: edges)
                }
                return Point(parameter: name, value: v, structure: s, topologies: topologies)
            }
        }
    }

    /// The sweep over every draw of every point with the paper's market: the trial rows, and per
    /// point STAR's saving 1 − star/baseline paired per (draw, trial) over all its draws' trials.
    /// Trials in parallel; rows in canonical order whatever the thread count.
    /// - Throws: a mechanism error on any trial.
    public static func run(_ spec: StructureSpec, points: [Point], threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> (rows: [TrialRow], results: [Result]) {
        let sweepSpec = experimentSpec(spec, points)
        let runner = try SweepRunner(spec: sweepSpec, market: .paper, topologies: points.flatMap(\.topologies), file: spec.name)
        let rows = try runner.run(threads: threads, progress: progress)
        var payments: [String: [String: [Double]]] = [:]   // topology → mechanism → payments in trial order
        for r in rows { payments[r.topology, default: [:]][r.mechanism, default: []].append(r.totalPayment) }
        let results = points.map { p in
            var pooled: [String: [Double]] = [:]
            for t in p.topologies { for (m, xs) in payments[t.name] ?? [:] { pooled[m, default: []] += xs } }
            var saving: [String: Summary] = [:]
            for b in Reports.savingBaselines { if let s = pooled["star"], let x = pooled[b], s.count == x.count { saving[b] = relativeSaving(ours: s, baseline: x) } }
            return Result(point: p, saving: saving, payment: pooled.mapValues { Summary($0) })
        }
        return (rows, results)
    }

    /// The ordinary sweep spec the structure spec runs as (its topologies are the points' draws).
    public static func experimentSpec(_ spec: StructureSpec, _ points: [Point]) -> ExperimentSpec {
        ExperimentSpec(name: spec.name, topologies: points.flatMap { $0.topologies.map(\.name) }, mechanisms: spec.mechanisms, trials: spec.trials, seed: spec.seed)
    }

    /// summary.csv: per point, the parameter and value, its draws, the graph's size (the same for
    /// every draw), the pooled trials, STAR's saving vs each baseline with its 95 % interval, and
    /// each mechanism's mean payment.
    /// - Throws: a CSV-writing error.
    public static func csv(_ spec: StructureSpec, _ results: [Result]) throws -> String {
        let header = ["experiment", "parameter", "value", "draws", "nodes", "edges", "cyclomatic", "trials",
                      "saving_vs_myopic", "saving_vs_myopic_ci_low", "saving_vs_myopic_ci_high",
                      "saving_vs_homogeneous", "saving_vs_homogeneous_ci_low", "saving_vs_homogeneous_ci_high"]
            + spec.mechanisms.map { "payment_\($0)" }
        return try csvText(header, results.map { r in
            let t = r.point.topologies[0]
            var row = [spec.name, r.point.parameter, num(r.point.value), "\(r.point.topologies.count)", "\(t.nodes.count)", "\(t.edges.count)",
                       "\(t.edges.count - t.nodes.count + 1)", "\(spec.trials * r.point.topologies.count)"]
            for b in ["myopic", "homogeneous"] {
                let s = r.saving[b]
                row += [s.map { num($0.mean) } ?? "", s.map { num($0.ciLow) } ?? "", s.map { num($0.ciHigh) } ?? ""]
            }
            return row + spec.mechanisms.map { m in r.payment[m].map { num($0.mean) } ?? "" }
        })
    }

    /// How far a parameter moves a saving: the values with the lowest and highest mean saving,
    /// and whether their 95 % intervals are disjoint.
    struct Effect { let parameter: String, low: Result, high: Result, range: Double, separated: Bool }

    static func effects(_ results: [Result], baseline: String) -> [Effect] {
        orderedGroups(results, by: \.point.parameter).compactMap { g in
            let withSaving = g.filter { $0.saving[baseline] != nil }
            guard let lo = withSaving.min(by: { $0.saving[baseline]!.mean < $1.saving[baseline]!.mean }),
                  let hi = withSaving.max(by: { $0.saving[baseline]!.mean < $1.saving[baseline]!.mean }) else { return nil }
            let a = lo.saving[baseline]!, b = hi.saving[baseline]!
            return Effect(parameter: g[0].point.parameter, low: lo, high: hi, range: b.mean - a.mean, separated: a.ciHigh < b.ciLow)
        }.sorted { $0.range > $1.range }
    }

    /// table.md: the verdict (parameters ranked by how far they move each saving, computed from
    /// the results), then one table per parameter. `command` is quoted as the generator.
    public static func markdown(_ spec: StructureSpec, _ results: [Result], command: String) -> String {
        func pct(_ s: Summary?) -> String { s.map { "\(Reports.percent($0.mean)) [\(Reports.percent($0.ciLow)), \(Reports.percent($0.ciHigh))]" } ?? "–" }
        var md = "# \(spec.name)\n\n## Verdict\n\n"
        for b in ["myopic", "homogeneous"] {
            let e = effects(results, baseline: b)
            md += "- **Saving vs \(b)**, parameters ranked by the spread of the mean saving over their values: "
            md += e.map { x in
                "`\(x.parameter)` \(Reports.percent(x.range)) (\(num(x.low.point.value)) → \(Reports.percent(x.low.saving[b]!.mean)), \(num(x.high.point.value)) → \(Reports.percent(x.high.saving[b]!.mean))\(x.separated ? ", intervals disjoint" : ", intervals overlap"))"
            }.joined(separator: "; ") + ".\n"
        }
        md += "\nA spread whose extreme points' 95 % intervals overlap is not distinguishable from noise (market trials and graph draws) at \(spec.trials * spec.graphDraws) paired trials per point.\n\n"
        let d = spec.default
        md += Reports.generatedBy(command)
        md += "Each point is \(spec.graphDraws) draws (graph_seed \(spec.graphSeed); draw k has the same seed at every point) of the structure generator (`WorkflowStructure`: token counts and which nodes are hard vary between draws) "
        md += "with one parameter at the listed value and the others at the default (fan_out \(d.fanOut), depth \(d.depth), width \(d.width), cycles \(d.cycles), "
        md += "hard_share \(num(d.hardShare)), edge_tokens \(num(d.edgeTokens))); \(spec.trials) trials of the paper's market per draw (seed \(spec.seed)), pooled: \(spec.trials * spec.graphDraws) paired trials per point. "
        md += "Saving = 1 − STAR / baseline total payment, paired per trial, mean and 95 % t-interval. The generated topologies are in `topologies/`, "
        md += "the figures `fig-PARAMETER.png` come from `Scripts/structure-figures` (reads summary.csv).\n"
        for g in orderedGroups(results, by: \.point.parameter) {
            md += "\n## \(g[0].point.parameter)\n\n![\(g[0].point.parameter)](fig-\(g[0].point.parameter).png)\n\n"
            md += markdownTable([g[0].point.parameter, "nodes", "edges", "cycles in skeleton", "saving vs myopic", "saving vs homogeneous"], g.map { r in
                let t = r.point.topologies[0]
                return [num(r.point.value), "\(t.nodes.count)", "\(t.edges.count)", "\(t.edges.count - t.nodes.count + 1)", pct(r.saving["myopic"]), pct(r.saving["homogeneous"])]
            })
        }
        return md
    }

    /// Each point's topology as `topologies/NAME.json` (the format of `Experiments/topologies/`).
    /// - Throws: an encoding error.
    public static func topologyFiles(_ points: [Point]) throws -> [(name: String, json: String)] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try points.flatMap(\.topologies).map { ("\($0.name).json", String(decoding: try enc.encode($0), as: UTF8.self) + "\n") }
    }
}
