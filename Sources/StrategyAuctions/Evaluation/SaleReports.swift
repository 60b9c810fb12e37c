import Foundation
import LabIO
import LabNumerics

/// The files `auctionlab sale` writes: trials.csv, summary.csv, table.md, studies.csv,
/// manipulation.csv, weights.csv. Pure functions of the runner's results.
public struct SaleReports: Sendable {
    /// The runner whose spec and data the reports describe.
    public let runner: SaleRunner
    /// The runner's results, one per order in order index.
    public let results: [SaleRunner.OrderResult]
    /// (method, slice) → metrics per order, in order index.
    let perOrder: [String: [Slice: [MethodMetrics]]]

    /// Reports over `results`; groups every method's per-task rows into metrics per order and
    /// slice once. O(rows × slices).
    public init(runner: SaleRunner, results: [SaleRunner.OrderResult]) {
        self.runner = runner; self.results = results
        var map: [String: [Slice: [MethodMetrics]]] = [:]
        for r in results {
            var byMethod: [String: [SaleRunner.Row]] = [:]
            for row in r.rows { byMethod[row.method, default: []].append(row) }
            for (m, rows) in byMethod {
                for s in Slice.standard {
                    map[m, default: [:]][s, default: []].append(MethodMetrics(rows.filter { s.contains(runner.data.records[$0.record].task) }.map(\.execution)))
                }
            }
        }
        perOrder = map
    }

    func metrics(_ method: String, _ slice: Slice = Slice(domain: nil, bin: nil)) -> [MethodMetrics] { perOrder[method]?[slice] ?? [] }

    /// trials.csv: one row per order, method and test task (agent, success, tokens, dollars, and
    /// whether the largest agent ran).
    /// - Throws: a CSV-writing error (`LabIO`).
    public func trialsCSV() throws -> String {
        let d = runner.data
        let header = ["order", "seed", "method", "task_id", "domain", "bin", "agent", "success", "tokens", "cost_usd", "largest"]
        return try csvText(header, results.flatMap(\.rows).map { r in
            let t = d.records[r.record].task, e = r.execution
            return ["\(r.order)", "\(r.seed)", r.method, t.id, t.domain.rawValue, "\(t.bin)", d.agents[e.agent].name,
                    e.success ? "1" : "0", num(e.tokens), num(e.cost), e.usedLargest ? "1" : "0"]
        })
    }

    static func cells(_ s: Summary) -> [String] { [num(s.mean), num(s.ciLow), num(s.ciHigh)] }

    /// CSV whose undefined numbers (NaN or infinite: `num` writes them as `nan`) become empty
    /// fields. When any row has one, a last column `note` names the empty fields and says
    /// why they are undefined; otherwise the file is exactly what it was before notes existed.
    static func csvWithNotes(_ header: [String], _ rows: [(cells: [String], why: String)]) throws -> String {
        var noted = false
        let out = rows.map { r -> [String] in
            let undefined = r.cells.indices.filter { r.cells[$0] == "nan" }
            guard !undefined.isEmpty else { return r.cells + [""] }
            noted = true
            var cells = r.cells
            for i in undefined { cells[i] = "" }
            return cells + ["undefined: \(undefined.map { header[$0] }.joined(separator: ", ")) (\(r.why))"]
        }
        return noted ? try csvText(header + ["note"], out) : try csvText(header, out.map { Array($0.dropLast()) })
    }

    /// Why a metric over `o` can be undefined.
    static func why(_ o: MethodMetrics.OverOrders) -> String {
        if o.tasks == 0 { return "no test tasks in this slice: the data have no task of this domain or bin, or too few tasks to leave any for testing" }
        return "no tokens were spent in this slice, so $ per Mtok has no denominator"
    }

    /// summary.csv: per method and slice, each metric's mean and 95% t-interval over orders;
    /// undefined numbers are empty fields explained in a `note` column.
    /// - Throws: a CSV-writing error.
    public func summaryCSV() throws -> String {
        let header = ["method", "domain", "bin", "orders", "tasks"] +
            ["pass_at_1", "cost_per_task", "usd_per_mtok", "largest_share"].flatMap { [$0, "\($0)_ci_low", "\($0)_ci_high"] }
        var rows: [(cells: [String], why: String)] = []
        for m in runner.methods {
            for s in Slice.standard {
                let o = MethodMetrics.OverOrders(metrics(m, s))
                // With no tasks every per-task mean is 0/0 (MethodMetrics stores 0 there): undefined.
                let cells = o.tasks == 0 ? Array(repeating: "nan", count: 12) :
                    Self.cells(o.passAt1) + Self.cells(o.costPerTask) + Self.cells(o.usdPerMtok) + Self.cells(o.largestShare)
                rows.append(([m, s.domainName, s.binName, "\(o.orders)", "\(o.tasks)"] + cells, Self.why(o)))
            }
        }
        return try Self.csvWithNotes(header, rows)
    }

    /// studies.csv: per study point, SALE's metrics (and the deviating agent's win share) with 95%
    /// t-intervals over orders; undefined numbers are empty fields explained in a `note` column.
    /// - Throws: a CSV-writing error.
    public func studiesCSV() throws -> String {
        let header = ["study", "value", "agent", "orders"] +
            ["pass_at_1", "cost_per_task", "largest_share", "agent_win_share"].flatMap { [$0, "\($0)_ci_low", "\($0)_ci_high"] }
        return try Self.csvWithNotes(header, orderedGroups(results.flatMap(\.studies)) { "\($0.study)|\($0.value)|\($0.agent)" }.map { rs in
            let o = MethodMetrics.OverOrders(rs.map(\.metrics))
            let share = rs.compactMap(\.agentShare)
            let metrics = o.tasks == 0 ? Array(repeating: "nan", count: 9) : Self.cells(o.passAt1) + Self.cells(o.costPerTask) + Self.cells(o.largestShare)
            return ([rs[0].study, num(rs[0].value), rs[0].agent, "\(rs.count)"] + metrics +
                    (share.isEmpty ? ["", "", ""] : Self.cells(Summary(share))), Self.why(o))
        })
    }

    /// manipulation.csv: per misreport kind and agent, the regret in dollars over every (order, test
    /// task) profile — maximum, mean, share of profitable misreports and the worst case.
    /// - Throws: a CSV-writing error.
    public func manipulationCSV() throws -> String {
        let header = ["mechanism", "manipulation", "agent", "orders", "profiles", "max_regret", "mean_regret", "profitable_share",
                      "worst_order", "worst_task", "worst_misreport", "worst_gain"]
        return try csvText(header, orderedGroups(results.flatMap(\.manipulation)) { "\($0.kind)|\($0.agent)" }.map { rs in
            let regrets = rs.flatMap(\.regrets)
            let worst = rs.compactMap { r in r.worst.map { (r.order, $0) } }.max { $0.1.gain < $1.1.gain }
            return ["sale", rs[0].kind, rs[0].agent, "\(rs.count)", "\(regrets.count)", num(regrets.max() ?? 0),
                    num(regrets.reduce(0, +) / Double(max(regrets.count, 1))),
                    num(Double(regrets.filter { $0 > 1e-12 }.count) / Double(max(regrets.count, 1))),
                    worst.map { "\($0.0)" } ?? "", worst?.1.task ?? "", worst.map { num($0.1.misreport) } ?? "", worst.map { num($0.1.gain) } ?? ""]
        })
    }

    /// weights.csv: SALE's fitted score weights per order, with how many training tasks the fit won.
    /// - Throws: a CSV-writing error.
    public func weightsCSV() throws -> String {
        let header = ["order", "seed", "w_cost", "w_entropy"] + runner.data.agents.map { "w_grade_by_\($0.name)" } + ["fit_won", "fit_tasks", "fit_bound", "fit_optimal"]
        return try csvText(header, results.enumerated().compactMap { o, r in
            r.weights.isEmpty ? nil : ["\(o)", "\(runner.orderSeed(o))"] + r.weights.map(num) + ["\(r.fit.won)", "\(r.fit.tasks)", "\(r.fit.bound)", r.fit.won == r.fit.bound ? "yes" : "no"]
        })
    }

    /// Per-order paired ratio 1 − ours/baseline of a metric, summarised over orders.
    func reduction(_ ours: [MethodMetrics], _ base: [MethodMetrics], _ key: KeyPath<MethodMetrics, Double>) -> Summary {
        Summary(zip(ours, base).map { 1 - $0[keyPath: key] / $1[keyPath: key] })
    }

    /// What table.md shows for a number that does not exist (see ``undefinedNote``).
    static let undefined = "n/a"
    static let undefinedNote = "\n\(undefined): undefined, not zero — the slice has no test tasks (a domain or bin absent from the data, " +
        "or too few tasks to leave any for testing), or a ratio's baseline is zero (e.g. every task failed or cost nothing).\n"
    static func pct(_ s: Summary) -> String {
        [s.mean, s.ciLow, s.ciHigh].allSatisfy(\.isFinite) ? String(format: "%.1f %% [%.1f, %.1f]", 100 * s.mean, 100 * s.ciLow, 100 * s.ciHigh) : undefined
    }
    static func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.1f %%", 100 * x) : undefined }
    static func money(_ s: Summary) -> String {
        [s.mean, s.ciLow, s.ciHigh].allSatisfy(\.isFinite) ? String(format: "%.3f [%.3f, %.3f]", s.mean, s.ciLow, s.ciHigh) : undefined
    }
    /// `format` of the values, or ``undefined`` when one is NaN or infinite.
    static func fmt(_ format: String, _ xs: Double...) -> String {
        xs.allSatisfy(\.isFinite) ? String(format: format, arguments: xs.map { $0 as CVarArg }) : undefined
    }

    /// table.md: the paper's headline numbers beside ours, with the difference, then the full
    /// method table and pass@1 per bin. `paper` is what the "paper" column prints (default: the
    /// SALE paper's figures as kept in `Experiments/targets/sale-headline.yaml`).
    public func markdown(command: String, source: String, paper: SaleHeadline = .paper) -> String {
        let d = runner.data, large = d.agents[d.largest].name
        let all = Slice(domain: nil, bin: nil), ds = Slice(domain: .deepSearch, bin: nil), code = Slice(domain: .coding, bin: nil)
        var md = "# SALE strategy auctions vs routers\n\nGenerated by `\(command)` (\(source); \(runner.spec.orders) task orders, " +
            "seed \(runner.spec.seed), training prefix \(Self.pct(runner.spec.trainFraction)) per order). Intervals: 95 % t-intervals over task orders. " +
            "Paper figures are the SALE paper's headline figures, as kept in Experiments/targets/sale-headline.yaml; no LLM was called here.\n\n"
        guard runner.data.hasPlans else {
            return md + "The data have no plan columns, so SALE itself cannot run; see summary.csv for the routers.\n"
        }
        md += "## Headline figures\n\n"
        var rows: [[String]] = []
        // Metrics over a slice, nil when the slice has no test task (every mean would be 0/0).
        func over(_ m: String, _ slice: Slice) -> MethodMetrics.OverOrders? {
            let o = MethodMetrics.OverOrders(metrics(m, slice))
            return o.tasks > 0 ? o : nil
        }
        let nan = Summary([])
        func diff(_ ours: Double, _ paper: Double, scale: Double = 100) -> String { Self.fmt("%+.1f pt", scale * (ours - paper)) }
        let reliance = paper.largestAgentRelianceChange
        for (label, slice, published) in [("overall", all, reliance.overall), ("deep search", ds, reliance.deepSearch), ("coding", code, reliance.coding)] {
            let r = reduction(metrics("sale", slice), metrics(large, slice), \.largestShare)
            rows.append(["reliance on \(large) (\(label)), change vs \(large) alone", Self.pct(published),
                         Self.fmt("%.1f %% [%.1f, %.1f]", 100 * -r.mean, -100 * r.ciHigh, -100 * r.ciLow), diff(-r.mean, published)])
        }
        for (label, m) in [("total cost", "sale"), ("total cost with plan + jury tokens charged", "sale-charged")] {
            let c = reduction(metrics(m, all), metrics(large, all), \.costPerTask)
            rows.append(["\(label), change vs \(large) alone", Self.pct(paper.totalCostChange),
                         Self.fmt("%.1f %% [%.1f, %.1f]", 100 * -c.mean, -100 * c.ciHigh, -100 * c.ciLow), diff(-c.mean, paper.totalCostChange)])
        }
        for (m, published) in [(large, paper.deepSearch.largest), ("sale", paper.deepSearch.sale)] {
            let paperPass = published.passAt1, paperPrice = published.usdPerMtok ?? .nan
            let o = over(m, ds)
            rows.append(["deep search pass@1, \(m)", Self.pct(paperPass), Self.pct(o?.passAt1 ?? nan), diff(o?.passAt1.mean ?? .nan, paperPass)])
            rows.append(["deep search $/Mtok, \(m)", Self.fmt("%.2f", paperPrice), Self.money(o?.usdPerMtok ?? nan),
                         Self.fmt("%+.3f", (o?.usdPerMtok.mean ?? .nan) - paperPrice)])
        }
        for (m, published) in [(large, paper.codingBin1.largest.passAt1), ("sale", paper.codingBin1.sale.passAt1)] {
            let o = over(m, Slice(domain: .coding, bin: 1))
            rows.append(["coding bin 1 pass@1, \(m)", Self.pct(published), Self.pct(o?.passAt1 ?? nan), diff(o?.passAt1.mean ?? .nan, published)])
        }
        let shape = paper.singleAgentShape
        for (bin, lo, hi) in [(1, shape.easiestBin[0], shape.easiestBin[1]), (5, shape.hardestBin[0], shape.hardestBin[1])] {
            for a in d.agents.indices where a != d.largest && a < 2 {
                let ratio = Summary(zip(metrics(d.agents[a].name, Slice(domain: nil, bin: bin)), metrics(large, Slice(domain: nil, bin: bin)))
                    .map { $1.tasks > 0 ? $0.passAt1 / $1.passAt1 : .nan })
                rows.append(["bin \(bin): \(d.agents[a].name) pass@1 as share of \(large)'s", "\(Self.pct(lo))–\(Self.pct(hi))", Self.pct(ratio),
                             !ratio.mean.isFinite ? Self.undefined : ratio.mean < lo ? diff(ratio.mean, lo) : ratio.mean > hi ? diff(ratio.mean, hi) : "within"])
            }
        }
        md += markdownTable(["figure", "paper", "ours (95 % CI)", "ours − paper"], rows)
        md += "\n## Every method, all tasks\n\n"
        md += markdownTable(["method", "pass@1", "$ per task (×10⁻³)", "$ per Mtok", "share run by \(large)"], runner.methods.map { m in
            guard let o = over(m, all) else { return [m] + Array(repeating: Self.undefined, count: 4) }
            return [m, Self.pct(o.passAt1), Self.fmt("%.3f ± %.3f", 1e3 * o.costPerTask.mean, 1e3 * (o.costPerTask.ciHigh - o.costPerTask.mean)),
                    Self.fmt("%.3f", o.usdPerMtok.mean), Self.pct(o.largestShare)]
        })
        md += "\n## pass@1 by complexity bin (1 = easiest)\n\n"
        md += markdownTable(["method"] + SaleTask.bins.map { "bin \($0)" }, runner.methods.map { m in
            [m] + SaleTask.bins.map { b in Self.pct(over(m, Slice(domain: nil, bin: b))?.passAt1.mean ?? .nan) }
        })
        md += "\n## share of tasks run by \(large), by bin\n\n"
        md += markdownTable(["method"] + SaleTask.bins.map { "bin \($0)" }, ["sale", "sale-no-memory", "knn", "classifier", "mf", "cascade"].map { m in
            [m] + SaleTask.bins.map { b in Self.pct(over(m, Slice(domain: nil, bin: b))?.largestShare.mean ?? .nan) }
        })
        md += frontierMarkdown()
        if md.contains(" \(Self.undefined) ") { md += Self.undefinedNote }
        return md
    }
}
