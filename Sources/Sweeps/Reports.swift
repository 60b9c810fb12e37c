import Equilibrium
import Experiments
import Foundation
import LabIO
import LabNumerics

/// The sweep's report files (trials.csv, summary.csv, table.md): pure functions of the spec and
/// its rows.
public enum Reports {
    /// `trials.csv`: one row per (trial, mechanism, parameter point), with the seed that reproduces it.
    public static func trialsCSV(_ spec: ExperimentSpec, _ rows: [TrialRow]) throws -> String {
        let params = spec.sweptNames
        let eq = spec.hasEquilibrium
        let header = ["experiment", "topology", "mechanism", "trial", "seed"] + params +
            ["total_payment", "true_cost", "virtual_cost", "bid_cost", "share_tier1", "share_tier2", "share_tier3", "solver_calls"] +
            (eq ? EquilibriumMeasures.columns : [])
        return try csvText(header, rows.map { r in
            [spec.name, r.topology, r.mechanism, "\(r.trial)", "\(r.seed)"] + params.map { num(r.parameters[$0] ?? .nan) } +
                [num(r.totalPayment), num(r.trueCost), num(r.virtualCost), num(r.bidCost)] + r.tierShare.map(num) + ["\(r.solverCalls)"] +
                (eq ? EquilibriumMeasures.cells(r.equilibrium, target: spec.equilibriumTarget) : [])
        })
    }

    /// A summary row's group: a topology at one parameter point.
    public struct Group: Hashable { public let topology: String; public let point: [String: Double] }

    /// The statistics of one (group, mechanism) cell: total payment, and for `star` the paired
    /// savings 1 − star/baseline against each baseline present (`myopic`, `homogeneous`).
    public struct Cell: Sendable, Equatable {
        /// Total payment over trials, in $: mean, std and 95% t-interval.
        public let payment: Summary
        /// For `star`: per baseline name, the paired saving 1 − star/baseline over trials (a fraction);
        /// empty for other mechanisms.
        public let savingVs: [String: Summary]
        /// For an equilibrium entry: its certificates over the cell's trials.
        public let equilibrium: EquilibriumCell?
        /// A cell from its payment summary, savings and (for an equilibrium entry) certificates.
        public init(payment: Summary, savingVs: [String: Summary], equilibrium: EquilibriumCell? = nil) {
            self.payment = payment; self.savingVs = savingVs; self.equilibrium = equilibrium
        }
    }

    /// The certificates of one equilibrium entry's trials in a cell.
    public struct EquilibriumCell: Sendable, Equatable {
        /// Largest relative ε over the trials (each trial's is its worst agent's).
        public var maxRelativeEpsilon: Double = -.infinity
        /// Trials whose relative ε is above the spec's target ("not converged").
        public var notConverged = 0
        /// Trials with a stored certificate.
        public var trials = 0
        /// Per trial with STAR in the spec: STAR's expected saving 1 − E[STAR]/E[equilibrium]
        /// (expectations over the trial's priors, on the certificate's profiles, paired).
        public var expectedSavings: [Double] = []
        /// Per trial: the paired gap E[equilibrium] − E[STAR] ($; Myerson: ≥ 0 at an exact equilibrium).
        public var myersonGaps: [Double] = []
        /// Per trial: the upper end of that gap's 95 % interval over the trial's profiles ($).
        public var myersonGapHighs: [Double] = []
        /// Per trial: the sum of the agents' ε ($), the slack an ε-equilibrium leaves Myerson's bound.
        public var epsilonSums: [Double] = []
        mutating func add(_ measures: [Double], target: Double) {
            guard measures.count == EquilibriumMeasures.stored, !measures[1].isNaN else { return }
            maxRelativeEpsilon = max(maxRelativeEpsilon, measures[1])
            if measures[1] > target { notConverged += 1 }
            trials += 1
            if !measures[5].isNaN, measures[3] > 0 {
                expectedSavings.append(1 - measures[5] / measures[3])
                myersonGaps.append(measures[6]); myersonGapHighs.append(measures[8]); epsilonSums.append(measures[9])
            }
        }
    }

    /// The baselines STAR's paired savings are taken against.
    public static let savingBaselines = ["myopic", "homogeneous"]

    /// The baselines of `spec`: myopic and homogeneous, then its equilibrium entries.
    public static func savingBaselines(for spec: ExperimentSpec) -> [String] {
        savingBaselines + spec.mechanisms.filter { AtEquilibrium.baseName($0) != nil }
    }

    /// Rows grouped by (topology, point), then mechanism → per-trial payments in trial order.
    static func grouped(_ rows: [TrialRow]) -> [(Group, [String: [Double]])] {
        var order: [Group] = []
        var map: [Group: [String: [Double]]] = [:]
        for r in rows {
            let g = Group(topology: r.topology, point: r.parameters)
            if map[g] == nil { order.append(g); map[g] = [:] }
            map[g]![r.mechanism, default: []].append(r.totalPayment)
        }
        return order.map { ($0, map[$0]!) }
    }

    /// The cells of rows held in memory (the reference for the streaming accumulators of
    /// `ReportStream`, which give the same values bit for bit).
    public static func cells(_ rows: [TrialRow]) -> [(Group, [String: Cell])] {
        cells(rows, baselines: savingBaselines, target: 0.01)
    }

    /// The cells of `spec`'s rows (its saving baselines and equilibrium target).
    public static func cells(_ spec: ExperimentSpec, _ rows: [TrialRow]) -> [(Group, [String: Cell])] {
        cells(rows, baselines: savingBaselines(for: spec), target: spec.equilibriumTarget)
    }

    static func cells(_ rows: [TrialRow], baselines: [String], target: Double) -> [(Group, [String: Cell])] {
        var eq: [Group: [String: EquilibriumCell]] = [:]
        for r in rows where !r.equilibrium.isEmpty && !r.equilibrium[1].isNaN {
            eq[Group(topology: r.topology, point: r.parameters), default: [:]][r.mechanism, default: EquilibriumCell()].add(r.equilibrium, target: target)
        }
        return grouped(rows).map { g, byMech in
            var cells: [String: Cell] = [:]
            for (mech, xs) in byMech {
                var savings: [String: Summary] = [:]
                if mech == "star" {
                    for base in baselines { if let b = byMech[base], b.count == xs.count { savings[base] = relativeSaving(ours: xs, baseline: b) } }
                }
                cells[mech] = Cell(payment: Summary(xs), savingVs: savings, equilibrium: eq[g]?[mech])
            }
            return (g, cells)
        }
    }

    /// `summary.csv`: mean, std and 95% interval of total payment per group and mechanism,
    /// and for `star` the paired saving 1 − star/baseline vs myopic and homogeneous.
    public static func summaryCSV(_ spec: ExperimentSpec, _ rows: [TrialRow]) throws -> String {
        try summaryCSV(spec, cells: cells(spec, rows))
    }

    /// summary.csv from precomputed cells (the streaming merge builds them without holding rows).
    /// - Throws: a CSV-writing error.
    public static func summaryCSV(_ spec: ExperimentSpec, cells groups: [(Group, [String: Cell])]) throws -> String {
        let params = spec.sweptNames
        let baselines = savingBaselines(for: spec)
        let eq = spec.hasEquilibrium
        let header = ["experiment", "topology", "mechanism"] + params +
            ["trials", "mean", "std", "ci_low", "ci_high"] +
            baselines.flatMap { ["saving_vs_\($0)", "saving_vs_\($0)_ci_low", "saving_vs_\($0)_ci_high"] } +
            (eq ? ["max_relative_epsilon", "not_converged_trials", "expected_saving_of_star", "expected_saving_of_star_ci_low",
                   "expected_saving_of_star_ci_high", "myerson_gap", "myerson_gap_ci_low", "myerson_gap_ci_high",
                   "myerson_shortfall_trials", "mean_epsilon_sum"] : [])
        var out: [[String]] = []
        for (g, byMech) in groups {
            for mech in spec.mechanisms {
                guard let c = byMech[mech] else { continue }
                let s = c.payment
                var row = [spec.name, g.topology, mech] + params.map { num(g.point[$0] ?? .nan) } +
                    ["\(s.count)", num(s.mean), num(s.std), num(s.ciLow), num(s.ciHigh)]
                for base in baselines {
                    if let sv = c.savingVs[base] { row += [num(sv.mean), num(sv.ciLow), num(sv.ciHigh)] } else { row += ["", "", ""] }
                }
                if eq {
                    if let e = c.equilibrium, e.trials > 0 {
                        row += [num(e.maxRelativeEpsilon), "\(e.notConverged)"]
                        if e.myersonGaps.isEmpty { row += Array(repeating: "", count: 8) } else {
                            let sv = Summary(e.expectedSavings), g = Summary(e.myersonGaps)
                            row += [num(sv.mean), num(sv.ciLow), num(sv.ciHigh), num(g.mean), num(g.ciLow), num(g.ciHigh),
                                    "\(e.myersonGapHighs.filter { $0 < 0 }.count)", num(Summary(e.epsilonSums).mean)]
                        }
                    } else { row += Array(repeating: "", count: 10) }
                }
                out.append(row)
            }
        }
        return try csvText(header, out)
    }

    /// The paper's two columns of table.md for `topology`, from `paper` (the STAR paper's Table 1,
    /// `PaperNumbers.starTable1` (Experiments), unless a test passes another): "STAR / Myopic / Homogeneous"
    /// as mean ± std with two decimals, and STAR's savings vs Myopic / vs Homogeneous in percent
    /// with one, as the paper prints them; nil where `paper` lacks the topology or one of the three.
    static func paperColumns(_ paper: CalibrationTarget, topology: String) -> (payments: String, savings: String)? {
        let mechs = ["star", "myopic", "homogeneous"]
        guard let cells = paper.cells[topology], let savings = paper.savings[topology] else { return nil }
        let pms = mechs.compactMap { m in cells[m].map { String(format: "%.2f ± %.2f", $0.mean, $0.std) } }
        let pcts = mechs.dropFirst().compactMap { m in savings[m].map { String(format: "%.1f %%", $0) } }
        guard pms.count == 3, pcts.count == 2 else { return nil }
        return (pms.joined(separator: " / "), pcts.joined(separator: " / "))
    }

    /// `table.md`: ours beside the paper's numbers (labelled), with STAR's savings and intervals.
    public static func tableMarkdown(_ spec: ExperimentSpec, _ rows: [TrialRow], command: String) -> String {
        tableMarkdown(spec, cells: cells(spec, rows), command: command)
    }

    /// table.md from precomputed cells: mean ± std of total payment per topology and mechanism,
    /// beside the paper's Table 1 where it has the topology; `command` is quoted as the generator.
    /// `paper` is the published table printed in the paper's columns (default: the STAR paper's
    /// Table 1 as kept in `Experiments/targets/star-table1.yaml`).
    public static func tableMarkdown(_ spec: ExperimentSpec, cells groups: [(Group, [String: Cell])], command: String,
                                     paper: CalibrationTarget = PaperNumbers.starTable1) -> String {
        if spec.hasEquilibrium { return equilibriumTableMarkdown(spec, cells: groups, command: command) }
        func pm(_ c: Cell?) -> String {
            guard let s = c?.payment else { return "–" }
            return String(format: "%.2f ± %.2f", s.mean, s.std)
        }
        var md = "# \(spec.name)\n\n" + generatedBy(command, "seed \(spec.seed), \(spec.trials) trials per cell")
        md += "Total payment in $ (prices in $ per 1M tokens × tokens / 10⁶), mean ± std over trials; "
        md += "savings are paired per trial, 1 − STAR/baseline, mean with 95% t-interval.\n\n"
        let params = spec.sweptNames
        let extra = spec.mechanisms.filter { !["star", "myopic", "homogeneous"].contains($0) }
        md += "| topology | " + params.map { "\($0) | " }.joined() + "STAR | Myopic | Homogeneous | " + extra.map { "\($0) | " }.joined()
        md += "STAR vs Myopic | STAR vs Homogeneous | paper: STAR / Myopic / Homogeneous | paper: savings |\n"
        md += "|" + String(repeating: "---|", count: 8 + params.count + extra.count) + "\n"
        for (g, by) in groups {
            let published = paperColumns(paper, topology: g.topology)
            let paperP = published?.payments ?? "–", paperS = published?.savings ?? "–"
            md += "| \(g.topology) | " + params.map { "\(num(g.point[$0] ?? .nan)) | " }.joined()
            md += "\(pm(by["star"])) | \(pm(by["myopic"])) | \(pm(by["homogeneous"])) | " + extra.map { "\(pm(by[$0])) | " }.joined()
            md += "\(savingText(by["star"], "myopic")) | \(savingText(by["star"], "homogeneous")) | \(paperP) | \(paperS) |\n"
        }
        md += "\nThe paper's columns are the STAR paper's Table 1 (labelled \"paper\"), as kept in Experiments/targets/star-table1.yaml; every other number was produced by the command above.\n"
        return md
    }

    /// "Generated by `COMMAND` (DETAILS). ": the sentence that opens every report's explanation,
    /// naming what wrote the file (the line set aside when a regenerated report is compared).
    public static func generatedBy(_ command: String, _ details: String? = nil) -> String {
        "Generated by `\(command)`" + (details.map { " (\($0))" } ?? "") + ". "
    }

    /// A share as a percentage with two decimals ("0.82 %"), as the equilibrium tables print ε.
    public static func percent(_ x: Double) -> String { String(format: "%.2f %%", 100 * x) }

    /// STAR's paired saving against `base` as "mean % [ci_low, ci_high]", or "–" when absent.
    static func savingText(_ star: Cell?, _ base: String) -> String {
        guard let s = star?.savingVs[base] else { return "–" }
        return String(format: "%.1f %% [%.1f, %.1f]", 100 * s.mean, 100 * s.ciLow, 100 * s.ciHigh)
    }

    /// `table.md` of a spec with equilibrium entries, three tables per the cells:
    /// 1. every mechanism's mean payment with its 95 % interval over trials, each equilibrium
    ///    figure with its certificate (largest relative ε over the trials; **not converged** with
    ///    the count where a trial's relative ε is above the target);
    /// 2. STAR's paired savings against each equilibrium entry with their half-widths: on the
    ///    trials' drawn costs (as Table 1), and in expectation over each trial's priors (on the
    ///    certificate's profiles, which removes the spread of one draw of costs);
    /// 3. Myerson's bound per cell: E[equilibrium] − E[STAR], paired, with the trials whose own
    ///    interval lies below 0 (a shortfall) and the mean ε-sum, the slack that may explain one.
    static func equilibriumTableMarkdown(_ spec: ExperimentSpec, cells groups: [(Group, [String: Cell])], command: String) -> String {
        let params = spec.sweptNames
        let entries = spec.mechanisms.filter { AtEquilibrium.baseName($0) != nil }
        let target = spec.equilibriumTarget
        func interval(_ s: Summary) -> String { String(format: "%.2f [%.2f, %.2f]", s.mean, s.ciLow, s.ciHigh) }
        func figure(_ c: Cell?) -> String {
            guard let c else { return "–" }
            var text = interval(c.payment)
            if let e = c.equilibrium, e.trials > 0 {
                text += e.notConverged == 0 ? " (ε ≤ \(percent(e.maxRelativeEpsilon)))"
                    : " (**not converged** in \(e.notConverged)/\(e.trials): max ε \(percent(e.maxRelativeEpsilon)))"
            }
            return text
        }
        func saving(_ s: Summary?) -> String {
            guard let s, s.count > 1 else { return "–" }
            return String(format: "%.1f %% [%.1f, %.1f] (± %.1f)", 100 * s.mean, 100 * s.ciLow, 100 * s.ciHigh, 100 * (s.ciHigh - s.ciLow) / 2)
        }
        func key(_ g: Group) -> [String] { [g.topology] + params.map { num(g.point[$0] ?? .nan) } }
        var md = "# \(spec.name)\n\n" + generatedBy(command, "seed \(spec.seed), \(spec.trials) trials per cell")
        md += """
            Total payment in $ on each trial's drawn costs, mean [95 % interval] over trials. Truthful mechanisms are priced at truthful bids; \
            `X\(AtEquilibrium.suffix)` is X when every agent bids its computed Bayes–Nash equilibrium bid function at its cost \
            (one equilibrium per trial, from that trial's priors). Beside every equilibrium figure: the largest relative ε of its \
            certificates over the trials (an agent's gain from its best deviation ÷ its equilibrium utility, on fresh profiles); \
            **not converged** where a trial's relative ε is above \(percent(target)) (trials.csv has every trial's ε with its interval).\n\n
            """
        md += markdownTable(["topology"] + params + spec.mechanisms, groups.map { g, by in key(g) + spec.mechanisms.map { figure(by[$0]) } })
        md += """
            \n**STAR's saving against each equilibrium**, 1 − STAR/X paired per trial, mean [95 % interval] (± half-width), in points. \
            *Drawn costs*: on the trial's one draw of costs, as Table 1. *Expected*: 1 − E[STAR]/E[X] with both expectations over \
            the trial's priors on the certificate's fresh profiles (common random numbers), so one draw's luck drops out.\n\n
            """
        md += markdownTable(["topology"] + params + entries.flatMap { ["STAR vs \($0), drawn costs", "STAR vs \($0), expected"] },
                            groups.map { g, by in
            key(g) + entries.flatMap { e in [saving(by["star"]?.savingVs[e]), saving(by[e]?.equilibrium.map { Summary($0.expectedSavings) })] }
        })
        md += """
            \n**Myerson's bound**, per cell: no mechanism's expected payment at a Bayes–Nash equilibrium is below STAR's (the optimal \
            mechanism's) at truthful bids. Gap = E[X at equilibrium] − E[STAR] in $, paired on each trial's certificate profiles, mean \
            [95 % interval] over trials; *shortfalls*: trials whose own 95 % interval of the gap lies below 0; *ε-sum*: the mean over \
            trials of Σᵢ max(0, εᵢ) ($), by which an ε-equilibrium's payment can fall short of the bound.\n\n
            """
        var rows: [[String]] = []
        for (g, by) in groups {
            for e in entries {
                guard let c = by[e]?.equilibrium, !c.myersonGaps.isEmpty else { continue }
                let gap = Summary(c.myersonGaps), eps = Summary(c.epsilonSums)
                let short = c.myersonGapHighs.filter { $0 < 0 }.count
                let worst = c.myersonGaps.min() ?? 0
                let verdict: String
                if gap.ciLow >= 0 { verdict = "holds: E[STAR] ≤ E[\(e)]" }
                else if gap.mean >= 0 { verdict = "holds within noise (interval includes 0)" }
                else if -gap.mean <= eps.mean { verdict = String(format: "shortfall %.4f $ ≤ ε-sum %.4f $: explained by ε", -gap.mean, eps.mean) }
                else { verdict = String(format: "**shortfall %.4f $ > ε-sum %.4f $**", -gap.mean, eps.mean) }
                rows.append(key(g) + [e, String(format: "%.4f [%.4f, %.4f]", gap.mean, gap.ciLow, gap.ciHigh),
                                      "\(short)/\(c.myersonGaps.count)", String(format: "%.4f", worst), String(format: "%.4f", eps.mean), verdict])
            }
        }
        md += markdownTable(["topology"] + params + ["entry", "gap E[X] − E[STAR] ($)", "shortfalls", "smallest trial gap ($)", "ε-sum ($)", "Myerson's bound"], rows)
        md += "\nEvery number was produced by the command above.\n"
        return md
    }

    /// Writes trials.csv, summary.csv and table.md into `dir`, published together: all three
    /// go to temporaries first and are renamed into place only when every one is complete.
    public static func write(_ spec: ExperimentSpec, _ rows: [TrialRow], to dir: URL, command: String) throws {
        let trials = try trialsCSV(spec, rows), summary = try summaryCSV(spec, rows)
        let table = tableMarkdown(spec, rows, command: command)
        try AtomicFile.writeAll([(dir.appendingPathComponent("trials.csv"), trials),
                                 (dir.appendingPathComponent("summary.csv"), summary),
                                 (dir.appendingPathComponent("table.md"), table)])
    }
}
