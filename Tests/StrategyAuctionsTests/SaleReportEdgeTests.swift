import Foundation
import LabIO
import LabNumerics
import Testing
import TestSupport
@testable import StrategyAuctions

/// Splits one CSV line, honouring double quotes (enough for the files SaleReports writes).
func csvFields(_ line: Substring) -> [String] {
    var fields: [String] = [], cur = "", quoted = false
    var it = line.makeIterator()
    while let c = it.next() {
        if quoted {
            if c == "\"" { quoted = false } else { cur.append(c) }
        } else if c == "\"" { quoted = true } else if c == "," { fields.append(cur); cur = "" } else { cur.append(c) }
    }
    fields.append(cur)
    return fields
}

@Suite("SALE reports: undefined numbers are empty fields with a note, never nan or inf")
struct SaleReportEdgeTests {
    /// Data cases whose metrics are partly undefined.
    static func data(_ kind: String) throws -> SaleDataset {
        var d = try Simulator(calibration: smallSpec(tasks: 150).simulator).dataset(seed: 11)
        switch kind {
        case "one domain":
            d.records = d.records.filter { $0.task.domain == .coding }
        case "only failures, one domain":
            d.records = d.records.filter { $0.task.domain == .coding }.map { r in
                var r = r
                r.attempts = r.attempts.map { var a = $0; a.success = false; return a }
                r.refined = r.refined.map { $0.map { var a = $0; a.success = false; return a } }
                return r
            }
        case "two rows":
            d.records = Array(d.records.prefix(2))
        default: Issue.record("unknown case \(kind)")
        }
        return d
    }

    @Test("summary.csv, studies.csv and table.md of degenerate data: no nan/inf; empty fields and a note column pandas can read", .tags(.slow), .fullLaneOnly,
          arguments: ["one domain", "only failures, one domain", "two rows"], [1, 2])
    func degenerate(kind: String, orders: Int) throws {
        var spec = smallSpec(tasks: 150, orders: orders, studies: true)
        spec.studies.manipulation = false
        let runner = SaleRunner(spec: spec, data: try Self.data(kind))
        let reports = SaleReports(runner: runner, results: try runner.run(threads: 1))
        let summary = try reports.summaryCSV(), studies = try reports.studiesCSV()
        let table = reports.markdown(command: "test", source: kind)
        for (name, text) in [("summary.csv", summary), ("studies.csv", studies), ("table.md", table)] {
            let lower = text.lowercased()
            #expect(!lower.contains("nan") && !lower.contains("inf"), "\(kind), \(orders) orders: \(name) has nan/inf:\n\(text.prefix(3000))")
        }
        for (name, text) in [("summary.csv", summary), ("studies.csv", studies)] {
            let lines = text.split(separator: "\n")
            let header = csvFields(lines[0])
            #expect(lines.allSatisfy { csvFields($0).count == header.count }, "\(name): ragged rows")
            guard header.last == "note" else { continue }
            let note = header.count - 1
            for line in lines.dropFirst() {
                let f = csvFields(line)
                // A row with an empty metric says why; a row with all metrics says nothing.
                let emptyMetric = f[5..<note].contains("")
                if name == "summary.csv" { #expect(emptyMetric == !f[note].isEmpty, "\(line)") }
                if !f[note].isEmpty { #expect(f[note].hasPrefix("undefined: "), "\(line)") }
            }
        }
        // One domain: its slices are there, the absent domain's are empty with the reason.
        if kind.contains("one domain") {
            #expect(summary.hasPrefix(try csvText(["method", "domain", "bin", "orders", "tasks"] +
                ["pass_at_1", "cost_per_task", "usd_per_mtok", "largest_share"].flatMap { [$0, "\($0)_ci_low", "\($0)_ci_high"] } + ["note"], []).dropLast()))
            #expect(summary.contains("no test tasks in this slice"))
            #expect(table.contains("n/a: undefined, not zero"))
        }
    }

    @Test("ordinary data: no note column, table.md has no undefined cells (the files are as before)", .tags(.slow), .fullLaneOnly)
    func ordinary() throws {
        let spec = smallSpec(tasks: 150, orders: 2)
        let runner = SaleRunner(spec: spec, data: try Simulator(calibration: spec.simulator).dataset(seed: 11))
        let reports = SaleReports(runner: runner, results: try runner.run(threads: 2))
        #expect(!(try reports.summaryCSV()).split(separator: "\n")[0].hasSuffix(",note"))
        #expect(!reports.markdown(command: "t", source: "s").contains("n/a"))
    }
}

@Suite("SALE reports: an order without test tasks (issue 25)")
struct SaleEmptyTestTests {
    @Test("matched.csv and every other report of a one-task dataset (no test suffix) are written without trapping")
    func oneTask() throws {
        var d = try Simulator(calibration: smallSpec(tasks: 30).simulator).dataset(seed: 5)
        d.records = Array(d.records.prefix(1))
        let runner = SaleRunner(spec: smallSpec(tasks: 30, orders: 1), data: d)
        #expect(runner.split(0).test.isEmpty)
        let reports = SaleReports(runner: runner, results: try runner.run(threads: 1))
        let matched = try reports.matchedCSV()
        #expect(matched.hasPrefix("router,comparison,"))
        for text in [try reports.summaryCSV(), try reports.frontierCSV(), try reports.metricsCSV(), matched] {
            #expect(!text.contains("inf"))
        }
    }
}
