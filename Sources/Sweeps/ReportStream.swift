import Equilibrium
import Experiments
import Foundation
import LabIO
import LabNumerics

#if arch(x86_64) || arch(i386)
/// C's `long double` on this platform, in which GSL accumulates means and variances.
typealias LongDouble = Float80
#else
/// Where C's `long double` is `double` (Apple arm64) this is exact; on Linux aarch64 (IEEE quad)
/// the last bit of a mean can differ from GSL's — the byte comparison test would show it.
typealias LongDouble = Double
#endif

/// GSL's mean (`gsl_stats_mean`) one value at a time: the same recurrence in the same
/// precision, so the result is bit-identical to GSL's over the whole array.
struct MeanAccumulator {
    private(set) var count = 0
    private var m: LongDouble = 0
    mutating func add(_ x: Double) { m += (LongDouble(x) - m) / LongDouble(count + 1); count += 1 }
    var mean: Double { Double(m) }
}

/// GSL's `gsl_stats_sd_m` one value at a time, given the final mean (a second pass).
struct VarianceAccumulator {
    let mean: Double
    private(set) var count = 0
    private var v: LongDouble = 0
    init(mean: Double) { self.mean = mean }
    mutating func add(_ x: Double) {
        let delta = LongDouble(x - mean)
        v += (delta * delta - v) / LongDouble(count + 1)
        count += 1
    }
    var std: Double { (Double(v) * (Double(count) / Double(count - 1))).squareRoot() }
    /// The ``Summary`` that `Summary(xs)` gives for the values added.
    var summary: Summary { Summary(count: count, mean: mean, std: count > 1 ? std : 0) }
}

/// `trials.csv` written row by row and `summary.csv` / `table.md` from streaming
/// accumulators, in two passes over the items in canonical order: pass 1 writes the trial rows
/// and accumulates means, pass 2 the variances about those means (GSL's two-pass formula, so
/// every byte equals the in-memory ``Reports`` path). Memory: one accumulator per summary cell.
/// Nothing appears in the folder until ``publish()`` renames all three files into place.
final class ReportStream {
    let runner: SweepRunner
    let command: String
    private let trials: PartialFile
    private let dir: URL
    private let names: [String]          // distinct mechanism names, first-seen order
    private let nameOfRow: [Int]         // mechanism position → index in `names`
    private let star: Int?, baselines: [(String, Int)]
    private let starRows: [Int], baselineRows: [[Int]]   // row positions of star and of each baseline
    private let groups: [Reports.Group]
    private let groupOfBlock: [Int]      // (point, topology) block → group
    private var means: [[MeanAccumulator]]          // group × name
    private var savingMeans: [[MeanAccumulator]]    // group × baseline
    private var spreads: [[VarianceAccumulator]] = []
    private var savingSpreads: [[VarianceAccumulator]] = []
    private var equilibrium: [[Reports.EquilibriumCell]]  // group × name
    private let withEquilibrium: Bool
    private let target: Double
    // Pieces of the trial rows that repeat: quoted text columns, the swept parameters.
    private let prefix: [[[UInt8]]]      // topology × mechanism: "name,topology,mechanism,"
    private let pointText: [[UInt8]]     // point: ",p1,p2…" (empty when nothing is swept)
    private let points: [[String: Double]]
    private var line: [UInt8] = []

    init(runner: SweepRunner, dir: URL, command: String) throws {
        self.runner = runner
        self.command = command
        self.dir = dir
        let spec = runner.spec
        points = runner.points
        let mechNames = runner.mechanisms.map(\.name)
        var distinct: [String] = []
        nameOfRow = mechNames.map { n in
            if let k = distinct.firstIndex(of: n) { return k }
            distinct.append(n); return distinct.count - 1
        }
        names = distinct
        star = distinct.firstIndex(of: "star")
        baselines = star == nil ? [] : Reports.savingBaselines(for: spec).compactMap { b in distinct.firstIndex(of: b).map { (b, $0) } }
        let positions = nameOfRow
        starRows = star.map { s in positions.indices.filter { positions[$0] == s } } ?? []
        baselineRows = baselines.map { _, b in positions.indices.filter { positions[$0] == b } }
        var order: [Reports.Group] = [], index: [Reports.Group: Int] = [:], ofBlock: [Int] = []
        for p in points.indices {
            for t in runner.topologies.indices {
                let g = Reports.Group(topology: runner.topologies[t].name, point: points[p])
                if index[g] == nil { index[g] = order.count; order.append(g) }
                ofBlock.append(index[g]!)
            }
        }
        groups = order
        groupOfBlock = ofBlock
        means = Array(repeating: Array(repeating: MeanAccumulator(), count: distinct.count), count: order.count)
        savingMeans = Array(repeating: Array(repeating: MeanAccumulator(), count: baselines.count), count: order.count)
        equilibrium = Array(repeating: Array(repeating: Reports.EquilibriumCell(), count: distinct.count), count: order.count)
        withEquilibrium = spec.hasEquilibrium
        target = spec.equilibriumTarget
        let name = try csvField(spec.name)
        prefix = try runner.topologies.map { topo in
            let t = try csvField(topo.name)
            return try mechNames.map { Array("\(name),\(t),\(try csvField($0)),".utf8) }
        }
        let swept = spec.sweptNames
        pointText = points.map { pt in
            var b: [UInt8] = []
            for key in swept { b.append(UInt8(ascii: ",")); appendNum(pt[key] ?? .nan, to: &b) }
            return b
        }
        let header = ["experiment", "topology", "mechanism", "trial", "seed"] + swept +
            ["total_payment", "true_cost", "virtual_cost", "bid_cost", "share_tier1", "share_tier2", "share_tier3", "solver_calls"] +
            (spec.hasEquilibrium ? EquilibriumMeasures.columns : [])
        trials = try PartialFile(dir.appendingPathComponent("trials.csv"))
        try trials.append(csvText(header, []))
    }

    /// Pass 1: item `k`'s rows (in the spec's mechanism order) into trials.csv and the means.
    func add(item k: Int, rows: [RowFile.Measures]) throws {
        let it = runner.item(k)
        let block = it.point * runner.topologies.count + it.topology
        let seed = runner.seed(trial: it.trial)
        let g = groupOfBlock[block]
        line.removeAll(keepingCapacity: true)
        for (j, r) in rows.enumerated() {
            line.append(contentsOf: prefix[it.topology][j])
            appendInt(it.trial, to: &line); line.append(UInt8(ascii: ","))
            appendInt(seed, to: &line)
            line.append(contentsOf: pointText[it.point])
            line.append(UInt8(ascii: ",")); appendNum(r.totalPayment, to: &line)
            line.append(UInt8(ascii: ",")); appendNum(r.trueCost, to: &line)
            line.append(UInt8(ascii: ",")); appendNum(r.virtualCost, to: &line)
            line.append(UInt8(ascii: ",")); appendNum(r.bidCost, to: &line)
            for v in r.tierShare { line.append(UInt8(ascii: ",")); appendNum(v, to: &line) }
            line.append(UInt8(ascii: ",")); appendInt(r.solverCalls, to: &line)
            if withEquilibrium {
                for cell in EquilibriumMeasures.cells(r.equilibrium, target: target) { line.append(UInt8(ascii: ",")); line.append(contentsOf: cell.utf8) }
                equilibrium[g][nameOfRow[j]].add(r.equilibrium, target: target)
            }
            line.append(UInt8(ascii: "\n"))
            means[g][nameOfRow[j]].add(r.totalPayment)
        }
        try trials.append(bytes: line)
        forEachSaving(rows) { b, s in savingMeans[g][b].add(s) }
    }

    /// Pass 2: the same items again, for the variances about the pass-1 means.
    func addSpread(item k: Int, rows: [RowFile.Measures]) {
        if spreads.isEmpty {
            spreads = means.map { $0.map { VarianceAccumulator(mean: $0.mean) } }
            savingSpreads = savingMeans.map { $0.map { VarianceAccumulator(mean: $0.mean) } }
        }
        let it = runner.item(k)
        let g = groupOfBlock[it.point * runner.topologies.count + it.topology]
        for (j, r) in rows.enumerated() { spreads[g][nameOfRow[j]].add(r.totalPayment) }
        forEachSaving(rows) { b, s in savingSpreads[g][b].add(s) }
    }

    /// STAR's paired savings 1 − star/baseline in this item, per baseline present (paired in
    /// row order, as the in-memory path pairs its per-group arrays).
    private func forEachSaving(_ rows: [RowFile.Measures], _ body: (Int, Double) -> Void) {
        for (b, theirs) in baselineRows.enumerated() where theirs.count == starRows.count {
            for (a, c) in zip(starRows, theirs) { body(b, 1 - rows[a].totalPayment / rows[c].totalPayment) }
        }
    }

    /// The cells, as ``Reports/cells(_:)`` computes them from rows in memory.
    func cells() -> [(Reports.Group, [String: Reports.Cell])] {
        if spreads.isEmpty { addSpreadsOfNothing() }
        return groups.indices.map { g in
            var out: [String: Reports.Cell] = [:]
            for (n, name) in names.enumerated() where spreads[g][n].count > 0 {
                var savings: [String: Summary] = [:]
                if n == star {
                    for (b, (base, _)) in baselines.enumerated() where savingSpreads[g][b].count > 0 { savings[base] = savingSpreads[g][b].summary }
                }
                let e = equilibrium[g][n]
                out[name] = Reports.Cell(payment: spreads[g][n].summary, savingVs: savings, equilibrium: e.trials > 0 ? e : nil)
            }
            return (groups[g], out)
        }
    }

    private func addSpreadsOfNothing() {
        spreads = means.map { $0.map { VarianceAccumulator(mean: $0.mean) } }
        savingSpreads = savingMeans.map { $0.map { VarianceAccumulator(mean: $0.mean) } }
    }

    /// Writes summary.csv and table.md and renames all three files into place together.
    func publish() throws {
        let c = cells()
        let summary = try PartialFile(dir.appendingPathComponent("summary.csv"))
        try summary.append(Reports.summaryCSV(runner.spec, cells: c))
        let table = try PartialFile(dir.appendingPathComponent("table.md"))
        try table.append(Reports.tableMarkdown(runner.spec, cells: c, command: command))
        try PartialFile.publish([trials, summary, table])
    }

    func discard() { trials.discard() }
}
