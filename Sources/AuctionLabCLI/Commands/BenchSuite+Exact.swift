import ArgumentParser
import Foundation
import Allocation
import Mechanisms
import LabNumerics
import Workflows

/// `auctionlab bench exact`: the default exact solve (tie rule included) against the path `auto`
/// took before pruned elimination, on S1–S4, random trees and layered width-4 DAGs up to 10⁴
/// nodes, at the bids' prices and at near-tie prices; STAR with all payments; peak memory.
extension BenchSuite {
    /// Recorded in issue 27 (this project's VM): `auto` fell to GLPK's MILP on the layered
    /// width-4 DAG with 10⁴ nodes, and one solve took 417 s there. Not re-run (minutes).
    static let recordedMILPSecondsLayered10k = 417.0

    func exactBenchmarks() throws {
        let budget = quick ? 0.1 : 0.5
        var g = SplitMix64(seed: seed)
        print("Exact allocation: pruned elimination (dominance, then elimination on what is left) against the previous auto path")
        print("median wall time per call, one core; `tie rule ×` = default solve / the same solver's anyOptimum (no tie rule)\n")
        var cases: [(label: String, inst: Instance)] = []
        for label in ["S1", "S2", "S3", "S4"] {
            let path = "Experiments/instances/\(label.lowercased()).json"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            cases.append((label, try Instance(spec: InstanceSpec.decode(data, file: path))))
        }
        for v in quick ? [100, 1_000] : [100, 1_000, 10_000] {
            cases.append(("tree", try Instance(spec: RandomWorkflow.instance(.tree, nodes: v, using: &g))))
        }
        for v in [100, 1_000, 10_000] {
            cases.append(("layered w4", try Instance(spec: RandomWorkflow.instance(.layered, nodes: v, using: &g))))
        }
        for v in quick ? [100] : [100, 1_000] {
            cases.append(("dag", try Instance(spec: RandomWorkflow.instance(.dag, nodes: v, using: &g))))
        }
        var rows: [[String]] = []
        var notes: [String] = []
        for (label, inst) in cases {
            let V = inst.model.nodeCount
            // Bid prices, and a near tie: agent 1 priced exactly like agent 0 (a breakpoint probe's kind of price).
            var tie = inst.virtualBids
            if tie.count > 1 { tie[1] = tie[0] }
            let build = try time(budget) { _ = try SolverKind.auto.make(for: inst.model) }
            let solver = try SolverKind.auto.make(for: inst.model)
            let previous = try Self.previousAuto(inst.model)
            for (priceLabel, prices) in [("bids", inst.virtualBids), ("tie", tie)] {
                let (full, raw) = try timePair(budget) { _ = try solver.solve(prices: prices) } _: { _ = try solver.anyOptimum(prices: prices) }
                var previousCell = "-", ratio = "-", agree = "-"
                if let (name, p) = previous {
                    let a = try solver.solve(prices: prices)
                    let clock = ContinuousClock()
                    var b: Assignment?
                    let once = clock.measure { b = try? p.solve(prices: prices) }
                    let seconds = Double(once.components.seconds) + Double(once.components.attoseconds) * 1e-18
                    let t = seconds < budget ? try time(budget) { _ = try p.solve(prices: prices) } : seconds
                    previousCell = "\(name) \(ms(t))"
                    ratio = String(format: "%.1f×", t / full)
                    agree = b?.agents == a.agents ? "same" : "DIFFERS"
                } else if label == "layered w4" && V >= 10_000 {
                    previousCell = "milp (recorded \(Int(Self.recordedMILPSecondsLayered10k)) s)"
                    ratio = String(format: "%.0f× (recorded)", Self.recordedMILPSecondsLayered10k / full)
                } else {
                    previousCell = "milp (not timed)"
                }
                rows.append([label, "\(V)", priceLabel, solver.name, ms(full), ms(raw), String(format: "%.2f×", full / raw), previousCell, ratio, agree])
            }
            notes.append("\(label) \(V): building the solver \(ms(build))")
            if let pruned = try? SolverKind.pruned.makeRaw(for: inst.model), let stats = PrunedElimination.statistics(pruned, prices: inst.virtualBids) {
                notes.append("  pruned at the bids: \(stats)")
            }
        }
        printAligned(["instance", "V", "prices", "auto", "default solve", "anyOptimum", "tie rule ×", "previous auto (tie rule)", "speed-up", "allocation"], rows)
        print("")
        notes.forEach { print("  " + $0) }
        try largeBaselines()
        try starAtScale()
    }

    /// Median seconds per call of `a` and of `b`, called alternately until ~`budget` seconds
    /// elapse, so that a machine whose load changes during the measurement affects both alike.
    func timePair(_ budget: Double, _ a: () throws -> Void, _ b: () throws -> Void) rethrows -> (Double, Double) {
        var sa: [Double] = [], sb: [Double] = []
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        let start = clock.now
        repeat {
            sa.append(seconds(try clock.measure(a)))
            sb.append(seconds(try clock.measure(b)))
        } while (clock.now - start) < .milliseconds(Int(2 * budget * 1000)) && sa.count < 10_000
        sa.sort(); sb.sort()
        return (sa[sa.count / 2], sb[sb.count / 2])
    }

    /// The path `auto` took before pruned elimination on the same model: tree DP, cutset, elimination
    /// when its tables stay within 10⁶ entries, else MILP (nil: not timed, minutes per solve).
    static func previousAuto(_ model: CostModel) throws -> (String, any AllocationSolver)? {
        if model.isForest { return ("tree", try SolverKind.tree.make(for: model)) }
        if model.nodeCount >= 8, (try? CutsetConditioning(model: model, maxCut: model.agentCount <= 9 ? 2 : 1)) != nil {
            return ("cutset", try SolverKind.auto.make(for: model))
        }
        if (try? VariableElimination(model: model, tableLimit: 1e6)) != nil {
            return ("elimination", try SolverKind.elimination.make(for: model, eliminationLimit: 1e6))
        }
        return nil
    }

    /// The layered DAG with 10⁴ nodes against plain elimination without a table limit and without
    /// the tie rule (the fastest previous exact answer there): one solve each, same process.
    func largeBaselines() throws {
        guard !quick else { return }
        var g = SplitMix64(seed: seed &+ 1)
        let inst = try Instance(spec: RandomWorkflow.instance(.layered, nodes: 10_000, using: &g))
        let prices = inst.virtualBids
        let solver = try SolverKind.auto.make(for: inst.model)
        let full = try time(0.5) { _ = try solver.solve(prices: prices) }
        let ve = try VariableElimination(model: inst.model, tableLimit: .infinity)
        let clock = ContinuousClock()
        var b: Assignment?
        let d = try clock.measure { b = try ve.solve(prices: prices) }
        let t = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        let a = try solver.solve(prices: prices)
        print(String(format: "\n  layered w4, V = 10⁴ (another seed): default solve %@ vs plain elimination without tie rule (width %d, %.3g clique entries) %@ → %.0f× faster; objectives %@",
                     ms(full), ve.width, ve.cliqueEntries, ms(t), t / full,
                     abs((b?.objective ?? .nan) - a.objective) <= 1e-9 * a.objective ? "equal" : "DIFFER"))
    }

    /// STAR with all payments (exact thresholds) in this process, against the same run with the
    /// payment searches' whole-instance probes (the reference path: its time, the speed-up and
    /// whether the payments are identical), and `auctionlab solve` on the same instance in a child
    /// process: wall time and peak resident memory.
    func starAtScale() throws {
        var g = SplitMix64(seed: seed &+ 2)
        let exe = Self.executablePath
        var rows: [[String]] = []
        for v in quick ? [100, 1_000] : [100, 1_000, 10_000] {
            let spec = RandomWorkflow.instance(.layered, nodes: v, using: &g)
            let inst = try Instance(spec: spec)
            let clock = ContinuousClock()
            var outcome: Outcome?
            let d = try clock.measure { outcome = try STAR().run(inst, options: .init()) }
            let t = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            var counters = "-"
            if let (fb, runs) = PrunedElimination.counters(try inst.cache.value("solver.auto") { try SolverKind.auto.make(for: inst.model) }) {
                counters = "\(fb) / \(runs)"
            }
            // The same run with the payment searches' whole-instance probes (`RangeProbes.wholeInstance`,
            // the reference path), on a fresh copy of the instance whose solver cache is seeded with it.
            var reference = "-"
            if var pruned = try SolverKind.auto.make(for: inst.model) as? PrunedElimination, let o = outcome {
                pruned.rangeProbes = .wholeInstance
                let fresh = try Instance(spec: spec)
                _ = fresh.cache.value("solver.auto") { pruned as any AllocationSolver }
                var old: Outcome?
                let dd = try clock.measure { old = try STAR().run(fresh, options: .init()) }
                let tt = Double(dd.components.seconds) + Double(dd.components.attoseconds) * 1e-18
                var verdict = "DIFFER"
                if let old, old.assignment == o.assignment {
                    let worst = zip(old.payments, o.payments).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
                    let same = zip(old.payments, o.payments).filter { $0 == $1 }.count
                    verdict = old.payments == o.payments ? "identical" : String(format: "%d of %d identical, max rel. diff %.2g", same, o.payments.count, worst)
                }
                reference = String(format: "%@ (%.1f×), payments %@", ms(tt), tt / t, verdict)
            }
            var previous = "-"
            if v <= 100, let o = outcome {
                var old: Outcome?
                let dd = try clock.measure { old = try STAR().run(inst, options: .init(solver: .elimination)) }
                let tt = Double(dd.components.seconds) + Double(dd.components.attoseconds) * 1e-18
                let same = old.map { o2 in o2.assignment == o.assignment && zip(o2.payments, o.payments).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($0)) } } ?? false
                previous = String(format: "elimination %@ (%.1f×), payments %@", ms(tt), tt / t, same ? "equal" : "DIFFER")
            }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-bench-exact-\(getpid())-\(v).json")
            try JSONEncoder().encode(spec).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let once = try Self.spawnMeasured(exe, ["bench", "exact", "--solve-once", file.path])
            let child = v <= 1_000 ? try Self.spawnMeasured(exe, ["solve", file.path, "--format", "json"]) : nil
            rows.append(["    layered w4", "\(v)", ms(t), "\(outcome?.solverCalls ?? 0)", counters, reference, previous,
                         String(format: "%.3f s, %.0f MB", once.wall, Double(once.peakBytes) / 1e6),
                         child.map { String(format: "%.3f s, %.0f MB", $0.wall, Double($0.peakBytes) / 1e6) } ?? "-"])
        }
        print("\n  STAR, allocation + all payments (exact thresholds), default solver:")
        printAligned(["", "V", "in process", "solver calls", "fallback calls / descent re-solves",
                      "whole-instance probes (reference: time, speed-up, payments)", "previous (forced elimination, tie rule)",
                      "child: load + one default solve (wall, peak)", "child: `auctionlab solve` (wall, peak)"], rows)
    }
}

/// `auctionlab bench exact`.
struct BenchExact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exact",
        abstract: "The default exact solve (tie rule included) up to 10⁴ nodes against the previous auto path.",
        discussion: """
        S1–S4, random trees and layered width-4 DAGs (V = 10², 10³, 10⁴) and random multi-parent \
        DAGs, at the bids' prices and at a tie (agent 1 priced like agent 0): the default solve, \
        the same solver without the tie rule (anyOptimum) and their ratio, and the path `auto` \
        took before pruned elimination (elimination with min-marginals, or MILP where its tables \
        exceed 10⁶ entries: not re-run, the recorded time is printed) with the speed-up and whether \
        the allocations agree. Then the layered DAG at 10⁴ nodes against plain elimination without \
        a table limit, and STAR with all payments in process (against the payment searches' \
        whole-instance probes, the reference path) and as `auctionlab solve` in a child process \
        (wall time, peak memory). --payments-only runs the STAR block alone.
        """)

    @OptionGroup var options: BenchOptions
    @Flag(help: "Only the STAR-with-all-payments block (skips the solver tables).") var paymentsOnly = false
    @Option(help: .hidden) var solveOnce: String?

    func run() throws {
        // The child process of the memory measurement: load one instance, build the default
        // solver, solve once at the bids (tie rule included), exit.
        if let solveOnce {
            let inst = try Instance(spec: InstanceSpec.decode(try Data(contentsOf: URL(fileURLWithPath: solveOnce)), file: solveOnce))
            _ = try SolverKind.auto.make(for: inst.model).solve(prices: inst.virtualBids)
            return
        }
        if paymentsOnly { try options.suite.starAtScale(); return }
        try options.suite.exactBenchmarks()
    }
}
