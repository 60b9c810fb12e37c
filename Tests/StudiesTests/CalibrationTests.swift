import Foundation
import Testing
import TestSupport
import Workflows
@testable import Experiments
@testable import Studies
@testable import Sweeps

@Suite("Experiments: market assumptions and calibration to a published table")
struct CalibrationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var topologies: String { root.appendingPathComponent("Experiments/topologies").path }
    static var targetText: String { (try? String(contentsOf: root.appendingPathComponent("Experiments/targets/star-table1.yaml"), encoding: .utf8)) ?? "" }

    static func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    static func spec(_ extra: String) -> String {
        """
        name: t
        trials: 4
        seed: 11
        topology_dir: \(topologies)
        \(extra)
        """
    }

    static func problem(_ yaml: String, free: [String]? = nil, target: CalibrationTarget? = nil) throws -> CalibrationProblem {
        let s = try decodeSpec(yaml)
        let t = try target ?? CalibrationTarget.parse(targetText, file: "star-table1.yaml")
        return try CalibrationProblem(spec: s, specFile: "cal.yaml", target: t, targetFile: "star-table1.yaml", freeOverride: free)
    }
    static func decodeSpec(_ yaml: String) throws -> CalibrationSpec {
        let dir = Scratch.path("calib")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("cal.yaml")
        try yaml.write(to: f, atomically: true, encoding: .utf8)
        return try CalibrationSpec.load(f.path)
    }

    // MARK: targets

    @Test("the paper's Table 1 target parses; its savings equal 1 − STAR/baseline of its own means to the printed digit")
    func paperTarget() throws {
        let t = try CalibrationTarget.parse(Self.targetText, file: "star-table1.yaml")
        #expect(t.topologies == ["S1", "S2", "S3", "S4"] && t.trials == 50)
        for topo in t.topologies { for b in t.baselines {
            let implied = 100 * (1 - t.cell(topo, "star").mean / t.cell(topo, b).mean)
            #expect(abs(implied - t.saving(topo, b)) <= 0.051, "\(topo) vs \(b): \(implied)")
        } }
    }

    @Test("bad targets are refused naming the field", arguments: [
        ("    homogeneous: {mean: 2.38, std: 0.29}\n", "", "cells.S3.homogeneous"),
        ("myopic: {mean: 6.72, std: 0.53}", "myopic: {mean: 6.72, std: -0.53}", "cells.S2.myopic.std"),
        ("star: {mean: 1.58, std: 0.19}", "star: {mean: 1.58, std: 0}", "cells.S4.star.std"),
        ("  S4: {myopic: 19.4, homogeneous: 29.5}\n", "  S4: {myopic: 19.4}\n", "savings.S4.homogeneous"),
        ("  S4: {myopic: 19.4, homogeneous: 29.5}\n", "", "savings.S4"),
        ("trials: 50", "trials: 1", "trials"),
        ("mechanisms: [star, myopic, homogeneous]", "mechanisms: [star, myopic, homogenous]", "mechanisms[2]"),
        ("    star: {mean: 4.03, std: 0.81}", "    star: {mean: 4.03, std: 0.81}\n    vcg: {mean: 4, std: 1}", "cells.S1.vcg"),
        ("trials: 50", "trials: 50\nsavigns: {}", "savigns"),
    ])
    func badTargets(find: String, replace: String, field: String) throws {
        let text = Self.targetText
        let range = try #require(text.range(of: find), "fixture text not found: \(find)")
        let bad = text.replacingCharacters(in: range, with: replace)
        let m = Self.message { _ = try CalibrationTarget.parse(bad, file: "bad.yaml") }
        #expect(m.contains("bad.yaml") && m.contains("`\(field)`"), "\(m)")
    }

    // MARK: calibration specs

    @Test("bad calibration specs are refused naming the field", arguments: [
        ("fit: [S1]\nfree: [beta, wobble]\nbounds: {beta: [0, 3]}", nil, "free[1]", "wobble"),
        ("fit: [S1]\nfree: [beta]\nbounds: {rho: [0, 1]}", nil, "free[0]", "bounds.beta"),
        ("fit: [S1]\nfree: [beta]\nbounds: {beta: [0, 3], wobble: [0, 1]}", nil, "bounds.wobble", "not a switch"),
        ("fit: [S1]\nfree: [edge_tokens]\nbounds: {edge_tokens: [split, whole]}", nil, "bounds.edge_tokens[1]", "whole"),
        ("fit: [S1]\nfree: [kappa]\nbounds: {kappa: [0, 2]}", nil, "bounds.kappa", "2"),
        ("fit: [S1]\nfree: [beta]\nbounds: {beta: [3, 1]}", nil, "bounds.beta", "low < high"),
        ("fit: [S9]\nfree: [beta]\nbounds: {beta: [0, 3]}", nil, "fit[0]", "S9"),
        ("fit: [S1]\nfree: [beta]\nbounds: {beta: [0, 3]}", ["beta", "rho"], "--free rho", "bounds.rho"),
        ("fit: [S1]\nfree: [beta]\nbounds: {beta: [0, 3]}", ["nope"], "--free nope", "not a switch"),
        ("fit: [S1]\nfree: [beta]\nbounds: {beta: [0, 3]}\nfitstd: true", nil, "fitstd", "not a key"),
    ] as [(String, [String]?, String, String)])
    func badSpecs(body: String, free: [String]?, field: String, detail: String) {
        let m = Self.message { _ = try Self.problem(Self.spec(body), free: free) }
        #expect(m.contains("`\(field)`") && m.contains(detail), "\(m)")
    }

    @Test("an unknown key in a market's assumptions block is refused naming it")
    func unknownAssumption() throws {
        let dir = Scratch.path("calib-m")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = try String(contentsOf: Self.root.appendingPathComponent("Experiments/markets/paper.yaml"), encoding: .utf8)
        text += "assumptions:\n  edge_tokens: full-input\n  bundel_bidders: all\n"
        let f = dir.appendingPathComponent("m.yaml")
        try text.write(to: f, atomically: true, encoding: .utf8)
        let m = Self.message { _ = try MarketSpec.load(f.path, field: "market", specFile: "s.yaml") }
        #expect(m.contains("`assumptions.bundel_bidders`"), "\(m)")
        try text.replacingOccurrences(of: "  bundel_bidders: all\n", with: "  payment_scale: -1\n").write(to: f, atomically: true, encoding: .utf8)
        #expect(Self.message { _ = try MarketSpec.load(f.path, field: "market", specFile: "s.yaml") }.contains("`assumptions.payment_scale`"))
    }

    // MARK: switches

    static func rows(_ market: MarketSpec, topologies names: [String] = ["S4", "S3"], trials: Int = 5,
                     mechanisms: [String] = ["star", "myopic", "homogeneous"]) throws -> [TrialRow] {
        let spec = ExperimentSpec(name: "a", topologies: names, mechanisms: mechanisms, trials: trials, seed: 5)
        let topos = try SweepRunner.loadTopologies(names, directory: topologies, file: "t")
        return try SweepRunner(spec: spec, market: market, topologies: topos).run(threads: 2)
    }

    @Test("every switch at its default writes the same bytes as a market without an assumptions block")
    func defaultsAreToday() throws {
        var explicit = MarketSpec.paper
        explicit.assumptions = MarketAssumptions(paymentScale: 1, edgeTokens: .split, diurnal: .perTrial, diurnalHour: 8,
                                                 bundleBidders: .capable, baselineCap: MarketAssumptions.BaselineCap.none)
        let spec = ExperimentSpec(name: "a", topologies: ["S4", "S3"], mechanisms: ["star", "myopic", "homogeneous"], trials: 5, seed: 5)
        #expect(try Reports.trialsCSV(spec, Self.rows(.paper)) == Reports.trialsCSV(spec, Self.rows(explicit)))
    }

    @Test("payment_scale multiplies every payment and nothing else changes")
    func paymentScale() throws {
        var m = MarketSpec.paper
        m.assumptions = MarketAssumptions(paymentScale: 3)
        let a = try Self.rows(.paper), b = try Self.rows(m)
        for (x, y) in zip(a, b) {
            #expect(abs(y.totalPayment - 3 * x.totalPayment) <= 1e-12 * y.totalPayment)
            #expect(abs(y.trueCost - 3 * x.trueCost) <= 1e-12 * y.trueCost)
            #expect(x.tierShare == y.tierShare && x.solverCalls == y.solverCalls)
        }
    }

    @Test("edge_tokens: full-input puts the child's input, parent-output the parent's output, on every edge; split leaves them to TheModel.md")
    func edgeTokens() throws {
        let topo = try Topology.load(name: "S4", directory: Self.topologies)
        for mode in MarketAssumptions.EdgeTokens.allCases {
            var m = MarketSpec.paper
            m.assumptions = MarketAssumptions(edgeTokens: mode)
            let (spec, _) = PaperMarket.sample(topology: topo, parameters: [:], seed: 9, market: m)
            let node = Dictionary(uniqueKeysWithValues: spec.nodes.map { ($0.id, $0) })
            for e in spec.edges {
                switch mode {
                case .split: #expect(e.tokens == nil)
                case .fullInput: #expect(e.tokens == node[e.to]!.inputTokens)
                case .parentOutput: #expect(e.tokens == node[e.from]!.outputTokens)
                }
            }
            // Same random draws whatever the mode (common random numbers).
            #expect(spec.nodes == PaperMarket.sample(topology: topo, parameters: [:], seed: 9).spec.nodes)
        }
    }

    @Test("diurnal fixed at 14:00 (E = 1) makes every prior's top exactly (1 + β)·C; the other draws are unchanged")
    func diurnalFixed() throws {
        let topo = try Topology.load(name: "S3", directory: Self.topologies)
        var m = MarketSpec.paper
        m.assumptions = MarketAssumptions(diurnal: .fixed, diurnalHour: 14)
        for seed: UInt64 in [1, 2, 3] {
            let (spec, _) = PaperMarket.sample(topology: topo, parameters: ["beta": 1.5], seed: seed, market: m)
            let prices = PaperMarket.basePrices.flatMap { $0 }
            for (a, c) in zip(spec.agents, prices) {
                guard case let .uniform(_, hi) = a.prior else { Issue.record("prior not uniform"); continue }
                #expect(abs(hi - 2.5 * c) <= 1e-12 * hi)
            }
            #expect(spec.nodes == PaperMarket.sample(topology: topo, parameters: [:], seed: seed).spec.nodes)
        }
    }

    @Test("bundle_bidders: more bidders never raise Homogeneous's payment, and 'all' lets a tier-1 agent win the bundle")
    func bundleBidders() throws {
        let base = try Self.rows(.paper, mechanisms: ["homogeneous"])
        var sawTier1 = false
        for mode in [MarketAssumptions.BundleBidders.tier2Up, .all] {
            var m = MarketSpec.paper
            m.assumptions = MarketAssumptions(bundleBidders: mode)
            let open = try Self.rows(m, mechanisms: ["homogeneous"])
            for (x, y) in zip(base, open) {
                #expect(y.totalPayment <= x.totalPayment * (1 + 1e-12))
                if mode == .all, y.tierShare[0] == 1 { sawTier1 = true }
            }
        }
        #expect(sawTier1)
    }

    @Test("baseline_cap prior-top: baselines pay at most uncapped and at most Σ hi_i·x_i; STAR is untouched")
    func baselineCap() throws {
        var m = MarketSpec.paper
        m.assumptions = MarketAssumptions(baselineCap: .priorTop)
        let a = try Self.rows(.paper), b = try Self.rows(m)
        var lowered = 0
        for (x, y) in zip(a, b) {
            if x.mechanism == "star" { #expect(x.totalPayment == y.totalPayment) } else {
                #expect(y.totalPayment <= x.totalPayment)
                if y.totalPayment < x.totalPayment { lowered += 1 }
            }
        }
        #expect(lowered > 0)
        // Direct check of the cap on one trial: payment ≤ hi_i·x_i per agent.
        let topo = try Topology.load(name: "S4", directory: Self.topologies)
        let (spec, _) = PaperMarket.sample(topology: topo, parameters: [:], seed: 4)
        let inst = try Instance(spec: spec)
        for name in ["myopic", "homogeneous"] {
            let (o, paid) = try m.assumed.run(SweepRunner.resolveMechanisms([name], file: "t")[0], on: inst, spec: spec)
            let bound = o.workloads.indices.reduce(0.0) { $0 + inst.priors[$1].support.upperBound * o.workloads[$1] }
            #expect(paid <= bound * (1 + 1e-12) && paid <= o.totalPayment)
        }
    }

    // MARK: the calibrator

    /// A target made by our own simulator at known switch values (std from the same run).
    static func syntheticTarget(_ market: MarketSpec, topologies names: [String], trials: Int, seed: UInt64) throws -> CalibrationTarget {
        let spec = ExperimentSpec(name: "s", topologies: names, mechanisms: ["star", "myopic", "homogeneous"], trials: trials, seed: seed)
        let topos = try SweepRunner.loadTopologies(names, directory: topologies, file: "t")
        let rows = try SweepRunner(spec: spec, market: market, topologies: topos).run(threads: 2)
        var cells: [String: [String: CalibrationTarget.Cell]] = [:], savings: [String: [String: Double]] = [:]
        for t in names {
            func xs(_ m: String) -> [Double] { rows.filter { $0.topology == t && $0.mechanism == m }.map(\.totalPayment) }
            for m in ["star", "myopic", "homogeneous"] {
                let v = xs(m), mean = v.reduce(0, +) / Double(v.count)
                let sd = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
                cells[t, default: [:]][m] = .init(mean: mean, std: sd)
            }
            for b in ["myopic", "homogeneous"] { savings[t, default: [:]][b] = 100 * (1 - cells[t]!["star"]!.mean / cells[t]![b]!.mean) }
        }
        return CalibrationTarget(name: "synthetic", source: "our simulator", trials: trials, topologies: names,
                                 mechanisms: ["star", "myopic", "homogeneous"], cells: cells, savings: savings)
    }

    @Test("a target simulated at known switches (same seed) is recovered: scale in closed form, β by Nelder–Mead, edge_tokens by enumeration")
    func recovery() throws {
        var truth = MarketSpec.paper
        truth.defaults["beta"] = 0.6
        truth.assumptions = MarketAssumptions(paymentScale: 2.5, edgeTokens: .fullInput)
        let target = try Self.syntheticTarget(truth, topologies: ["S4", "S3"], trials: 6, seed: 11)
        let p = try Self.problem(Self.spec("""
        trials: 6
        fit: [S4]
        free: [payment_scale, beta, edge_tokens]
        bounds: {payment_scale: [0.1, 50], beta: [0, 3], edge_tokens: [split, full-input, parent-output]}
        refine: 1
        max_iterations: 60
        """).replacingOccurrences(of: "trials: 4\n", with: ""), target: target)
        let r = try Calibrator(problem: p, threads: 2).run()
        #expect(r.market.assumed.edgeMode == .fullInput)
        #expect(abs(r.market.defaults["beta"]! - 0.6) < 0.03, "\(r.market.defaults)")
        #expect(abs(r.market.assumed.scale - 2.5) < 0.05, "\(r.market.assumed.scale)")
        #expect(r.distance < 0.5)
        // The held-out topology (S3) is predicted: the calibrated market reproduces it.
        let report = try CalibrationReport(calibrator: Calibrator(problem: p, threads: 2), result: r, command: "test")
        for res in report.residuals where res.quantity == "mean" && res.role == "held-out" { #expect(abs(res.residual) < 0.5, "\(res)") }
    }

    @Test("with only payment_scale free the fit is the weighted least-squares ratio, computed independently here")
    func closedFormScale() throws {
        let p = try Self.problem(Self.spec("fit: [S1, S2]\nfree: [payment_scale]\nbounds: {payment_scale: [0.1, 50]}"))
        var table = SimulatedTable()
        for t in ["S1", "S2"] { for (k, m) in ["star", "myopic", "homogeneous"].enumerated() { table.mean[t, default: [:]][m] = Double(k + 1) + (t == "S2" ? 0.5 : 0) } }
        var num = 0.0, den = 0.0
        for t in ["S1", "S2"] { for (k, m) in ["star", "myopic", "homogeneous"].enumerated() {
            let c = p.target.cell(t, m), x = Double(k + 1) + (t == "S2" ? 0.5 : 0)
            num += x * c.mean / (c.std * c.std); den += x * x / (c.std * c.std)
        } }
        let (d, a) = Calibrator(problem: p, threads: 1).distance(table)
        #expect(abs(a - num / den) <= 1e-12 * a)
        // A table already scaled by c is fitted by 1/c.
        let d2 = Calibrator(problem: p, threads: 1).distance(table.scaled(a * 1.01))
        #expect(abs(d2.scale - 1 / 1.01) < 1e-12)
        // Moving off the optimum increases the distance.
        var dOff = 0.0
        for t in ["S1", "S2"] { for (k, m) in ["star", "myopic", "homogeneous"].enumerated() {
            let c = p.target.cell(t, m), x = 1.01 * a * (Double(k + 1) + (t == "S2" ? 0.5 : 0))
            dOff += pow((x - c.mean) / (c.std / 50.0.squareRoot()), 2)
        } }
        #expect(dOff > d)
    }

    @Test("the calibration and its report are identical with 1 and 3 threads")
    func threadInvariance() throws {
        let yaml = Self.spec("""
        fit: [S4]
        free: [payment_scale, scarcity_low, baseline_cap]
        bounds: {payment_scale: [0.1, 50], scarcity_low: [0.05, 0.95], baseline_cap: [none, prior-top]}
        refine: 1
        max_iterations: 6
        """)
        let target = try Self.syntheticTarget(.paper, topologies: ["S4", "S3"], trials: 4, seed: 2)
        func run(_ threads: Int) throws -> (String, String, String) {
            let c = Calibrator(problem: try Self.problem(yaml, target: target), threads: threads)
            let r = try c.run()
            let rep = try CalibrationReport(calibrator: c, result: r, command: "x")
            return (try rep.fitCSV(), try rep.residualsCSV(), rep.marketYAML(name: "m"))
        }
        let one = try run(1), three = try run(3)
        #expect(one == three)
    }

    @Test("the calibrated market file loads back as the calibrated market")
    func marketRoundTrip() throws {
        let yaml = Self.spec("fit: [S4]\nfree: [payment_scale, edge_tokens]\nbounds: {payment_scale: [0.1, 50], edge_tokens: [split, parent-output]}")
        let target = try Self.syntheticTarget(.paper, topologies: ["S4", "S3"], trials: 4, seed: 3)
        let c = Calibrator(problem: try Self.problem(yaml, target: target), threads: 2)
        let r = try c.run()
        let text = try CalibrationReport(calibrator: c, result: r, command: "x").marketYAML(name: "back")
        let dir = Scratch.path("calib-rt")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("back.yaml")
        try text.write(to: f, atomically: true, encoding: .utf8)
        var loaded = try MarketSpec.load(f.path, field: "market", specFile: "x")
        loaded.name = r.market.name
        #expect(loaded.assumed.edgeMode == r.market.assumed.edgeMode)
        #expect(abs(loaded.assumed.scale - r.market.assumed.scale) <= 1e-9 * r.market.assumed.scale)
        #expect(loaded.scarcity == r.market.scarcity && loaded.priorLowFraction == r.market.priorLowFraction)
    }
}
