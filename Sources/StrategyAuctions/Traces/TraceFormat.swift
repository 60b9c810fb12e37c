import CSV
import Foundation
import LabIO

/// Logged outcomes as CSV, so SALE and the routers can be replayed on real LLM runs
/// (SALE.md, "Replaying real runs"; FileFormats.md, "Trace CSV"). One row per task:
///
///     task_id, domain (deep_search|coding), bin (1–5), f0 … f{d−1}   (features / embedding)
///     per agent A (names as in the agent list, e.g. 4B):
///       A_success (0/1), A_tokens                                        required
///       A_plan_length, A_plan_entropy, A_grade_by_J for every agent J    optional (SALE needs them)
///       A_refined_success, A_refined_tokens, A_refined_plan_length,
///       A_refined_plan_entropy, A_refined_grade_by_J                      optional (memory refinement)
///
/// Without plan columns only the routers run; without refined columns memory changes nothing.
/// Numbers are written in Swift's shortest round-trip form, so write → read is exact.
public enum TraceFormat {
    static let attemptFields = ["success", "tokens", "plan_length", "plan_entropy"]
    /// Fewest tasks a trace may hold: with fewer, an order's training prefix or test suffix has
    /// one task or none, and no fit, router or interval means anything.
    public static let minimumTasks = 10

    /// The dataset as trace CSV text (the header described above; plan columns only when every
    /// attempt has a plan). Numbers in shortest round-trip form, so ``read(_:file:agents:)`` gives it back.
    /// - Throws: a CSV-writing error.
    public static func write(_ d: SaleDataset) throws -> String {
        let dim = d.records.first?.task.features.count ?? 0
        let withPlans = d.hasPlans
        let withRefined = withPlans && d.records.allSatisfy { r in r.refined.allSatisfy { $0?.plan != nil } }
        func fields(_ prefix: String) -> [String] {
            ["\(prefix)success", "\(prefix)tokens"] + (withPlans ? ["\(prefix)plan_length", "\(prefix)plan_entropy"] + d.agents.map { "\(prefix)grade_by_\($0.name)" } : [])
        }
        var header = ["task_id", "domain", "bin"] + (0..<dim).map { "f\($0)" }
        for a in d.agents { header += fields("\(a.name)_") + (withRefined ? fields("\(a.name)_refined_") : []) }
        func cells(_ t: Attempt) -> [String] {
            [t.success ? "1" : "0", "\(t.tokens)"] + (withPlans ? ["\(t.plan!.length)", "\(t.plan!.entropy)"] + t.plan!.grades.map { "\($0)" } : [])
        }
        let rows = d.records.map { r -> [String] in
            var row = [r.task.id, r.task.domain.rawValue, "\(r.task.bin)"] + r.task.features.map { "\($0)" }
            for a in d.agents.indices { row += cells(r.attempts[a]) + (withRefined ? cells(r.refined[a]!) : []) }
            return row
        }
        return try csvText(header, rows)
    }

    /// Parses a trace; every error names the row (header = row 1) and the column.
    public static func read(_ text: String, file: String, agents: [SaleAgent] = SaleAgent.paper) throws -> SaleDataset {
        let reader: CSVReader
        do { reader = try CSVReader(string: text, hasHeaderRow: true) } catch {
            throw SaleError.trace(file: file, row: 1, column: "(header)", reason: "is not valid CSV: \(error)")
        }
        guard let header = reader.headerRow, !header.isEmpty else { throw SaleError.trace(file: file, row: 1, column: "(header)", reason: "is empty") }
        var column: [String: Int] = [:]
        for (k, name) in header.enumerated() {
            guard column[name] == nil else { throw SaleError.trace(file: file, row: 1, column: name, reason: "appears twice") }
            column[name] = k
        }
        for required in ["task_id", "domain", "bin"] where column[required] == nil {
            throw SaleError.trace(file: file, row: 1, column: required, reason: "is missing")
        }
        let names = agents.map(\.name)
        let featureCols = header.filter { $0.first == "f" && Int($0.dropFirst()) != nil }
        let dim = featureCols.count
        for k in 0..<dim where column["f\(k)"] == nil { throw SaleError.trace(file: file, row: 1, column: "f\(k)", reason: "is missing (features must be f0 … f\(dim - 1))") }
        // Every other column must be <known agent>_<known field>.
        let known = Set(["task_id", "domain", "bin"] + featureCols)
        let perAgent = Set((attemptFields + names.map { "grade_by_\($0)" }).flatMap { [$0, "refined_\($0)"] })
        for name in header where !known.contains(name) {
            guard let agent = names.sorted(by: { $0.count > $1.count }).first(where: { name.hasPrefix($0 + "_") }) else {
                let guess = name.split(separator: "_").first.map(String.init) ?? name
                throw SaleError.trace(file: file, row: 1, column: name, reason: "names unknown agent \"\(guess)\" (known: \(names.joined(separator: ", ")))")
            }
            let field = String(name.dropFirst(agent.count + 1))
            guard perAgent.contains(field) else { throw SaleError.trace(file: file, row: 1, column: name, reason: "is not a trace field (expected e.g. \(agent)_success, \(agent)_tokens, \(agent)_plan_length)") }
        }
        for a in names { for f in ["success", "tokens"] where column["\(a)_\(f)"] == nil {
            throw SaleError.trace(file: file, row: 1, column: "\(a)_\(f)", reason: "is missing")
        } }
        func hasAll(_ prefix: String) -> Bool { names.allSatisfy { a in (["plan_length", "plan_entropy"] + names.map { "grade_by_\($0)" }).allSatisfy { column["\(a)_\(prefix)\($0)"] != nil } } }
        let withPlans = hasAll(""), withRefined = hasAll("refined_") && names.allSatisfy { column["\($0)_refined_success"] != nil && column["\($0)_refined_tokens"] != nil }

        var records: [TaskRecord] = []
        var firstRow: [String: Int] = [:]
        var rowNumber = 1
        while let row = reader.next() {
            rowNumber += 1
            func cell(_ c: String) throws -> String {
                let k = column[c]!
                guard k < row.count else { throw SaleError.trace(file: file, row: rowNumber, column: c, reason: "is missing (the row has \(row.count) fields)") }
                return row[k]
            }
            func number(_ c: String) throws -> Double {
                let s = try cell(c)
                guard let x = Double(s.trimmingCharacters(in: .whitespaces)), x.isFinite else {
                    throw SaleError.trace(file: file, row: rowNumber, column: c, reason: "is not a number: \"\(s)\"")
                }
                return x
            }
            func nonNegative(_ c: String) throws -> Double {
                let x = try number(c)
                guard x >= 0 else { throw SaleError.trace(file: file, row: rowNumber, column: c, reason: "must be non-negative (got \(x))") }
                return x
            }
            func flag(_ c: String) throws -> Bool {
                let x = try number(c)
                guard x == 0 || x == 1 else { throw SaleError.trace(file: file, row: rowNumber, column: c, reason: "must be 0 or 1 (got \(try cell(c)))") }
                return x == 1
            }
            func attempt(_ a: String, _ p: String) throws -> Attempt {
                var plan: Plan?
                if p.isEmpty ? withPlans : withRefined {
                    let grades = try names.map { j -> Double in
                        let g = try number("\(a)_\(p)grade_by_\(j)")
                        guard (0...5).contains(g) else { throw SaleError.trace(file: file, row: rowNumber, column: "\(a)_\(p)grade_by_\(j)", reason: "must be a 0–5 grade (got \(g))") }
                        return g
                    }
                    plan = Plan(length: try nonNegative("\(a)_\(p)plan_length"), entropy: try number("\(a)_\(p)plan_entropy"), grades: grades)
                }
                return Attempt(plan: plan, success: try flag("\(a)_\(p)success"), tokens: try nonNegative("\(a)_\(p)tokens"))
            }
            let id = try cell("task_id")
            if let first = firstRow[id] {
                throw SaleError.trace(file: file, row: rowNumber, column: "task_id", reason: "\"\(id)\" repeats the task of row \(first); every task appears once")
            }
            firstRow[id] = rowNumber
            guard let domain = Domain(rawValue: try cell("domain")) else {
                throw SaleError.trace(file: file, row: rowNumber, column: "domain", reason: "must be deep_search or coding (got \"\(try cell("domain"))\")")
            }
            let binValue = try number("bin")
            guard let bin = Int(exactly: binValue), SaleTask.bins.contains(bin) else {
                throw SaleError.trace(file: file, row: rowNumber, column: "bin", reason: "must be an integer 1–5 (got \(try cell("bin")))")
            }
            let features = try (0..<dim).map { try number("f\($0)") }
            let attempts = try names.map { try attempt($0, "") }
            let refined = try names.map { withRefined ? try attempt($0, "refined_") : nil }
            records.append(TaskRecord(task: SaleTask(id: id, domain: domain, bin: bin, features: features), attempts: attempts, refined: refined))
        }
        if let e = reader.error { throw SaleError.trace(file: file, row: rowNumber + 1, column: "(row)", reason: "is not valid CSV: \(e)") }
        guard !records.isEmpty else { throw SaleError.trace(file: file, row: 2, column: "(row)", reason: "no tasks: the trace has only a header") }
        guard records.count >= minimumTasks else {
            throw SaleError.trace(file: file, row: rowNumber, column: "(row)",
                                  reason: "the trace has \(records.count) task\(records.count == 1 ? "" : "s"); at least \(minimumTasks) are needed, so that every order has a training prefix and a test suffix of several tasks")
        }
        return SaleDataset(agents: agents, records: records)
    }
}
