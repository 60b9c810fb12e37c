import Experiments
import Foundation
import LabIO
import LabNumerics
import Sweeps

/// The files of `Results/calibration/` and the calibrated market file.
public struct CalibrationReport: Sendable {
    /// The validated calibration problem.
    public let problem: CalibrationProblem
    /// What the calibration found.
    public let result: CalibrationResult
    /// The target's topologies simulated in the starting market and in the calibrated one.
    public let defaultTable: SimulatedTable
    /// The target's topologies simulated in the calibrated market.
    public let calibratedTable: SimulatedTable
    /// One-at-a-time effects: each free switch alone moved to its calibrated value.
    public let effects: [(switch_: String, value: String, table: SimulatedTable)]
    /// The command line quoted in generated files.
    public let command: String

    /// Simulates what the report shows (the default and calibrated markets on every target
    /// topology, and each free switch alone) with the calibration's seed and trials.
    public init(calibrator: Calibrator, result: CalibrationResult, command: String,
                progress: (String) -> Void = { _ in }) throws {
        let p = calibrator.problem
        problem = p; self.result = result; self.command = command
        progress("simulating the starting market on \(p.target.topologies.joined(separator: ", "))")
        defaultTable = try calibrator.simulate(p.market, topologies: p.target.topologies)
        progress("simulating the calibrated market")
        calibratedTable = try calibrator.simulate(result.market, topologies: p.target.topologies)
        var effects: [(String, String, SimulatedTable)] = []
        for f in p.free {
            let v = f.switch_.value(in: result.market)
            guard v != f.switch_.value(in: p.market) else { continue }
            progress("effect of \(f.name) = \(v) alone")
            effects.append((f.name, v, try calibrator.simulate(try f.switch_.setting(v, in: p.market), topologies: p.target.topologies)))
        }
        self.effects = effects
    }

    var target: CalibrationTarget { problem.target }
    func role(_ topology: String) -> String { problem.fitTopologies.contains(topology) ? "fit" : "held-out" }

    /// `fit.csv`: every switch, its starting and calibrated value, bounds when free.
    public func fitCSV() throws -> String {
        let header = ["switch", "kind", "free", "start", "calibrated", "low", "high", "options", "meaning"]
        return try csvText(header, CalibrationSwitch.all.map { sw in
            let f = problem.free.first { $0.name == sw.name }
            let cont = sw.isContinuous
            return [sw.name, cont ? "continuous" : "discrete", f == nil ? "false" : "true", sw.value(in: problem.market),
                    sw.value(in: result.market), f.flatMap { cont ? num($0.low) : nil } ?? "", f.flatMap { cont ? num($0.high) : nil } ?? "",
                    f.map { $0.options.joined(separator: " ") } ?? "", sw.meaning]
        })
    }

    /// One compared quantity: a cell's mean (with the paper's std) or a saving (without).
    public struct Residual: Sendable {
        /// What is compared (`mean` or `saving_pct`), where, and whether it was fitted (`fit`) or
        /// predicted (`held-out`).
        public let quantity: String, topology: String, mechanism: String, role: String
        /// The paper's value (mean in $, or saving in percent), its std (nil for savings), and ours in
        /// the calibrated and in the starting market.
        public let paper: Double, paperStd: Double?, ours: Double, byDefault: Double
        /// (ours − paper) / std for means, ours − paper in percentage points for savings.
        public var residual: Double { paperStd.map { (ours - paper) / $0 } ?? (ours - paper) }
        /// ``residual`` for the starting market.
        public var defaultResidual: Double { paperStd.map { (byDefault - paper) / $0 } ?? (byDefault - paper) }
        /// Within the paper's ±1 std (means) or ±3 pp (savings).
        public var within: Bool { abs(residual) <= (paperStd == nil ? 3 : 1) }
    }

    /// Means (every target cell) then savings (every topology × baseline).
    public var residuals: [Residual] {
        var out: [Residual] = []
        for topo in target.topologies { for m in target.mechanisms {
            let c = target.cell(topo, m)
            out.append(Residual(quantity: "mean", topology: topo, mechanism: m, role: role(topo), paper: c.mean, paperStd: c.std,
                                ours: calibratedTable.mean[topo]![m]!, byDefault: defaultTable.mean[topo]![m]!))
        } }
        for topo in target.topologies { for b in target.baselines {
            out.append(Residual(quantity: "saving_pct", topology: topo, mechanism: "\(target.subject) vs \(b)", role: "held-out",
                                paper: target.saving(topo, b), paperStd: nil,
                                ours: calibratedTable.saving(topo, subject: target.subject, baseline: b),
                                byDefault: defaultTable.saving(topo, subject: target.subject, baseline: b)))
        } }
        return out
    }

    /// `residuals.csv`: one row per cell; `z` is in units of std/√trials (the distance's unit),
    /// empty for savings (the paper gives no spread for them; `note` says so).
    public func residualsCSV() throws -> String {
        let n = Double(target.trials).squareRoot()
        let header = ["quantity", "topology", "mechanism", "role", "paper", "paper_std", "default", "calibrated",
                      "residual", "default_residual", "residual_unit", "z", "within_tolerance", "tolerance", "note"]
        var rows = residuals.map { r in
            let isMean = r.paperStd != nil
            return [r.quantity, r.topology, r.mechanism, r.role, num(r.paper), r.paperStd.map(num) ?? "", num(r.byDefault), num(r.ours),
                    num(r.residual), num(r.defaultResidual), isMean ? "paper std" : "percentage points",
                    r.paperStd.map { num((r.ours - r.paper) / ($0 / n)) } ?? "", r.within ? "true" : "false",
                    isMean ? "1 std" : "3 pp", isMean ? "" : "the paper reports no spread for savings; z undefined"]
        }
        // Standard deviations: z in units of the sample std's standard error, paper std/√(2(n−1)).
        let se = (2 * Double(target.trials - 1)).squareRoot()
        for topo in target.topologies { for m in target.mechanisms {
            let c = target.cell(topo, m), ours = calibratedTable.std[topo]![m]!, def = defaultTable.std[topo]![m]!
            let role = problem.spec.fitStd == true && problem.fitTopologies.contains(topo) ? "fit" : "held-out"
            rows.append(["std", topo, m, role, num(c.std), "", num(def), num(ours), num(ours / c.std - 1), num(def / c.std - 1),
                         "relative (ours / paper − 1)", num((ours - c.std) / (c.std / se)), "", "",
                         "the paper states no tolerance for stds; z uses the sample std's standard error"])
        } }
        return try csvText(header, rows)
    }

    /// Coefficient of variation of k = 1 + β·E(t) with t ~ U(0, 24): E = ½(1 + sin θ) with a
    /// uniform phase has mean ½ and variance ⅛, so CV = β·√⅛ / (1 + β/2). Every payment is
    /// k × (a quantity independent of t), so no cell's std/mean can be below this.
    public static func diurnalCV(beta: Double) -> Double { beta * (0.125).squareRoot() / (1 + beta / 2) }

    /// `effects.csv`: each free switch moved alone from its starting to its calibrated value.
    public func effectsCSV() throws -> String {
        let header = ["switch", "value", "quantity", "topology", "mechanism", "default", "moved", "change"]
        var rows: [[String]] = []
        for (name, value, t) in effects {
            for topo in target.topologies {
                for m in target.mechanisms {
                    let d = defaultTable.mean[topo]![m]!, x = t.mean[topo]![m]!
                    rows.append([name, value, "mean", topo, m, num(d), num(x), num(x / d - 1)])
                }
                for b in target.baselines {
                    let d = defaultTable.saving(topo, subject: target.subject, baseline: b), x = t.saving(topo, subject: target.subject, baseline: b)
                    rows.append([name, value, "saving_pct", topo, "\(target.subject) vs \(b)", num(d), num(x), num(x - d)])
                }
            }
        }
        return try csvText(header, rows)
    }

    /// `table.md`: the paper beside the calibrated reproduction beside today's default, with
    /// the counts that answer "is the table reproduced?".
    public func tableMarkdown() -> String {
        let rs = residuals
        let means = rs.filter { $0.paperStd != nil }, savings = rs.filter { $0.paperStd == nil }
        let held = means.filter { $0.role == "held-out" }
        func f2(_ x: Double) -> String { String(format: "%.2f", x) }
        func f1(_ x: Double) -> String { String(format: "%.1f", x) }
        var md = "# Calibration against \(target.name)\n\n"
        md += Reports.generatedBy(command, "seed \(problem.spec.seed), \(problem.spec.trials) trials per cell, common random numbers")
        md += "Columns labelled **paper** are \(target.source); every other number was produced by the command above. "
        md += "Fitted on \(problem.fitTopologies.joined(separator: ", ")); \(problem.heldOutTopologies.isEmpty ? "no topology" : problem.heldOutTopologies.joined(separator: ", ")) and every saving are held out (predicted, not fitted). "
        md += "Distance on the fit cells: Σ z², z = (ours − paper)/(paper std/√\(target.trials))\(problem.spec.fitStd == true ? " for means, plus (ours std − paper std)/(paper std/√(2(n−1))) for stds" : " (means only)"); calibrated \(String(format: "%.4g", result.distance)) after \(result.evaluations) objective evaluations.\n\n"
        md += "## Calibrated switches\n\n"
        md += markdownTable(["switch", "start", "calibrated", "bounds"], problem.free.map { f in
            let bounds = f.switch_.isContinuous ? "[\(num(f.low)), \(num(f.high))]" : f.options.joined(separator: " / ")
            return ["`\(f.name)`", "\(f.switch_.value(in: problem.market))", "\(f.switch_.value(in: result.market))", bounds]
        })
        md += "\n## Mean total payment\n\nResidual = (ours − paper) / paper std; ✓ = within the paper's ±1 std.\n\n"
        md += markdownTable(["cell", "role", "paper", "default", "calibrated", "residual (default)", "residual (calibrated)", ""], means.map { r in
            ["\(r.topology) \(r.mechanism)", r.role, "\(f2(r.paper)) ± \(f2(r.paperStd!))", "\(f2(r.byDefault)) ± \(f2(defaultTable.std[r.topology]![r.mechanism]!))",
             "\(f2(r.ours)) ± \(f2(calibratedTable.std[r.topology]![r.mechanism]!))", f2(r.defaultResidual), f2(r.residual), r.within ? "✓" : "✗"]
        })
        md += "\n## Savings of \(target.subject) (1 − mean \(target.subject) / mean baseline, %)\n\nAll held out; ✓ = within ±3 percentage points of the paper.\n\n"
        md += markdownTable(["cell", "paper", "default", "calibrated", "ours − paper (pp)", ""], savings.map { r in
            ["\(r.topology) \(r.mechanism)", f1(r.paper), f1(r.byDefault), f1(r.ours), f1(r.residual), r.within ? "✓" : "✗"]
        })
        md += "\n## Spread (std / mean)\n\n"
        let betaStart = problem.market.defaults["beta"] ?? 1.5, betaCal = result.market.defaults["beta"] ?? 1.5
        func cvFloor(_ m: MarketSpec, _ beta: Double) -> String {
            m.assumed.diurnalMode == .fixed ? "0 (t fixed)" : String(format: "%.3f (β = %.3g)", Self.diurnalCV(beta: beta), beta)
        }
        md += "With t drawn per trial, every payment is k = 1 + β·E(t) times a quantity independent of t, so std/mean ≥ CV(k) = β·√⅛/(1 + β/2): "
        md += "start market \(cvFloor(problem.market, betaStart)), calibrated \(cvFloor(result.market, betaCal)).\n\n"
        md += markdownTable(["cell", "paper", "default", "calibrated"], target.topologies.flatMap { topo in target.mechanisms.map { m in
            let c = target.cell(topo, m)
            return ["\(topo) \(m)"] + [c.std / c.mean, defaultTable.std[topo]![m]! / defaultTable.mean[topo]![m]!,
                                         calibratedTable.std[topo]![m]! / calibratedTable.mean[topo]![m]!].map { String(format: "%.3f", $0) }
        } })
        let fitMeans = means.filter { $0.role == "fit" }
        md += "\n## Verdict (counted by the command)\n\n"
        md += "- Means within the paper's ±1 std: \(means.filter(\.within).count) of \(means.count) "
        md += "(fit cells \(fitMeans.filter(\.within).count) of \(fitMeans.count); held-out \(held.filter(\.within).count) of \(held.count)); default market: \(means.filter { abs($0.defaultResidual) <= 1 }.count) of \(means.count).\n"
        md += "- Held-out means within ±2 std: \(held.filter { abs($0.residual) <= 2 }.count) of \(held.count).\n"
        md += "- Savings within ±3 pp: \(savings.filter(\.within).count) of \(savings.count); default market: \(savings.filter { abs($0.defaultResidual) <= 3 }.count) of \(savings.count).\n"
        let all = means.allSatisfy(\.within) && savings.allSatisfy(\.within) && held.allSatisfy { abs($0.residual) <= 2 }
        md += "- The paper's table is \(all ? "" : "**not** ")reproduced under one setting of the free switches\(all ? "" : " (see `residuals.csv` and Results/calibration/README.md for the binding assumption)").\n"
        if !effects.isEmpty {
            md += "\n## Each switch alone (start → calibrated value, others at start): change of each mean, %\n\n"
            md += markdownTable(["switch = value"] + target.topologies.flatMap { t in target.mechanisms.map { "\(t) \($0)" } }, effects.map { name, value, t in
                ["`\(name)` = \(value)"] + target.topologies.flatMap { topo in target.mechanisms.map { m in
                    String(format: "%+.0f", 100 * (t.mean[topo]![m]! / defaultTable.mean[topo]![m]! - 1)) } }
            })
        }
        md += "\n## Search\n\n\(result.screened.count) discrete setting(s) screened at the start point; the best \(result.refined.count) refined by Nelder–Mead (GSL nmsimplex2).\n\n"
        md += markdownTable(["setting", "screen distance", "refined distance", "NM iterations / evaluations"],
                            result.screened.sorted(by: { $0.distance < $1.distance }).map { s, d in
            let r = result.refined.first { $0.setting == s }
            return [Calibrator.describe(s), String(format: "%.4g", d), r.map { String(format: "%.4g", $0.distance) } ?? "–",
                    r?.result.map { "\($0.iterations) / \($0.evaluations)\($0.converged ? "" : " (cap)")" } ?? "–"]
        })
        return md
    }

    /// The calibrated market as a market file (loadable by `MarketSpec.load`).
    public func marketYAML(name: String) -> String {
        let m = result.market, a = m.assumed
        var y = "# Generated by `\(command)`: the market \(problem.spec.market ?? "paper (built in)") with the free switches\n"
        y += "# (\(problem.free.map(\.name).joined(separator: ", "))) fitted to \(target.name) — \(target.source).\n"
        y += "# These values are our fit, not the paper's. Seed \(problem.spec.seed), \(problem.spec.trials) trials.\n"
        y += "name: \(name)\nbase_prices:\n" + m.basePrices.map { "  - [" + $0.map(num).joined(separator: ", ") + "]\n" }.joined()
        y += "scarcity: [\(num(m.scarcity[0])), \(num(m.scarcity[1]))]\nprior_low_fraction: \(num(m.priorLowFraction))\n"
        y += "defaults: {" + ExperimentSpec.defaults.map { "\($0.0): \(num(m.defaults[$0.0] ?? $0.1))" }.joined(separator: ", ") + "}\n"
        y += "assumptions:\n  payment_scale: \(num(a.scale))\n  edge_tokens: \(a.edgeMode.rawValue)\n  diurnal: \(a.diurnalMode.rawValue)\n"
        y += "  diurnal_hour: \(num(a.hour))\n  bundle_bidders: \(a.bundle.rawValue)\n  baseline_cap: \(a.cap.rawValue)\n"
        return y
    }

    /// Writes fit.csv, residuals.csv, effects.csv, table.md into `dir` and the market file to
    /// `marketFile`, all published together (nothing is written if any fails).
    public func write(to dir: URL, marketFile: URL) throws {
        let name = marketFile.deletingPathExtension().lastPathComponent
        try AtomicFile.writeAll([(dir.appendingPathComponent("fit.csv"), try fitCSV()),
                                 (dir.appendingPathComponent("residuals.csv"), try residualsCSV()),
                                 (dir.appendingPathComponent("effects.csv"), try effectsCSV()),
                                 (dir.appendingPathComponent("table.md"), tableMarkdown()),
                                 (marketFile, marketYAML(name: name))])
    }
}
