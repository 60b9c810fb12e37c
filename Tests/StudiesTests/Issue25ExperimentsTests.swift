import Foundation
import Testing
import TestSupport
@testable import Experiments
@testable import Studies
@testable import Sweeps
import LabIO

/// Issue 25 §3 in the Experiments module: content fingerprints on --resume, calibration
/// targets and specs that were wrongly accepted, infinite relative ε in sweep rows.
@Suite("Hardening (issue 25): sweeps, targets, calibration specs")
struct Issue25ExperimentsTests {
    @Test("--resume refuses a journal written before the market file changed, naming the file; the unchanged market resumes")
    func resumeAfterMarketEdit() throws {
        let dir = Scratch.path("fp")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let market = dir.appendingPathComponent("market.yaml")
        let original = try String(contentsOf: Repository.path("Experiments/markets/paper.yaml"), encoding: .utf8)
        try original.write(to: market, atomically: true, encoding: .utf8)
        let yaml = "name: fp\ntopologies: [S3]\nmechanisms: [star]\ntrials: 4\nseed: 5\nmarket: \(market.path)\n"
        func runner() throws -> SweepRunner {
            try SweepRunner(spec: ExperimentSpec.parse(yaml, file: "fp.yaml"), file: "fp.yaml", topologyDirectory: Repository.path("Experiments/topologies").path)
        }
        let first = try runner().runShard(.all, in: dir, resume: false, threads: 1, stopAfter: 2)
        #expect(first.file == nil && first.newItems == 2)
        // Same market name, other prices: the trials would be another market's.
        let edited = original.replacingOccurrences(of: "prior_low_fraction: 0.1", with: "prior_low_fraction: 0.2")
        #expect(edited != original)
        try edited.write(to: market, atomically: true, encoding: .utf8)
        #expect(throws: ExperimentError.self) { try runner().runShard(.all, in: dir, resume: true, threads: 1) }
        do { _ = try runner().runShard(.all, in: dir, resume: true, threads: 1) } catch {
            #expect("\(error)".contains("other contents of \(market.path)"), "\(error)")
        }
        // Comments and key order do not count: only what the rows depend on.
        try ("# a comment\n" + original).write(to: market, atomically: true, encoding: .utf8)
        let done = try runner().runShard(.all, in: dir, resume: true, threads: 1)
        #expect(done.resumedItems == 2 && done.file != nil)
    }

    @Test("calibration targets: a negative mean, a repeated topology are refused naming the field; a spec with fit: [S1, S1] too")
    func targetsAndFit() throws {
        let text = CalibrationTests.targetText
        func refusal(_ t: String) -> String { CalibrationTests.message { _ = try CalibrationTarget.parse(t, file: "t.yaml") } }
        #expect(refusal(text.replacingOccurrences(of: "star: {mean: 4.03,", with: "star: {mean: -4.03,")).contains("`cells.S1.star.mean` must be a finite payment ≥ 0"))
        #expect(refusal(text.replacingOccurrences(of: "topologies: [S1, S2, S3, S4]", with: "topologies: [S1, S2, S3, S4, S2]")).contains("`topologies[4]` \"S2\" repeats topologies[1]"))
        #expect(refusal(text.replacingOccurrences(of: "trials: 50\n", with: "trials: 50\ntrials: 40\n")).contains("`trials` is given twice"))
        let fit = CalibrationTests.message { _ = try CalibrationTests.problem(CalibrationTests.spec("fit: [S1, S1]\nfree: [beta]\nbounds: {beta: [0, 3]}")) }
        #expect(fit.contains("`fit[1]` \"S1\" repeats fit[0]"), "\(fit)")
    }

    @Test("a sweep row whose relative ε is +∞ (zero equilibrium utility, positive gain) is stored, and written as an empty field with converged 0, not refused")
    func infiniteRelativeEpsilon() throws {
        // ε, relative ε, its upper end, E[eq], E[truthful], E[STAR], Myerson gap and its interval, ε-sum.
        let eq = [0.5, Double.infinity, Double.infinity, 3, 2, 2.5, 0.5, 0.1, 0.9, 0.2]
        let m = RowFile.Measures(totalPayment: 1, trueCost: 1, virtualCost: 1, bidCost: 1, tierShare: [1, 0, 0], solverCalls: 1, equilibrium: eq)
        #expect(m.problem(row: 0) == nil)
        #expect(EquilibriumMeasures.cells(eq, target: 0.01) == ["0.5", "", "", "0", "3", "2", "2.5", "0.5", "0.1", "0.9", "0.2"])
        // A negative Myerson gap is a finding, stored; a spec without `star` leaves STAR's four values NaN, written empty.
        var below = eq; below[6] = -0.2; below[7] = -0.3; below[8] = -0.1
        #expect(RowFile.Measures(totalPayment: 1, trueCost: 1, virtualCost: 1, bidCost: 1, tierShare: [1, 0, 0], solverCalls: 1, equilibrium: below).problem(row: 0) == nil)
        var noStar = eq; for t in 5...8 { noStar[t] = .nan }
        #expect(RowFile.Measures(totalPayment: 1, trueCost: 1, virtualCost: 1, bidCost: 1, tierShare: [1, 0, 0], solverCalls: 1, equilibrium: noStar).problem(row: 0) == nil)
        #expect(EquilibriumMeasures.cells(noStar, target: 0.01) == ["0.5", "", "", "0", "3", "2", "", "", "", "", "0.2"])
        // A negative payment or ε-sum is refused.
        var negative = eq; negative[9] = -1
        #expect(RowFile.Measures(totalPayment: 1, trueCost: 1, virtualCost: 1, bidCost: 1, tierShare: [1, 0, 0], solverCalls: 1, equilibrium: negative).problem(row: 0) != nil)
        // NaN and −∞ remain refused.
        for bad in [Double.nan, -.infinity] {
            var e = eq; e[1] = bad
            let b = RowFile.Measures(totalPayment: 1, trueCost: 1, virtualCost: 1, bidCost: 1, tierShare: [1, 0, 0], solverCalls: 1, equilibrium: e)
            #expect(b.problem(row: 0) != nil)
        }
    }

    @Test("myerson-bound and dsic-priors specs with nothing to check, or a repeated entry, are refused")
    func vacuousStudies() throws {
        let base = "kind: myerson-bound\nname: m\nseed: 1\n"
        #expect(CalibrationTests.message { _ = try MyersonSpec.parse(base + "mechanisms: [pay-as-bid]\ntopologies: []\n", file: "m.yaml") }.contains("no instance"))
        #expect(CalibrationTests.message { _ = try MyersonSpec.parse(base + "mechanisms: []\ntopologies: [S1]\n", file: "m.yaml") }.contains("`mechanisms` is empty"))
        #expect(CalibrationTests.message { _ = try MyersonSpec.parse(base + "mechanisms: [myopic, myopic]\ntopologies: [S1]\n", file: "m.yaml") }.contains("`mechanisms[1]`"))
        let dsic = "kind: dsic-priors\nname: d\ntopologies: [S1]\nprofiles: 2\ngrid: 6\nseed: 13\n"
        func dsicRefusal(_ extra: String) -> String { CalibrationTests.message { _ = try DSICPriorsSpec.parse(dsic + extra, file: "d.yaml") } }
        #expect(dsicRefusal("mechanisms: [star]\nidentical: [2]\n") == "", "the base spec must parse")
        #expect(dsicRefusal("mechanisms: []\nidentical: [2]\n").contains("`mechanisms` is empty"))
        #expect(dsicRefusal("mechanisms: [star]\nidentical: []\n").contains("`identical` is empty"))
        #expect(dsicRefusal("mechanisms: [star]\nidentical: [2]\npriors: []\n").contains("`priors` is empty"))
        #expect(dsicRefusal("mechanisms: [star, vcg, star]\nidentical: [2]\n").contains("`mechanisms[2]` \"star\" repeats mechanisms[0]"))
    }
}
