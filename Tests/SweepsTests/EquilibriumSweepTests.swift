import Foundation
import Testing
import TestSupport
@testable import Experiments
@testable import Sweeps
import LabIO

/// `BASE@equilibrium` entries in a sweep (issue 14, `Experiments/table1-equilibrium.yaml`): a tiny
/// spec (one topology, 2 trials, a 3-knot solver for a few iterations) through the single-run,
/// sharded and resumed paths. The solver is far from converged at this size; the test is about
/// the plumbing (rows, certificates stored beside them, bytes), not the equilibrium's quality.
@Suite("Experiments: equilibrium entries in a sweep")
struct EquilibriumSweepTests {
    static let yaml = """
    name: eq-tiny
    topologies: [S4]
    mechanisms: [star, pay-as-bid, pay-as-bid@equilibrium]
    trials: 2
    seed: 5
    equilibrium: {grid: 3, samples: 8, iterations: 2, certificate_samples: 12}
    """

    @Test("single run, 2 shards merged, and a killed-then-resumed run: byte-identical; trials.csv well-formed with ε beside every equilibrium row", .tags(.slow), .fullLaneOnly)
    func shardsAndCSV() throws {
        let spec = try ExperimentSpec.parse(Self.yaml, file: "inline.yaml")
        let runner = try SweepRunner(spec: spec, topologyDirectory: SweepTests.topologies)
        let single = ResultFolders.scratch("eqsweep-single"), sharded = ResultFolders.scratch("eqsweep-sharded"), resumed = ResultFolders.scratch("eqsweep-resumed")
        defer { for d in [single, sharded, resumed] { try? FileManager.default.removeItem(at: d) } }

        _ = try runner.runToReports(in: single, resume: false, threads: 2, command: "cmd")
        let one = try ResultFolders.files(single)
        for i in 0..<2 { _ = try runner.runShard(ShardID(i, of: 2), in: sharded, resume: false, threads: 1) }
        let header = try String(contentsOf: sharded.appendingPathComponent("shard-0-of-2.rows"), encoding: .isoLatin1).prefix { $0 != "\n" }
        // extras=E, then the market's and the topologies' content fingerprints (one each).
        #expect(header.contains(" extras=\(EquilibriumMeasures.stored) inputs="), "\(header)")
        #expect(header.split(separator: " ").last.map { $0.dropFirst("inputs=".count).split(separator: ",").count } == 1 + runner.topologies.count, "\(header)")
        _ = try runner.mergeShards(in: sharded, rerun: SweepInvocation(spec: "x.yaml", out: sharded.path), command: "cmd")
        #expect(try ResultFolders.files(sharded) == one)
        // Killed after one item, resumed: the journal's item is not recomputed, the bytes agree.
        let first = try runner.runShard(.all, in: resumed, resume: false, threads: 1, stopAfter: 1)
        #expect(!first.finished)
        let rest = try runner.runShard(.all, in: resumed, resume: true, threads: 2)
        #expect(rest.resumedItems == 1 && rest.newItems == 1)
        _ = try runner.mergeShards(in: resumed, rerun: SweepInvocation(spec: "x.yaml", out: resumed.path), command: "cmd")
        #expect(try ResultFolders.files(resumed) == one)
        // The in-memory path gives the same bytes too.
        let rows = try runner.run(threads: 1)
        #expect(try Reports.trialsCSV(spec, rows) == one[0])
        #expect(try Reports.summaryCSV(spec, rows) == one[1])
        #expect(Reports.tableMarkdown(spec, rows, command: "cmd") == one[2])

        // trials.csv: one row per (trial, mechanism), every row as wide as the header; the
        // equilibrium columns filled exactly on the equilibrium rows.
        let lines = one[0].split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let head = lines[0]
        #expect(Array(head.suffix(EquilibriumMeasures.columns.count)) == EquilibriumMeasures.columns)
        #expect(lines.count == 1 + 2 * 3)
        let col = { (name: String) in head.firstIndex(of: name)! }
        for row in lines.dropFirst() {
            #expect(row.count == head.count)
            let isEq = row[col("mechanism")].hasSuffix("@equilibrium")
            for c in EquilibriumMeasures.columns { #expect(row[col(c)].isEmpty != isEq, "\(c) in \(row)") }
            if isEq {
                let rel = try #require(Double(row[col("relative_epsilon")]))
                let hi = try #require(Double(row[col("relative_epsilon_ci_high")]))
                #expect(rel.isFinite && hi >= rel)
                #expect(row[col("converged")] == (rel <= 0.01 ? "1" : "0"))
                #expect(try #require(Double(row[col("expected_payment_equilibrium")])) > 0)
                #expect(try #require(Double(row[col("total_payment")])) > 0)
                // The Myerson gap is E[equilibrium] − E[STAR] on the same profiles, inside its interval.
                let eq = try #require(Double(row[col("expected_payment_equilibrium")]))
                let star = try #require(Double(row[col("expected_payment_star")]))
                let gap = try #require(Double(row[col("myerson_gap")]))
                #expect(star > 0 && abs(gap - (eq - star)) <= 1e-6 * eq, "gap \(gap) vs \(eq) − \(star)")
                #expect(try #require(Double(row[col("myerson_gap_ci_low")])) <= gap && gap <= (try #require(Double(row[col("myerson_gap_ci_high")]))))
                #expect(try #require(Double(row[col("epsilon_sum")])) >= 0)
            }
        }
        // summary.csv: savings against each equilibrium entry and ε columns; table.md labels them.
        let summaryHead = one[1].split(separator: "\n")[0]
        #expect(summaryHead.contains("saving_vs_pay-as-bid@equilibrium") && summaryHead.contains("max_relative_epsilon,not_converged_trials,expected_saving_of_star"))
        #expect(summaryHead.hasSuffix("myerson_shortfall_trials,mean_epsilon_sum"))
        #expect(one[2].contains("STAR vs pay-as-bid@equilibrium, drawn costs") && one[2].contains("STAR vs pay-as-bid@equilibrium, expected"))
        #expect(one[2].contains("| S4 | pay-as-bid@equilibrium | "), "the Myerson line of the cell")
        #expect(one[2].contains("not converged") || one[2].contains("(ε ≤"))
    }

    @Test("bad equilibrium settings and equilibrium entries in DSIC checks are refused, naming the field")
    func refusals() throws {
        func message(_ text: String) -> String {
            do {
                let s = try ExperimentSpec.parse(text, file: "bad.yaml")
                let r = try SweepRunner(spec: s, file: "bad.yaml", topologyDirectory: SweepTests.topologies)
                try SweepRunner.refuseEquilibriumEntries(r.mechanisms, file: "bad.yaml")   // what the DSIC sweeps call first
                return ""
            } catch { return "\(error)" }
        }
        let base = "name: x\ntopologies: [S4]\ntrials: 1\nseed: 1\n"
        #expect(message(base + "mechanisms: [star, pay-as-bid@equilibrium]\nequilibrium: {grid: 1}\n").contains("equilibrium.grid"))
        #expect(message(base + "mechanisms: [star, magic@equilibrium]\n").contains("mechanisms[1]"))
        #expect(message(base + "mechanisms: [star, pay-as-bid@equilibrium]\nequilibrium: {damping: 0}\n").contains("equilibrium.damping"))
        #expect(message(base + "mechanisms: [star, pay-as-bid@equilibrium]\nequilibrium: {damping: 1.5}\n").contains("equilibrium.damping"))
        // The step size enters the spec hash only when it is not the default (older row files stay valid).
        func hash(_ extra: String) throws -> UInt64 {
            try SweepRunner(spec: ExperimentSpec.parse(base + "mechanisms: [star, pay-as-bid@equilibrium]\n" + extra, file: "x.yaml"),
                            file: "x.yaml", topologyDirectory: SweepTests.topologies).specHash
        }
        #expect(try hash("") == hash("equilibrium: {damping: 0.5}\n"))
        #expect(try hash("") != hash("equilibrium: {damping: 0.3}\n"))
        // The annealing share (default 0.1) is named in the hash: a constant temperature is another spec.
        #expect(try hash("") == hash("equilibrium: {annealing: 0.1}\n"))
        #expect(try hash("") != hash("equilibrium: {annealing: 1}\n"))
        #expect(message(base + "mechanisms: [star, pay-as-bid@equilibrium]\nequilibrium: {annealing: 0}\n").contains("equilibrium.annealing"))
        #expect(message(base + "mechanisms: [star, pay-as-bid@equilibrium]\nequilibrium: {annealing: 2}\n").contains("equilibrium.annealing"))
        // The averaging window likewise (default 0.75; 0.5 is the solver's own default).
        #expect(try hash("") == hash("equilibrium: {averaging: 0.75}\n"))
        #expect(try hash("") != hash("equilibrium: {averaging: 0.5}\n"))
        #expect(message(base + "mechanisms: [star, pay-as-bid@equilibrium]\nequilibrium: {averaging: 0}\n").contains("equilibrium.averaging"))
        #expect(message(base + "mechanisms: [star, pay-as-bid@equilibrium]\n").contains("played at equilibrium"))
    }
}
