import Foundation
import LabIO
import LabNumerics
import Testing
import TestSupport
@testable import StrategyAuctions

/// A small, quick spec: few tasks, two orders, studies chosen per test.
func smallSpec(tasks: Int = 150, orders: Int = 2, studies: Bool = false) -> SaleSpec {
    var s = SaleSpec(name: "t", seed: 11)
    s.orders = orders
    s.simulator.tasks = tasks
    s.fitTasks = 25
    if !studies {
        s.studies.manipulation = false; s.studies.selfVotes = false; s.studies.selfBiasShift = []; s.studies.padding = []
    }
    return s
}

@Suite("SALE: weight MIP, routers, oracle, traces")
struct SaleTests {
    /// Exact brute force over the combinatorial part: the largest set of tasks whose targets can
    /// all win at once, each set checked by a pure LP (no binaries) through GLPK.
    func bruteForceBest(_ p: WeightFit.Problem) throws -> Int {
        let T = p.tasks.count
        var best = 0
        for mask in 0..<(1 << T) {
            let size = mask.nonzeroBitCount
            guard size > best else { continue }
            var lp = MixedIntegerProgram()
            let w = p.bounds.map { lp.addVariable(lower: $0.lowerBound, upper: $0.upperBound, cost: 0) }
            for t in 0..<T where mask & (1 << t) != 0 {
                let task = p.tasks[t]
                for b in task.features.indices where b != task.target {
                    lp.addConstraint(w.indices.map { (w[$0], task.features[task.target][$0] - task.features[b][$0]) }, upper: -p.margin)
                }
            }
            if (try? lp.solve()) != nil { best = size }
        }
        return best
    }

    /// A random weight-fit problem: `T` tasks, `agents` bids of K = 2 + agents features each.
    func randomProblem(_ g: inout SplitMix64, tasks T: Int, agents: Int = 3) -> WeightFit.Problem {
        let K = 2 + agents
        let tasks = (0..<T).map { _ in
            (features: (0..<agents).map { _ in (0..<K).map { _ in g.nextOpenUnit() * 4 - 2 } }, target: Int(g.next() % UInt64(agents)))
        }
        return WeightFit.Problem(tasks: tasks, bounds: ScoringRule.bounds(agents: agents), margin: 1e-3)
    }

    /// The three fits (heuristic + Benders with the weak-signal speed-ups, the default; the
    /// Benders loop without them; plain GLPK big-M) against exhaustive search.
    @Test func weightMIPMatchesBruteForce() throws {
        var g = SplitMix64(seed: 5)
        for _ in 0..<25 {
            let p = randomProblem(&g, tasks: 7)
            let best = try bruteForceBest(p)
            for options in [WeightFit.Options(), .plainBenders, .glpkOnly] {
                let fit = try WeightFit.solve(p, options: options)
                #expect(fit.won == best, "\(options.method)")
                #expect(fit.optimal && fit.upperBound == best, "\(options.method)")
                #expect(WeightFit.count(p, weights: fit.weights) == fit.won)
            }
        }
    }

    /// Weak plan signals (`signal_strength` 0.75, the slow case of issue 16): on SALE's own
    /// training problems the default fit (extra splits, climbs from LP points, cuts around the
    /// best point) proves the same optimum as the Benders loop without them, and as plain GLPK
    /// on the big-M model where GLPK finishes (25 tasks); the count is a direct recount.
    @Test func weakSignalFitMatchesPlainBendersAndGLPK() throws {
        var cal = Calibration()
        cal.signalStrength = 0.75
        cal.tasks = 400
        let data = try Simulator(calibration: cal).dataset(seed: 2026)
        let train = Array(data.records.prefix(200))
        let rule = ScoringRule(weights: [], costScale: ScoringRule.costScale(train, agents: data.agents))
        for limit in [25, 60] {
            let p = WeightFit.problem(train, agents: data.agents, rule: rule, limit: limit)
            let fit = try WeightFit.solve(p)
            let plain = try WeightFit.solve(p, options: .plainBenders)
            #expect(fit.optimal && plain.optimal, "limit \(limit): \(fit.won)/\(fit.upperBound) vs \(plain.won)/\(plain.upperBound)")
            #expect(fit.won == plain.won, "limit \(limit)")
            #expect(WeightFit.count(p, weights: fit.weights) == fit.won)
            #expect(fit.won < p.tasks.count, "weak signals should leave some tasks unwinnable together (limit \(limit))")
            if limit == 25 {
                let glpk = try WeightFit.solve(p, options: .glpkOnly)
                #expect(glpk.optimal && glpk.won == fit.won, "GLPK \(glpk.won) vs fit \(fit.won)")
            }
        }
    }

    /// A fit stopped early (one Benders master, or a 5-node big-M search) still states a valid
    /// bound: never below the exhaustive optimum, and never below its own count.
    @Test func weightFitBoundIsValidWhenStoppedEarly() throws {
        var g = SplitMix64(seed: 8)
        for _ in 0..<12 {
            let p = randomProblem(&g, tasks: 9)
            let best = try bruteForceBest(p)
            var benders = WeightFit.Options(); benders.iterations = 1
            var bigM = WeightFit.Options.glpkOnly; bigM.nodeLimit = 5
            for options in [benders, bigM] {
                let fit = try WeightFit.solve(p, options: options)
                #expect(fit.won <= best && best <= fit.upperBound, "\(options.method): won \(fit.won), best \(best), bound \(fit.upperBound)")
                #expect(fit.optimal == (fit.won == fit.upperBound))
            }
        }
    }

    /// The line search's own count (from its interval sweep) equals a direct recount of its
    /// point, and the full fit never does worse than it; on larger problems than brute force reaches.
    @Test func lineSearchCountMatchesRecount() throws {
        var g = SplitMix64(seed: 13)
        for T in [20, 60, 120] {
            let p = randomProblem(&g, tasks: T, agents: 4)
            let h = WeightLineSearch.search(p, starts: 8)
            #expect(h.won == WeightFit.count(p, weights: h.weights), "T = \(T)")
            #expect(h.won > 0)
            guard T == 20 else { continue }   // random tasks conflict far more than SALE's: keep the full fit small
            var options = WeightFit.Options(starts: 8); options.iterations = 20
            let fit = try WeightFit.solve(p, options: options)
            #expect(fit.won >= h.won && fit.won <= fit.upperBound)
            #expect(WeightFit.count(p, weights: fit.weights) == fit.won)
        }
    }

    /// Two clusters of tasks: only the cheap agent solves cluster A, only the large one cluster B.
    @Test func learnedRoutersBeatRandomOnSeparableData() {
        var g = SplitMix64(seed: 3)
        let agents = [SaleAgent(name: "4B", price: 0.05), SaleAgent(name: "32B", price: 0.36)]
        let records = (0..<240).map { k -> TaskRecord in
            let a = k % 2 == 0
            let x = [a ? 1.0 : 0.1, a ? 0.1 : 1.0, g.nextOpenUnit() * 0.3]
            let attempts = [Attempt(plan: nil, success: a, tokens: 1000), Attempt(plan: nil, success: !a, tokens: 1000)]
            return TaskRecord(task: SaleTask(id: "t\(k)", domain: .coding, bin: 1, features: x), attempts: attempts, refined: [nil, nil])
        }
        let data = SaleDataset(agents: agents, records: records)
        let ts = RouterTrainingSet(Array(records.prefix(120)))
        let test = records.suffix(120)
        func pass(_ r: any Router) -> Double {
            var rng = SplitMix64(seed: 1)
            return Double(test.filter { r.route($0, data: data, rng: &rng).success }.count) / Double(test.count)
        }
        let random = pass(RandomRouter())
        for r: any Router in [PredictiveRouter(name: "knn", predictor: KNNPredictor(ts, k: 5), tolerance: 0.05),
                              PredictiveRouter(name: "classifier", predictor: LogisticPredictor(ts), tolerance: 0.05),
                              PredictiveRouter(name: "mf", predictor: MatrixFactorizationPredictor(ts), tolerance: 0.05)] {
            #expect(pass(r) > random + 0.3, "\(r.name) should beat random (\(random))")
            #expect(pass(r) > 0.95)
        }
    }

    @Test(.tags(.slow), .fullLaneOnly) func oracleBoundsEveryMethodAndRunsAreDeterministic() throws {
        let spec = smallSpec()
        let data = try Simulator(calibration: spec.simulator).dataset(seed: spec.seed)
        let runner = SaleRunner(spec: spec, data: data)
        let one = try runner.run(threads: 1), two = try runner.run(threads: 2)
        let r1 = SaleReports(runner: runner, results: one), r2 = SaleReports(runner: runner, results: two)
        #expect(try r1.trialsCSV() == r2.trialsCSV())
        #expect(try r1.summaryCSV() == r2.summaryCSV())
        for o in 0..<spec.orders {
            let oracle = r1.metrics("oracle")[o].passAt1
            for m in runner.methods { #expect(r1.metrics(m)[o].passAt1 <= oracle + 1e-12, "\(m) beats the oracle in order \(o)") }
        }
        // Memory makes SALE depend on task order: the orders' results differ.
        #expect(r1.metrics("sale")[0] != r1.metrics("sale")[1])
    }

    @Test(.tags(.slow), .fullLaneOnly) func traceReplayReproducesTheSimulator() throws {
        let spec = smallSpec(tasks: 120, orders: 2)
        let data = try Simulator(calibration: spec.simulator).dataset(seed: spec.seed)
        let text = try TraceFormat.write(data)
        let back = try TraceFormat.read(text, file: "mem.csv")
        #expect(back == data)
        let a = SaleReports(runner: SaleRunner(spec: spec, data: data), results: try SaleRunner(spec: spec, data: data).run())
        let b = SaleReports(runner: SaleRunner(spec: spec, data: back), results: try SaleRunner(spec: spec, data: back).run())
        #expect(try a.summaryCSV() == b.summaryCSV())
        #expect(try a.trialsCSV() == b.trialsCSV())
    }

    @Test func shippedExampleTraceReplaysLikeItsSimulator() throws {
        // Experiments/sale/example-trace.csv is `auctionlab sale Experiments/sale-example.yaml --write-trace …`.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let spec = try SaleSpec.load(root.appendingPathComponent("Experiments/sale-example.yaml").path)
        let text = try String(contentsOf: root.appendingPathComponent("Experiments/sale/example-trace.csv"), encoding: .utf8)
        let simulated = try Simulator(calibration: spec.simulator).dataset(seed: spec.seed)
        #expect(try TraceFormat.read(text, file: "example-trace.csv") == simulated)
    }

    @Test func malformedTracesNameRowAndColumn() throws {
        let data = try Simulator(calibration: smallSpec(tasks: 12).simulator).dataset(seed: 1)
        let good = try TraceFormat.write(data)
        var lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        func expectError(_ text: String, row: Int, column: String) {
            do { _ = try TraceFormat.read(text, file: "bad.csv"); Issue.record("accepted a bad trace (\(column))") } catch let e as SaleError {
                guard case let .trace(_, r, c, _) = e else { Issue.record("wrong error \(e)"); return }
                #expect(r == row); #expect(c == column)
            } catch { Issue.record("unexpected error \(error)") }
        }
        // Missing column.
        let drop = header.firstIndex(of: "8B_tokens")!
        expectError(lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { $0.offset != drop }.map(\.element).joined(separator: ",") }.joined(separator: "\n"),
                    row: 1, column: "8B_tokens")
        // Unknown agent.
        expectError(good.replacingOccurrences(of: "32B_success", with: "70B_success"), row: 1, column: "70B_success")
        // Non-numeric field in data row 3 (file row 4).
        var cells = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let col = header.firstIndex(of: "14B_tokens")!
        cells[col] = "many"
        lines[3] = cells.joined(separator: ",")
        expectError(lines.joined(separator: "\n"), row: 4, column: "14B_tokens")
    }

    @Test func selfGradeManipulationPaysAndIsReported() throws {
        var spec = smallSpec(tasks: 150, orders: 1)
        spec.studies.manipulation = true
        let data = try Simulator(calibration: spec.simulator).dataset(seed: spec.seed)
        let runner = SaleRunner(spec: spec, data: data)
        let results = try runner.run()
        let rows = results[0].manipulation.filter { $0.kind == "self_grade" }
        #expect(rows.count == data.agents.count)
        // Regret is never negative (the honest report is among the candidates' baseline) …
        #expect(rows.allSatisfy { $0.regrets.allSatisfy { $0 >= 0 } })
        // … and SALE's scoring is not strategy-proof: some agent gains by inflating its own grade,
        // unless the fit put zero weight on every self-vote.
        let w = results[0].weights
        if data.agents.indices.contains(where: { w[2 + $0] > 1e-9 }) {
            #expect(rows.contains { ($0.regrets.max() ?? 0) > 0 })
        }
    }

    @Test func specErrorsNameTheField() {
        for (yaml, field) in [("name: x\nseed: 1\norders: 0\n", "orders"), ("name: x\nseed: 1\ntrain_fraction: 1.5\n", "train_fraction"),
                              ("name: x\nseed: 1\nsimulator: {bin_shares: [1]}\n", "simulator.bin_shares"), ("seed: 1\n", "name"),
                              ("name: x\nseed: 1\nmemory: {k: many}\n", "memory.k"),
                              ("name: x\nseed: 1\nsimulator: {plan_quality: [1, 2]}\n", "simulator.plan_quality"),
                              ("name: x\nseed: 1\nsimulator: {plan_quality: [0, 0, 0, .inf]}\n", "simulator.plan_quality[3]")] {
            do { _ = try SaleSpec.parse(yaml, file: "s.yaml"); Issue.record("accepted \(yaml)") } catch let e as FieldError {
                #expect(e.field == field, "\(e)")
            } catch { Issue.record("unexpected \(error)") }
        }
    }

    /// `plan_quality`: empty and all-zero give the default dataset exactly (no draw moves); an
    /// offset on one agent raises only that agent's grades (every juror; never lowers one, and the
    /// mean by more than half a grade at δ = 2 — about 0.8 here, less than 2·skill because of the
    /// clip at 5) and leaves outcomes alone.
    @Test func planQualityOffsetDefaultsToNoChange() throws {
        var cal = Calibration(); cal.tasks = 60
        let base = try Simulator(calibration: cal).dataset(seed: 7)
        cal.planQuality = [0, 0, 0, 0]
        #expect(try Simulator(calibration: cal).dataset(seed: 7) == base)
        cal.planQuality = [0, 0, 0, 2]
        let shifted = try Simulator(calibration: cal).dataset(seed: 7)
        func meanGrade(_ d: SaleDataset, _ a: Int) -> Double {
            let g = d.records.flatMap { $0.attempts[a].plan!.grades }
            return g.reduce(0, +) / Double(g.count)
        }
        // Same draws, q shifted up, grades rounded and clipped monotonically: never lower, higher on average.
        for (r, b) in zip(shifted.records, base.records) {
            #expect(zip(r.attempts[3].plan!.grades, b.attempts[3].plan!.grades).allSatisfy { $0 >= $1 })
        }
        #expect(meanGrade(shifted, 3) > meanGrade(base, 3) + 0.5)
        #expect(meanGrade(shifted, 0) == meanGrade(base, 0))
        #expect(shifted.records.map { $0.attempts.map(\.success) } == base.records.map { $0.attempts.map(\.success) })
        cal.planQuality = [1, 2]
        #expect(throws: SaleError.self) { try Simulator(calibration: cal) }
    }

    /// The calibration's cost lever (`Scripts/sale-calibrate`'s `tok`): scaling the smaller
    /// agents' `token_multiplier` changes only their execution tokens — every plan, success and
    /// refined attempt, and 32B's tokens, stay as drawn — so SALE's choices cannot move with it.
    @Test func tokenMultiplierMovesOnlyTokens() throws {
        var cal = Calibration(); cal.tasks = 80
        let base = try Simulator(calibration: cal).dataset(seed: 9)
        cal.tokenMultiplier = [1.25 * 0.5, 1.15 * 0.5, 1.05 * 0.5, 1.0]
        let scaled = try Simulator(calibration: cal).dataset(seed: 9)
        var smallerTokens = 0
        for (r, b) in zip(scaled.records, base.records) {
            for a in 0..<4 {
                for (x, y) in [(r.attempts[a], b.attempts[a]), (r.refined[a]!, b.refined[a]!)] {
                    #expect(x.plan == y.plan && x.success == y.success)
                    if a == 3 { #expect(x.tokens == y.tokens) }
                    else {
                        #expect(abs(x.tokens - 0.5 * y.tokens) <= 1, "agent \(a): \(x.tokens) vs \(y.tokens)")
                        if x.tokens < y.tokens { smallerTokens += 1 }
                    }
                }
            }
        }
        #expect(smallerTokens == 80 * 3 * 2)
    }
}
