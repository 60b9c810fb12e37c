import Foundation
import LabIO
import LabNumerics

/// CSV and Markdown text of the learning-curve, overhead and feasible-region studies (pure
/// functions; the CLI writes them). Each `runs` argument pairs a label (the spec's name, the
/// `simulator` column) with that run's study, so one file holds every simulator.
public enum StudyReports {
    static func cells(_ s: Summary) -> [String] { [num(s.mean), num(s.ciLow), num(s.ciHigh)] }
    static func header(_ names: [String]) -> [String] { names.flatMap { [$0, "\($0)_ci_low", "\($0)_ci_high"] } }

    /// learning-curves.csv: per simulator, domain, arm and metric, the rolling mean at each window end.
    /// - Throws: a CSV-writing error.
    public static func curvesCSV(_ runs: [(label: String, curves: LearningCurves)], step: Int) throws -> String {
        try csvText(["simulator", "domain", "arm", "metric", "window", "task_index", "orders", "mean", "ci_low", "ci_high"],
                    runs.flatMap { run in run.curves.curves(step: step).map { p in
                        [run.label, p.domain, p.arm.rawValue, p.metric, "\(run.curves.window)", "\(p.taskIndex)", "\(p.value.count)"] + cells(p.value)
                    } })
    }

    /// self-improvement.csv: per simulator, domain, arm and metric, the slope per 100 tasks and the
    /// first and last fifth of the stream (the `memory_minus_no_memory` arm: memory's effect).
    /// - Throws: a CSV-writing error.
    public static func trendsCSV(_ runs: [(label: String, curves: LearningCurves)]) throws -> String {
        try csvText(["simulator", "domain", "arm", "metric", "orders", "tasks"] + header(["slope_per_100", "first_fifth", "last_fifth", "last_minus_first"]),
                    runs.flatMap { run in run.curves.trends().map { t in
                        [run.label, t.domain, t.arm.rawValue, t.metric, "\(t.slopePer100.count)", "\(t.tasks)"] +
                            cells(t.slopePer100) + cells(t.firstFifth) + cells(t.lastFifth) + cells(t.change)
                    } })
    }

    /// overhead.csv: per simulator and slice, the overhead by part, its share of SALE's cost, the
    /// cost changes vs the largest agent and the break-even overhead.
    /// - Throws: a CSV-writing error.
    public static func overheadCSV(_ runs: [(label: String, rows: [OverheadStudy.Row])]) throws -> String {
        let names = ["execution", "plans", "jury", "lookups", "overhead", "largest", "overhead_share", "overhead_share_no_lookups",
                     "change_execution", "change_charged", "change_all", "break_even", "break_even_multiple", "break_even_share"]
        return try csvText(["simulator", "domain", "bin", "orders", "tasks"] + header(names), runs.flatMap { run in run.rows.map { r in
            [run.label, r.slice.domainName, r.slice.binName, "\(r.orders)", "\(r.tasks)"] +
                [r.execution, r.plans, r.jury, r.lookups, r.overhead, r.largest, r.overheadShare, r.overheadShareNoLookups,
                 r.changeExecution, r.changeCharged, r.changeAll, r.breakEven, r.breakEvenMultiple, r.breakEvenShare].flatMap(cells)
        } })
    }

    /// design.csv: every design point (field values), whether it passed the screen, is feasible or is
    /// not excluded, its screen means, and its confirmation means with 95 % intervals over datasets;
    /// a screened-out point's confirmation fields are empty, explained in a `note` column.
    /// - Throws: a CSV-writing error.
    public static func designCSV(_ design: CalibrationDesign, _ results: [FeasibleSearch.PointResult]) throws -> String {
        try SaleReports.csvWithNotes(["point"] + design.axes.map(\.name) + ["passed_screen", "feasible", "not_excluded", "screen_datasets", "screen_reliance", "screen_cost",
                                                                            "screen_pass_gap", "confirm_datasets"] + header(["reliance", "cost", "pass_gap"]), results.map { r in
            let s = FeasibleSearch.summaries(r.screen), c = FeasibleSearch.summaries(r.confirm)
            let row = ["\(r.index)"] + r.point.map(num) + [r.passedScreen ? "1" : "0", r.feasible ? "1" : "0", r.notExcluded ? "1" : "0", "\(r.screen.count)",
                                                             num(s.reliance.mean), num(s.cost.mean), num(s.passGap.mean), "\(r.confirm.count)"] +
                cells(c.reliance) + cells(c.cost) + cells(c.passGap)
            return (row, "screened out: the screen means were not near every window, so the point was not run on the held-out datasets")
        })
    }

    /// datasets.csv: every evaluated (point, dataset): stage, dataset index and seed, the three figures.
    /// - Throws: a CSV-writing error.
    public static func datasetsCSV(_ results: [FeasibleSearch.PointResult], seed: (Int) -> UInt64) throws -> String {
        try csvText(["point", "stage", "dataset", "dataset_seed", "reliance", "cost", "pass_gap"], results.flatMap { r in
            (r.screen.map { ("screen", $0) } + r.confirm.map { ("confirm", $0) }).enumerated().map { d, x in
                ["\(r.index)", x.0, "\(d)", "\(seed(d))", num(x.1.reliance), num(x.1.cost), num(x.1.passGap)]
            }
        })
    }
}

extension StudyReports {
    /// How far `f` is from meeting every window: the largest excess over a window, in fraction
    /// units (0 when all three hold).
    public static func violation(_ f: HeadlineFigures, _ c: FeasibilityCriteria) -> Double {
        max(0, abs(f.reliance - c.reliance) - c.tolerance, abs(f.cost - c.cost) - c.tolerance, c.minPassGap - f.passGap)
    }

    /// verdict.md of a feasible-region search: counts, the region's estimated share of the box (or a
    /// 95 % upper bound when empty), the nearest points, and the trade-off that binds.
    public static func feasibleMarkdown(_ search: FeasibleSearch, _ design: CalibrationDesign, _ results: [FeasibleSearch.PointResult],
                                        command: String, source: String) -> String {
        let c = search.criteria
        func pt(_ x: Double) -> String { x.isFinite ? String(format: "%+.1f", 100 * x) : "n/a" }
        func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.1f %%", 100 * x) : "n/a" }
        let screened = results.filter(\.passedScreen), feasible = results.filter(\.feasible)
        var md = "# Feasible region of SALE's headline figures\n\nGenerated by `\(command)` (\(source)). No LLM was called.\n\n"
        md += "Windows (the paper's figures, labelled as the paper's): reliance on the largest agent \(pt(c.reliance)) % ± \(String(format: "%.0f", 100 * c.tolerance)) points, " +
            "total cost \(pt(c.cost)) % ± \(String(format: "%.0f", 100 * c.tolerance)) points, SALE pass@1 − largest agent's pass@1 ≥ \(pt(c.minPassGap)) points; " +
            "each judged on the mean over \(search.confirm) held-out datasets (one task order each) that the screen did not use.\n\n"
        md += markdownTable(["axis", "low", "high"], design.axes.map { [$0.name, num($0.low), num($0.high)] })
        md += "\n## Verdict\n\n"
        md += markdownTable(["quantity", "value"], [
            ["design points (Latin hypercube, seed \(search.seed))", "\(results.count)"],
            ["passed the screen (\(search.screen) datasets, windows widened by \(String(format: "%.0f", 100 * search.slack)) points)", "\(screened.count)"],
            ["feasible on the \(search.confirm) held-out datasets (means in every window)", "\(feasible.count)"],
            ["not excluded (every 95 % interval over the held-out datasets reaches its window)", "\(results.filter(\.notExcluded).count)"],
            ["estimated share of the box that is feasible", feasible.isEmpty ?
                "0 of \(results.count); 95 % upper bound \(pct(FeasibleSearch.emptyUpperBound(results.count)))" : pct(Double(feasible.count) / Double(results.count))],
        ])
        func figs(_ r: FeasibleSearch.PointResult) -> (HeadlineFigures, String) {
            let fs = r.confirm.isEmpty ? r.screen : r.confirm
            return (FeasibleSearch.mean(fs), r.confirm.isEmpty ? "screen (\(fs.count))" : "held out (\(fs.count))")
        }
        md += "\n## Nearest points (smallest largest excess over a window)\n\n"
        let nearest = results.sorted { (violation(figs($0).0, c), $0.index) < (violation(figs($1).0, c), $1.index) }.prefix(5)
        md += markdownTable(["point"] + design.axes.map(\.name) + ["judged on", "reliance %", "cost %", "pass@1 gap (pt)", "excess (pt)"], nearest.map { r in
            let (f, on) = figs(r)
            return ["\(r.index)"] + r.point.map { String(format: "%.3g", $0) } + [on, pt(f.reliance), pt(f.cost), pt(f.passGap), String(format: "%.1f", 100 * violation(f, c))]
        })
        // The trade-off: among points whose reliance and cost are in their windows, the pass@1 gap.
        let inWindows = results.map { ($0, figs($0).0) }.filter { abs($0.1.reliance - c.reliance) <= c.tolerance && abs($0.1.cost - c.cost) <= c.tolerance }
        let relGap = Summary(results.map { figs($0).0.passGap })
        md += "\n## The binding trade-off\n\n"
        if inWindows.isEmpty {
            md += "No design point has both reliance and cost inside their windows.\n"
        } else {
            let gaps = inWindows.map(\.1.passGap)
            md += "\(inWindows.count) point(s) have reliance and cost inside their windows; their pass@1 gap ranges from \(pt(gaps.min()!)) to \(pt(gaps.max()!)) points " +
                "(\(gaps.filter { $0 >= c.minPassGap }.count) at or above \(pt(c.minPassGap))).\n"
        }
        let xs = results.map { figs($0).0 }
        let r = pearson(xs.map(\.reliance), xs.map(\.passGap))
        md += "\nWhich field moves which figure: correlation across the \(results.count) points (screen means) of each field with each figure.\n\n"
        md += markdownTable(["field", "reliance change", "cost change", "pass@1 gap"], design.axes.indices.map { k in
            let v = results.map { $0.point[k] }, sm = results.map { FeasibleSearch.mean($0.screen) }
            return [design.axes[k].name] + [sm.map(\.reliance), sm.map(\.cost), sm.map(\.passGap)].map { String(format: "%+.2f", pearson(v, $0)) }
        })
        md += "\nAcross all \(results.count) points the pass@1 gap has mean \(pt(relGap.mean)) points, and its correlation with the reliance change is \(String(format: "%.2f", r)) " +
            (r > 0 ? "(positive: the more SALE cuts its reliance on the largest agent, i.e. the more negative the reliance change, the further its pass@1 falls below the largest agent's).\n" : "(not positive: cutting reliance does not cost pass@1 across this box).\n")
        return md
    }

    /// Pearson correlation (NaN when either has no spread).
    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
    }
}
