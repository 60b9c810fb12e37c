import Foundation
import LabIO
import LabNumerics

/// frontier.csv, metrics.csv, matched.csv and calibration.csv: the knob sweeps drawn as
/// cost–quality frontiers, RouterBench's AIQ and RouteLLM's APGR/CPT over them, SALE vs each
/// router at equal cost and equal quality, and threshold calibration. Pure functions of the
/// runner's results; every interval is a 95 % t-interval over task orders.
extension SaleReports {
    /// Overall, then each complexity bin (both domains).
    static let binSlices: [Slice] = [Slice(domain: nil, bin: nil)] + SaleTask.bins.map { Slice(domain: nil, bin: $0) }

    /// The methods with a knob, in report order.
    public var frontierMethods: [String] {
        ["sale", "knn", "classifier", "mf"].filter { m in results.contains { $0.frontier.contains { $0.method == m } } }
    }

    /// One method's knob runs in one order, with their metrics per slice of `binSlices`.
    struct SweepPoint { let run: KnobRun; let metrics: [Slice: MethodMetrics] }

    /// [order][method] → sweep points, knob order preserved.
    func sweeps() -> [[String: [SweepPoint]]] {
        results.indices.map { o in
            let test = runner.split(o).test.map { runner.data.records[$0].task }
            var byMethod: [String: [SweepPoint]] = [:]
            for run in results[o].frontier {
                var m: [Slice: MethodMetrics] = [:]
                for s in Self.binSlices { m[s] = MethodMetrics(zip(test, run.executions).filter { s.contains($0.0) }.map(\.1)) }
                byMethod[run.method, default: []].append(SweepPoint(run: run, metrics: m))
            }
            return byMethod
        }
    }

    /// The cheapest and the dearest single agent's metrics per order on a slice (PGR's weak and
    /// strong references, and AIQ's upper cost end).
    func references(_ slice: Slice) -> (weak: [MethodMetrics], strong: [MethodMetrics]) {
        let d = runner.data
        return (metrics(d.agents[d.byPrice[0]].name, slice), metrics(d.agents[d.largest].name, slice))
    }

    static func costPoints(_ ps: [SweepPoint], _ s: Slice) -> [FrontierPoint] {
        ps.compactMap { p in p.metrics[s].flatMap { $0.tasks > 0 ? FrontierPoint(x: $0.costPerTask, y: $0.passAt1) : nil } }
    }
    static func sharePoints(_ ps: [SweepPoint], _ s: Slice) -> [FrontierPoint] {
        ps.compactMap { p in p.metrics[s].flatMap { $0.tasks > 0 ? FrontierPoint(x: $0.largestShare, y: $0.passAt1) : nil } }
    }

    /// frontier.csv: per method with a knob, knob value and bin slice, the mean cost per task,
    /// pass@1 and largest-agent share over orders (95% t-intervals), and whether the point is a
    /// vertex of the mean points' hull.
    /// - Throws: a CSV-writing error.
    public func frontierCSV() throws -> String {
        let header = ["method", "knob_name", "knob", "bin", "orders", "tasks"] +
            ["cost_per_task", "pass_at_1", "largest_share"].flatMap { [$0, "\($0)_ci_low", "\($0)_ci_high"] } + ["on_hull"]
        let table = sweeps()
        var rows: [(cells: [String], why: String)] = []
        for m in frontierMethods {
            let count = table.first?[m]?.count ?? 0
            for s in Self.binSlices {
                // Mean point per knob, and which of them are vertices of the mean points' hull.
                let perKnob = (0..<count).map { i in table.compactMap { $0[m]?[i] } }
                let means = perKnob.map { ps -> MethodMetrics.OverOrders in MethodMetrics.OverOrders(ps.compactMap { $0.metrics[s] }) }
                let hull = Set(Hull(means.map { FrontierPoint(x: $0.costPerTask.mean, y: $0.passAt1.mean) }).vertices)
                for (ps, o) in zip(perKnob, means) {
                    let run = ps[0].run
                    let knob = run.knobName == "w_cost_fitted" ? Summary(ps.map(\.run.knob)).mean : run.knob
                    let cells = o.tasks == 0 ? Array(repeating: "nan", count: 9) :
                        Self.cells(o.costPerTask) + Self.cells(o.passAt1) + Self.cells(o.largestShare)
                    let onHull = hull.contains(FrontierPoint(x: o.costPerTask.mean, y: o.passAt1.mean))
                    rows.append(([m, run.knobName, num(knob), s.binName, "\(o.orders)", "\(o.tasks)"] + cells + [onHull ? "1" : "0"], Self.why(o)))
                }
            }
        }
        return try Self.csvWithNotes(header, rows)
    }

    /// Per order: AIQ, APGR, CPT(50 %), CPT(80 %), and the cost at which the method's hull first
    /// reaches the dearest agent's pass@1 as a share of that agent's cost — nil where undefined.
    struct OrderMetrics { var aiq, apgr, cpt50, cpt80, matchLargest: Double?; var lo, hi: Double? }

    func orderMetrics(_ table: [[String: [SweepPoint]]], method m: String, slice s: Slice) -> [OrderMetrics] {
        let refs = references(s)
        return table.indices.map { o in
            guard let ps = table[o][m], o < refs.weak.count, o < refs.strong.count, refs.strong[o].tasks > 0 else { return OrderMetrics() }
            let weak = refs.weak[o].passAt1, strong = refs.strong[o]
            // Common cost range: from where every method's hull starts to the dearest agent's cost.
            let lo = frontierMethods.compactMap { table[o][$0].flatMap { Hull(Self.costPoints($0, s)).minX } }.max()
            let shareLo = frontierMethods.compactMap { table[o][$0].flatMap { Hull(Self.sharePoints($0, s)).minX } }.max() ?? 0
            let hi = strong.costPerTask
            let cost = Hull(Self.costPoints(ps, s)), share = Self.sharePoints(ps, s)
            return OrderMetrics(
                aiq: lo.flatMap { cost.meanHeight(from: $0, to: hi) },
                apgr: FrontierMetrics.pgrPoints(share, weak: weak, strong: strong.passAt1).flatMap { Hull($0).meanHeight(from: shareLo, to: 1) },
                cpt50: FrontierMetrics.cpt(share, weak: weak, strong: strong.passAt1, recovering: 0.5),
                cpt80: FrontierMetrics.cpt(share, weak: weak, strong: strong.passAt1, recovering: 0.8),
                matchLargest: cost.firstX(reaching: strong.passAt1).map { $0 / hi }, lo: lo, hi: hi)
        }
    }

    /// Summary cells of values defined in every order, else empty cells and a reason.
    static func definedCells(_ xs: [Double?], _ what: String, _ why: inout [String]) -> [String] {
        let defined = xs.compactMap { $0 }
        guard !xs.isEmpty, defined.count == xs.count else {
            why.append("\(what) undefined in \(xs.count - defined.count) of \(xs.count) orders")
            return ["nan", "nan", "nan"]
        }
        return cells(Summary(defined))
    }

    /// metrics.csv: per method and bin slice, AIQ, APGR, CPT(50 %), CPT(80 %) and the cost to
    /// match the dearest agent's pass@1, each a mean with 95% t-interval over orders; undefined
    /// values are empty fields explained in a `note` column.
    /// - Throws: a CSV-writing error.
    public func metricsCSV() throws -> String {
        let header = ["method", "bin", "orders", "cost_lo", "cost_hi"] +
            ["aiq", "apgr", "cpt50", "cpt80", "cost_to_match_largest"].flatMap { [$0, "\($0)_ci_low", "\($0)_ci_high"] }
        let table = sweeps()
        var rows: [(cells: [String], why: String)] = []
        for m in frontierMethods {
            for s in Self.binSlices {
                let per = orderMetrics(table, method: m, slice: s)
                var why: [String] = []
                let cells = Self.definedCells(per.map(\.aiq), "aiq (no common cost range, or no test task)", &why) +
                    Self.definedCells(per.map(\.apgr), "apgr (the dearest agent does not beat the cheapest here)", &why) +
                    Self.definedCells(per.map(\.cpt50), "cpt50 (the hull never recovers half the gap)", &why) +
                    Self.definedCells(per.map(\.cpt80), "cpt80 (the hull never recovers 80 % of the gap)", &why) +
                    Self.definedCells(per.map(\.matchLargest), "cost_to_match_largest (the hull never reaches the dearest agent's pass@1)", &why)
                let lo = per.compactMap(\.lo), hi = per.compactMap(\.hi)
                rows.append(([m, s.binName, "\(per.count)", lo.isEmpty ? "nan" : num(Summary(lo).mean), hi.isEmpty ? "nan" : num(Summary(hi).mean)] + cells,
                             why.joined(separator: "; ")))
            }
        }
        return try Self.csvWithNotes(header, rows)
    }

    /// SALE vs each router, read off the per-order hulls (overall): at SALE's fitted cost, the
    /// pass@1 difference (SALE − router); at SALE's fitted pass@1, at the dearest agent's and at
    /// the router's own best, the cost difference (router − SALE, $ per task).
    public func matchedCSV() throws -> String {
        let header = ["router", "comparison", "reference", "orders", "at", "sale", "router_value"] +
            ["difference", "difference_ci_low", "difference_ci_high"]
        let table = sweeps(), all = Slice(domain: nil, bin: nil)
        guard frontierMethods.contains("sale") else { return try csvText(header, []) }
        let strong = references(all).strong
        var rows: [(cells: [String], why: String)] = []
        for r in frontierMethods where r != "sale" {
            // (reference name, comparison, per-order reference value, per-order (sale, router))
            var specs: [(String, String, [(at: Double, sale: Double?, router: Double?)])] = []
            func hulls(_ o: Int) -> (Hull, Hull, MethodMetrics) {
                let sp = table[o]["sale"]!
                let fitted = sp.first { $0.run.knobName == "w_cost_fitted" }!.metrics[all]!
                return (Hull(Self.costPoints(sp, all)), Hull(Self.costPoints(table[o][r] ?? [], all)), fitted)
            }
            specs.append(("sale_fitted_cost", "equal_cost", table.indices.map { o in
                let (s, h, f) = hulls(o)
                return (f.costPerTask, s.value(at: f.costPerTask), h.value(at: f.costPerTask))
            }))
            specs.append(("sale_fitted_pass_at_1", "equal_quality", table.indices.map { o in
                let (s, h, f) = hulls(o)
                return (f.passAt1, s.firstX(reaching: f.passAt1), h.firstX(reaching: f.passAt1))
            }))
            specs.append(("largest_agent_pass_at_1", "equal_quality", table.indices.map { o in
                // An order without test tasks has no reference metrics: no comparison there.
                guard strong.indices.contains(o) else { return (Double.nan, nil, nil) }
                let (s, h, _) = hulls(o)
                return (strong[o].passAt1, s.firstX(reaching: strong[o].passAt1), h.firstX(reaching: strong[o].passAt1))
            }))
            specs.append(("router_best_pass_at_1", "equal_quality", table.indices.map { o in
                let (s, h, _) = hulls(o)
                let best = h.maxY ?? .nan
                return (best, s.firstX(reaching: best), h.firstX(reaching: best))
            }))
            for (ref, kind, per) in specs {
                let diffs = per.map { p -> Double? in
                    guard let a = p.sale, let b = p.router else { return nil }
                    return kind == "equal_cost" ? a - b : b - a
                }
                var why: [String] = []
                let cells = Self.definedCells(diffs, kind == "equal_cost" ? "the router cannot operate at this cost" : "a hull never reaches this pass@1", &why)
                let sale = per.compactMap(\.sale), router = per.compactMap(\.router)
                rows.append(([r, kind, ref, "\(per.count)", num(Summary(per.map(\.at)).mean),
                              sale.count == per.count ? num(Summary(sale).mean) : "nan",
                              router.count == per.count ? num(Summary(router).mean) : "nan"] + cells, why.joined(separator: "; ")))
            }
        }
        return try Self.csvWithNotes(header, rows)
    }

    /// One row per (target, method, order) and a `mean` row per (target, method): the knob mix
    /// chosen on the training prefix (knob_low on a task with probability weight_low, else
    /// knob_high), the targeted quantity on training and test, the miss, and the test
    /// pass@1, $ per task and dearest-agent share.
    public func calibrationCSV() throws -> String {
        let header = ["target", "method", "order", "knob_low", "knob_high", "weight_low", "train_value", "test_value", "miss", "pass_at_1", "cost_per_task", "largest_share"]
        let all = results.flatMap(\.calibration)
        var out: [[String]] = []
        for group in orderedGroups(all, by: { "\($0.target)|\($0.method)" }) {
            for r in group {
                out.append(["\(r.target)", r.method, "\(r.order)", num(r.knob.lo), num(r.knob.hi), num(r.knob.pLo), num(r.train), num(r.testValue), num(r.miss),
                            num(r.test.passAt1), num(r.test.costPerTask), num(r.test.largestShare)])
            }
            func mean(_ f: (CalibrationRow) -> Double) -> String { num(Summary(group.map(f)).mean) }
            out.append(["\(group[0].target)", group[0].method, "mean", mean(\.knob.lo), mean(\.knob.hi), mean(\.knob.pLo), mean(\.train), mean(\.testValue), mean(\.miss),
                        mean(\.test.passAt1), mean(\.test.costPerTask), mean(\.test.largestShare)])
        }
        return try csvText(header, out)
    }

    /// table.md's frontier section: AIQ, APGR, CPT and the cost to match the dearest agent per
    /// method (all tasks), then the calibration targets' mean test result and miss.
    func frontierMarkdown() -> String {
        let methods = frontierMethods
        guard !methods.isEmpty else { return "" }
        let table = sweeps(), all = Slice(domain: nil, bin: nil), large = runner.data.agents[runner.data.largest].name
        func cell(_ xs: [Double?], pct: Bool = false) -> String {
            let d = xs.compactMap { $0 }
            guard !xs.isEmpty, d.count == xs.count else { return "never reached in \(xs.count - d.count) of \(xs.count) orders" }
            let s = Summary(d)
            return pct ? Self.pct(s) : Self.fmt("%.3f [%.3f, %.3f]", s.mean, s.ciLow, s.ciHigh)
        }
        var md = "\n## Cost–quality frontiers (frontier.csv, metrics.csv)\n\nEach method's knob swept (routers: willingness to pay λ; SALE: its cost weight), " +
            "non-decreasing convex hull per order. AIQ: mean pass@1 of the hull over the common cost range; APGR: mean share of the " +
            "cheapest→\(large) pass@1 gap recovered over \(large) call shares 0–1; CPT(p): \(large) share needed to recover p of the gap; " +
            "last column: cost at which the hull first reaches \(large)'s pass@1, as a share of \(large)'s cost.\n\n"
        md += markdownTable(["method", "AIQ", "APGR", "CPT(50 %)", "CPT(80 %)", "cost to match \(large)"], methods.map { m in
            let per = orderMetrics(table, method: m, slice: all)
            return [m, cell(per.map(\.aiq)), cell(per.map(\.apgr)), cell(per.map(\.cpt50), pct: true), cell(per.map(\.cpt80), pct: true),
                    cell(per.map(\.matchLargest), pct: true)]
        })
        let cal = results.flatMap(\.calibration)
        if !cal.isEmpty {
            md += "\n## Threshold calibration (calibration.csv)\n\nKnob chosen on each order's training prefix; test-set mean over orders " +
                "(share targets: \(large)'s share of test tasks; budgets: $ per task).\n\n"
            md += markdownTable(["target", "method", "test value", "miss (mean)", "largest |miss|", "pass@1"],
                                orderedGroups(cal, by: { "\($0.target)|\($0.method)" }).map { g in
                let v = Summary(g.map(\.testValue)), miss = Summary(g.map(\.miss))
                return ["\(g[0].target)", g[0].method, Self.fmt("%.4g [%.4g, %.4g]", v.mean, v.ciLow, v.ciHigh), Self.fmt("%+.4g", miss.mean),
                        Self.fmt("%.4g", g.map { abs($0.miss) }.max() ?? .nan), Self.pct(Summary(g.map(\.test.passAt1)))]
            })
        }
        return md
    }
}
