import Foundation
import Testing
import StrategyAuctions

// The code of the DocC tutorial "Replay your own SALE trace"
// (Sources/StrategyAuctions/StrategyAuctions.docc/ReplayATrace.md).

@Suite("Tutorial: replay your own SALE trace")
struct ReplayATraceTutorial {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("a trace file replays through SALE and the routers; per-method metrics come out of the rows")
    func replay() throws {
        let tracePath = Self.root.appendingPathComponent("Experiments/sale/example-trace.csv").path
        // tutorial:begin replay
        // One row per task: id, domain, difficulty bin, features, then per agent and per plan
        // (first and refined) success, tokens, plan length and entropy, and every agent's grade.
        let text = try String(contentsOfFile: tracePath, encoding: .utf8)
        let data = try TraceFormat.read(text, file: tracePath)

        // How to split and fit: two random task orders, 20 % of each for training.
        let spec = try SaleSpec.parse("""
            name: my-trace
            seed: 11
            orders: 2
            fit_tasks: 25
            """, file: "my-trace.yaml")
        let runner = SaleRunner(spec: spec, data: data)
        let results = try runner.run(threads: 2)

        // Pass@1 and cost per task of each method on the first order's test tasks.
        for method in runner.methods {
            let executions = results[0].rows.filter { $0.method == method }.map(\.execution)
            let m = MethodMetrics(executions)
            print(method, m.passAt1, m.costPerTask)
        }
        // tutorial:end replay
        #expect(data.records.count == 120)
        #expect(results.count == 2)
        let sale = MethodMetrics(results[0].rows.filter { $0.method == "sale" }.map(\.execution))
        let test = runner.split(0).test
        #expect(sale.tasks == test.count, "SALE runs every test task once")
        // Determinism: the same trace and seed give the same rows whatever the thread count.
        let again = try runner.run(threads: 1)
        #expect(again[1].rows.map(\.execution) == results[1].rows.map(\.execution))

        // tutorial:begin bad-trace
        // A damaged trace is refused with the row and column that are wrong.
        let broken = text.replacingOccurrences(of: "t0001,coding,2,", with: "t0001,coding,two,")
        do {
            _ = try TraceFormat.read(broken, file: "broken.csv")
        } catch {
            print(error)
        }
        // tutorial:end bad-trace
        do { _ = try TraceFormat.read(broken, file: "broken.csv"); Issue.record("damaged trace accepted") } catch {
            #expect("\(error)".contains("bin"), "error should name the column: \(error)")
        }
    }
}
