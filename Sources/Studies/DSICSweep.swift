import Dispatch
import Experiments
import Foundation
import LabIO
import LabNumerics
import Mechanisms
import Sweeps
import Truthfulness
import Workflows

/// DSIC checks over an experiment spec's instances (TheModel.md): the paper's topologies with
/// the paper's market (one market draw per parameter point) plus `randomInstances` small
/// random workflows, for every mechanism. Parallel over (instance, mechanism), results by
/// index, so the CSV does not depend on the number of threads.
public enum DSICSweep {
    /// One harness report: an instance at a parameter point, and a mechanism.
    public struct Row: Sendable {
        /// Instance label: a topology name or `random-SHAPE-k`.
        public let instance: String
        /// The parameter point the instance was drawn at.
        public let point: [String: Double]
        /// Mechanism name.
        public let mechanism: String
        /// What the DSIC harness found.
        public let report: DSICReport
    }

    /// Checks every mechanism of `runner` on each topology at each parameter point (the market's
    /// draw for trial 0) and on `randomInstances` random workflows of 3…6 nodes per point, with
    /// `config`; parallel on `threads`, rows in (point, instance, mechanism) order for any thread count.
    /// - Throws: an instance that cannot be built, or the first harness error by job index.
    public static func run(_ runner: SweepRunner, randomInstances: Int, config: DSICConfig,
                           threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> [Row] {
        let spec = runner.spec
        try SweepRunner.refuseEquilibriumEntries(runner.mechanisms, file: spec.name)
        var cases: [(String, [String: Double], Instance)] = []
        for point in runner.points {
            for topo in runner.topologies {
                let (ispec, _) = PaperMarket.sample(topology: topo, parameters: point, seed: SplitMix64.derive(master: spec.seed, index: 0), market: runner.market)
                cases.append((topo.name, point, try Instance(spec: ispec)))
            }
            for k in 0..<randomInstances {
                var g = SplitMix64(seed: SplitMix64.derive(master: spec.seed, index: UInt64(1000 + k)))
                let shape = RandomWorkflow.Shape.allCases[k % 4]
                let ispec = RandomWorkflow.instance(shape, nodes: Int.random(in: 3...6, using: &g), perTier: 1,
                                                    kappa: k % 2 == 0 ? 0 : 0.3, bimodal: (point["bimodal"] ?? 0) != 0, using: &g)
                cases.append(("random-\(shape.rawValue)-\(k)", point, try Instance(spec: ispec)))
            }
        }
        let jobs = cases.flatMap { c in runner.mechanisms.map { (c, $0) } }
        return try IndexedResults<Row>.map(count: jobs.count, threads: threads) { k in
            let ((name, point, inst), mech) = jobs[k]
            return Row(instance: name, point: point, mechanism: mech.name, report: try DSICHarness.check(mech, instance: inst, config: config))
        }
    }

    /// The rows as CSV: experiment, instance, swept parameters, mechanism, then ``reportHeader``'s columns.
    /// - Throws: a CSV-writing error.
    public static func csv(_ spec: ExperimentSpec, _ rows: [Row]) throws -> String {
        let params = spec.sweptNames
        let header = ["experiment", "instance"] + params + ["mechanism"] + reportHeader
        return try csvText(header, rows.map { r in [spec.name, r.instance] + params.map { num(r.point[$0] ?? .nan) } + [r.mechanism] + reportCells(r.report) })
    }

    /// CSV columns of one DSIC report (shared by every DSIC experiment's CSV).
    public static let reportHeader = ["profiles", "evaluations", "max_regret", "mean_regret", "profitable_share", "ir_violations", "tolerance",
        "payment_scale", "worst_profile", "worst_agent", "worst_true_cost", "worst_bid", "worst_gain", "re_expected_payment",
        "re_expected_virtual_cost", "re_ci_low", "re_ci_high", "re_holds", "identity_error", "probes_grid", "probes_random",
        "probes_located", "probes_reported", "re_ironed_expected", "re_ironed_holds"]

    /// One report's cells in ``reportHeader`` order (worst-case and revenue-equivalence cells empty when absent).
    public static func reportCells(_ report: DSICReport) -> [String] {
        var row = ["\(report.profiles)", "\(report.evaluations)", num(report.maxRegret), num(report.meanRegret)]
        row += [num(report.profitableShare), "\(report.irViolations)", num(report.tolerance), num(report.paymentScale)]
        if let w = report.worst {
            row += ["\(w.profile)", w.agent, num(w.trueCost), num(w.bid), num(w.gain)]
        } else {
            row += ["", "", "", "", ""]
        }
        if let re = report.revenueEquivalence {
            row += [num(re.expectedPayment), num(re.expectedVirtualCost), num(re.ciLow), num(re.ciHigh), re.holds ? "1" : "0"]
        } else {
            row += ["", "", "", "", ""]
        }
        let pc = report.probes
        row += [num(report.identityError), "\(pc.grid)", "\(pc.random)", "\(pc.located)", "\(pc.reported)"]
        // The ironed form E[Σ φ̄·x] + top rent (an identity for allocations that pool ironed stretches: STAR's).
        if let ir = report.revenueEquivalence?.ironed {
            row += [num(ir.expected), ir.holds ? "1" : "0"]
        } else {
            row += ["", ""]
        }
        return row
    }

    /// table.md: per mechanism and parameter point, how many instances were manipulable, the
    /// largest regret and identity error relative to the payment scale, IR violations, the worst
    /// misreport and revenue equivalence. `command` is quoted as what generated the file.
    public static func markdown(_ spec: ExperimentSpec, _ rows: [Row], command: String) -> String {
        var md = "# \(spec.name)\n\n" + Reports.generatedBy(command)
        md += "For each instance and mechanism, true costs are drawn from the priors "
        md += "and every agent's misreports are scanned (grid, random bids, both sides of every step of x_i(z) the harness locates on the allocation alone, and of every breakpoint the mechanism reports). The identity error is Myerson's |P − c·x(c) − ∫ x| with x from the allocation alone; revenue equivalence (every mechanism) counts the rent across zero-density gaps and the top type's utility. Regret is in the "
        md += "instance's payment units ($·10⁶ for the paper's topologies); \"manipulable\" = regret above 1e-9 × the largest payment.\n\n"
        let header = ["mechanism"] + spec.sweptNames + ["instances", "manipulable instances", "max regret / payment scale", "IR violations",
                      "worst misreport (instance: agent, cost → bid, gain)", "max identity error / payment scale", "revenue equivalence"]
        var table: [[String]] = []
        var keys: [String] = []
        var groups: [String: [Row]] = [:]
        for r in rows {
            let key = r.mechanism + "|" + spec.sweptNames.map { num(r.point[$0] ?? .nan) }.joined(separator: "|")
            if groups[key] == nil { keys.append(key) }
            groups[key, default: []].append(r)
        }
        for key in keys {
            let g = groups[key]!
            let bad = g.filter { $0.report.maxRegret > $0.report.tolerance }
            let rel = g.map { $0.report.maxRegret / max(1, $0.report.paymentScale) }.max() ?? 0
            let worstRow = g.max { $0.report.maxRegret < $1.report.maxRegret }
            let worst = worstRow.flatMap { r in r.report.worst.map { "\(r.instance): \($0.agent), \(String(format: "%.4g", $0.trueCost)) → \(String(format: "%.4g", $0.bid)), +\(String(format: "%.4g", $0.gain))" } } ?? "none"
            let re = g.compactMap(\.report.revenueEquivalence)
            let reText = re.isEmpty ? "–" : "holds on \(re.filter(\.holds).count)/\(re.count)"
            let idRel = g.map { $0.report.identityError / max(1, $0.report.paymentScale) }.max() ?? 0
            table.append([g[0].mechanism] + spec.sweptNames.map { num(g[0].point[$0] ?? .nan) }
                         + ["\(g.count)", "\(bad.count)", String(format: "%.3g", rel), "\(g.map(\.report.irViolations).reduce(0, +))", worst,
                            String(format: "%.3g", idRel), reText])
        }
        return md + markdownTable(header, table)
    }
}
