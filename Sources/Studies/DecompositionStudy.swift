import Experiments
import Foundation
import LabIO
import LabNumerics
import Mechanisms
import Sweeps
import Workflows

/// The decomposition study (issue 29): where STAR's saving against Myopic comes from.
///
///     kind: decomposition
///     name: decomposition
///     topologies: [S1, S1x5, S2, S3, S4]
///     market: Experiments/markets/paper.yaml
///     seed: 2026            # trial k's market is the sweep runner's trial k of this seed
///     trials: 200           # every cell of the factorial (`Combination`)
///     star_vcg_trials: 4000 # STAR's and VCG's cells only, for their paired difference
///
/// Every trial runs the factorial's cells on one sampled market; the paired per-trial
/// differences between cells give each factor's effect with a 95 % interval.
public struct DecompositionSpec: Codable, Sendable, WritesResults {
    /// Must be `decomposition`.
    public var kind: String
    /// Study name (output folder `Results/NAME` unless `output` says otherwise).
    public var name: String
    /// Topology names (files in `topology_dir`, default `Experiments/topologies`).
    public var topologies: [String]
    /// Market YAML (default the paper's market).
    public var market: String?
    /// Master seed of the trials' markets.
    public var seed: UInt64
    /// Trials of the whole factorial per topology (2…100,000).
    public var trials: Int
    /// Trials of STAR and VCG alone per topology (≥ `trials`; default `trials`).
    public var starVCGTrials: Int?
    /// Output folder.
    public var output: String?
    /// Folder of the topology files.
    public var topologyDir: String?

    enum CodingKeys: String, CodingKey {
        case kind, name, topologies, market, seed, trials, output
        case starVCGTrials = "star_vcg_trials", topologyDir = "topology_dir"
    }

    /// Whether a YAML text is a decomposition spec (its `kind`).
    public static func matches(_ text: String) -> Bool {
        text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("kind: decomposition") }
    }

    /// Reads and validates the spec at `path`.
    public static func load(_ path: String) throws -> DecompositionSpec {
        let file = path
        let s = try decodeYAML(DecompositionSpec.self, from: ExperimentError.readText(path, what: "decomposition spec"), file: file)
        func bad(_ f: String, _ why: String) -> FieldError { FieldError(file: file, field: f, reason: why) }
        guard s.kind == "decomposition" else { throw bad("kind", "must be decomposition") }
        guard !s.topologies.isEmpty else { throw bad("topologies", "is empty") }
        guard (2...100_000).contains(s.trials) else { throw bad("trials", "must be between 2 and 100000") }
        if let n = s.starVCGTrials, !(s.trials...1_000_000).contains(n) { throw bad("star_vcg_trials", "must be between trials and 1000000") }
        return s
    }

}

/// Runs a ``DecompositionSpec`` and writes its tables.
public enum DecompositionStudy {
    /// The cells named in the analysis (registry names of `Combination` cells).
    public static let myopic = Combination(.myopic, .second, .full).name
    /// STAR's cell.
    public static let star = Combination(.star, .myerson, .cached).name
    /// VCG's cell.
    public static let vcg = Combination(.vcg, .myerson, .cached).name

    /// One factor: its effect is the payment of cell `from` minus that of cell `to`, per trial,
    /// where the two cells differ in that factor only.
    public struct Factor: Sendable {
        /// Column value in `factors.csv`.
        public let name: String
        /// What the factor switches, in words.
        public let meaning: String
        /// The cell with the factor at Myopic's level.
        public let from: String
        /// The cell with the factor at STAR's level.
        public let to: String
        /// Whether it is one of the main effects that, with the interaction, sum to the total.
        public let main: Bool
    }

    /// The factors reported: four main effects switched from Myopic's cell, then views that
    /// overlap them (the allocation's two parts together, the cap alone, and each factor switched
    /// back at STAR's cell instead, which is where the interaction shows).
    public static let factors: [Factor] = {
        let m = (a: Combination.AllocationLevel.myopic, p: Combination.PaymentLevel.second, b: Combination.BillingLevel.full)
        let s = (a: Combination.AllocationLevel.star, p: Combination.PaymentLevel.myerson, b: Combination.BillingLevel.cached)
        func cell(_ a: Combination.AllocationLevel, _ p: Combination.PaymentLevel, _ b: Combination.BillingLevel) -> String { Combination(a, p, b).name }
        return [
            Factor(name: "virtual_pricing", meaning: "allocate at φ̄ instead of bids (edges still ignored)",
                   from: myopic, to: cell(.starblind, m.p, m.b), main: true),
            Factor(name: "edge_awareness", meaning: "allocate with the edges' switching costs (at bids)",
                   from: myopic, to: cell(.vcg, m.p, m.b), main: true),
            Factor(name: "payment_rule", meaning: "pay Myerson thresholds with the prior-top reserve instead of the uncapped second price",
                   from: myopic, to: cell(m.a, .myerson, m.b), main: true),
            Factor(name: "billing", meaning: "bill STAR's workload (cached context free) instead of every input token",
                   from: myopic, to: cell(m.a, m.p, .cached), main: true),
            Factor(name: "allocation_joint", meaning: "(view) STAR's allocation instead of Myopic's: pricing and edges together",
                   from: myopic, to: cell(.star, m.p, m.b), main: false),
            Factor(name: "cap_only", meaning: "(view) cap the second price at the prior top, part of the payment rule",
                   from: myopic, to: cell(m.a, .capped, m.b), main: false),
            Factor(name: "allocation_at_star", meaning: "(view, at STAR's cell) Myopic's allocation → STAR's, Myerson payment and STAR's billing kept",
                   from: cell(.myopic, s.p, s.b), to: star, main: false),
            Factor(name: "payment_rule_at_star", meaning: "(view, at STAR's cell) uncapped second price → Myerson thresholds, STAR's allocation and billing kept",
                   from: cell(s.a, .second, s.b), to: star, main: false),
            Factor(name: "billing_at_star", meaning: "(view, at STAR's cell) every input token billed → STAR's workload, STAR's allocation and payment kept",
                   from: cell(s.a, s.p, .full), to: star, main: false),
        ]
    }()

    /// One cell on one trial.
    public struct Record: Sendable {
        /// Total payment ($).
        public let payment: Double
        /// Σ c_i·x_i ($).
        public let trueCost: Double
        /// Agent index per node.
        public let assignment: [Int]
        /// Workload share per tier (1…3).
        public let tierShare: [Double]
    }

    /// Everything one topology produced.
    public struct TopologyRun: Sendable {
        /// Topology name.
        public let topology: String
        /// The workflow (node ids, difficulties) of trial 0.
        public let nodeIDs: [String]
        /// Node difficulties.
        public let difficulty: [Int]
        /// Agent ids and tiers (the same on every trial of the market).
        public let agentIDs: [String], tiers: [Int]
        /// Per trial (0..<trials), per cell name: the record.
        public let factorial: [[String: Record]]
        /// Per trial (0..<star_vcg_trials): STAR's and VCG's payments ($).
        public let starVCG: [(star: Double, vcg: Double)]
        /// Trial seeds, index = trial.
        public let seeds: [UInt64]
    }

    /// Runs the study on `threads` threads; the output does not depend on the count.
    public static func run(_ spec: DecompositionSpec, threads: Int, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [TopologyRun] {
        let topologies = try SweepRunner.loadTopologies(spec.topologies, directory: spec.topologyDir ?? "Experiments/topologies", file: "spec")
        let market = try spec.market.map { try MarketSpec.load($0, field: "market", specFile: "spec") } ?? .paper
        let cells = Combination.factorial
        let pair = [MechanismRegistry.named(star)!, MechanismRegistry.named(vcg)!]
        let nPair = spec.starVCGTrials ?? spec.trials
        let total = topologies.count * nPair
        let results = try IndexedResults.map(count: total, threads: threads, progress: progress) { k -> (seed: UInt64, records: [String: Record], ids: [String], diff: [Int], agents: [String], tiers: [Int]) in
            let topo = topologies[k / nPair], trial = k % nPair
            let seed = SplitMix64.derive(master: spec.seed, index: UInt64(trial))
            let (ispec, costs) = PaperMarket.sample(topology: topo, parameters: market.defaults, seed: seed, market: market)
            let inst = try Instance(spec: ispec)
            let usd = { (x: Double) in x / 1e6 * market.assumed.scale }
            var out: [String: Record] = [:]
            for m in trial < spec.trials ? cells : pair {
                let o = try m.run(inst, options: .init())
                var share = [0.0, 0.0, 0.0]
                let w = o.workloads.reduce(0, +)
                for i in 0..<inst.agentCount { share[min(inst.tiers[i], 3) - 1] += o.workloads[i] / max(w, .leastNormalMagnitude) }
                out[m.name] = Record(payment: usd(o.totalPayment), trueCost: usd(o.trueCost(costs)), assignment: o.assignment, tierShare: share)
            }
            return (seed, out, inst.workflow.ids, inst.workflow.difficulty, inst.agentIDs, inst.tiers)
        }
        return topologies.enumerated().map { t, topo in
            let slice = Array(results[(t * nPair)..<((t + 1) * nPair)])
            return TopologyRun(topology: topo.name, nodeIDs: slice[0].ids, difficulty: slice[0].diff, agentIDs: slice[0].agents, tiers: slice[0].tiers,
                               factorial: slice.prefix(spec.trials).map(\.records),
                               starVCG: slice.map { ($0.records[star]!.payment, $0.records[vcg]!.payment) },
                               seeds: slice.map(\.seed))
        }
    }

    // MARK: Analysis

    /// One factor's effect on one topology.
    public struct Effect: Sendable {
        /// Factor name (or `total`, `interaction`).
        public let factor: String
        /// Paired per-trial effect in $ (mean, 95 % t-interval).
        public let effect: Summary
        /// Share of STAR's total saving: mean effect / mean total saving, 95 % delta-method interval.
        public let share: (mean: Double, low: Double, high: Double)
    }

    /// Per-trial effects: each factor, the total (Myopic − STAR) and the interaction (total − Σ main).
    public static func effects(_ run: TopologyRun) -> [Effect] {
        let m = run.factorial.map { $0[myopic]!.payment }
        let totalSeries = zip(m, run.factorial.map { $0[star]!.payment }).map { $0 - $1 }
        var series: [(String, [Double])] = []
        var mainSum = [Double](repeating: 0, count: m.count)
        for f in factors {
            let e = zip(run.factorial.map { $0[f.from]!.payment }, run.factorial.map { $0[f.to]!.payment }).map { $0 - $1 }
            if f.main { for k in e.indices { mainSum[k] += e[k] } }
            series.append((f.name, e))
        }
        let interaction = zip(totalSeries, mainSum).map { $0 - $1 }
        let ordered = [("total", totalSeries)] + series.filter { n, _ in factors.first { $0.name == n }!.main } + [("interaction", interaction)]
            + series.filter { n, _ in !factors.first { $0.name == n }!.main } + shapley(run)
        return ordered.map { name, e in Effect(factor: name, effect: Summary(e), share: ratio(e, totalSeries)) }
    }

    /// The four main factors in the order of ``factors``.
    static let shapleyFactors = ["virtual_pricing", "edge_awareness", "payment_rule", "billing"]

    /// The cell with the factors in `atStar` (indices into ``shapleyFactors``) at STAR's level, the others at Myopic's.
    static func cell(atStar: Set<Int>) -> String {
        let allocation: Combination.AllocationLevel
        switch (atStar.contains(0), atStar.contains(1)) {
        case (false, false): allocation = .myopic
        case (true, false): allocation = .starblind
        case (false, true): allocation = .vcg
        case (true, true): allocation = .star
        }
        return Combination(allocation, atStar.contains(2) ? .myerson : .second, atStar.contains(3) ? .cached : .full).name
    }

    /// Per-trial Shapley values of the four factors (`shapley_NAME`): each factor's saving averaged
    /// over the 24 orders in which the factors can be switched from Myopic's level to STAR's. They
    /// sum to the total with no interaction term and do not depend on a starting corner.
    static func shapley(_ run: TopologyRun) -> [(String, [Double])] {
        let n = shapleyFactors.count
        func weight(_ s: Int) -> Double {   // |S|!(n−|S|−1)!/n!
            let f = { (k: Int) in (0..<k).reduce(1.0) { $0 * Double($1 + 1) } }
            return f(s) * f(n - s - 1) / f(n)
        }
        return (0..<n).map { f in
            var values = [Double](repeating: 0, count: run.factorial.count)
            for mask in 0..<(1 << n) where mask & (1 << f) == 0 {
                let s = Set((0..<n).filter { mask & (1 << $0) != 0 })
                let without = cell(atStar: s), with = cell(atStar: s.union([f]))
                let w = weight(s.count)
                for (k, t) in run.factorial.enumerated() { values[k] += w * (t[without]!.payment - t[with]!.payment) }
            }
            return ("shapley_" + shapleyFactors[f], values)
        }
    }

    /// mean(a)/mean(b) with a 95 % delta-method interval (paired samples).
    static func ratio(_ a: [Double], _ b: [Double]) -> (mean: Double, low: Double, high: Double) {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        let r = ma / mb
        let resid = zip(a, b).map { $0 - r * $1 }
        let s = Summary(resid).std
        let half = GSLDist.tQuantile(0.975, dof: n - 1) * s / n.squareRoot() / abs(mb)
        return (r, r - half, r + half)
    }

    /// STAR − VCG on one topology: paired difference of payments, relative to VCG's mean, and the
    /// number of trials a 95 % interval of this width needs to exclude 0 at this mean.
    public struct StarVCG: Sendable {
        /// Topology.
        public let topology: String
        /// Paired VCG − STAR per trial ($; positive when STAR pays less).
        public let difference: Summary
        /// Mean payments.
        public let starMean: Double, vcgMean: Double
        /// (VCG − STAR)/VCG in mean, with the interval of the difference scaled the same way.
        public var relative: (mean: Double, low: Double, high: Double) {
            (difference.mean / vcgMean, difference.ciLow / vcgMean, difference.ciHigh / vcgMean)
        }
        /// (1.96·sd/mean)²: trials at which the interval's half-width equals the mean difference.
        public var trialsNeeded: Double { pow(1.96 * difference.std / difference.mean, 2) }
        /// Whether the interval excludes 0.
        public var resolved: Bool { difference.ciLow > 0 || difference.ciHigh < 0 }
    }

    /// STAR vs VCG of a topology run.
    public static func starVCG(_ run: TopologyRun) -> StarVCG {
        StarVCG(topology: run.topology, difference: Summary(run.starVCG.map { $0.vcg - $0.star }),
                starMean: run.starVCG.map(\.star).reduce(0, +) / Double(run.starVCG.count),
                vcgMean: run.starVCG.map(\.vcg).reduce(0, +) / Double(run.starVCG.count))
    }

    /// The allocation rules the anatomy reports (one cell each: allocation does not depend on payment or billing).
    public static let anatomyRules: [(label: String, cell: String)] = Combination.AllocationLevel.allCases.map {
        ($0.rawValue, Combination($0, .myerson, .cached).name)
    }

    /// Share of trials in which each agent serves each node, per allocation rule.
    public static func anatomy(_ run: TopologyRun) -> [(rule: String, node: Int, agent: Int, share: Double)] {
        let n = Double(run.factorial.count)
        var out: [(String, Int, Int, Double)] = []
        for (label, cell) in anatomyRules {
            var count = Array(repeating: Array(repeating: 0, count: run.agentIDs.count), count: run.nodeIDs.count)
            for t in run.factorial { for (v, i) in t[cell]!.assignment.enumerated() { count[v][i] += 1 } }
            for v in 0..<run.nodeIDs.count { for i in 0..<run.agentIDs.count { out.append((label, v, i, Double(count[v][i]) / n)) } }
        }
        return out
    }

    // MARK: Files

    /// trials.csv: one row per (topology, trial, cell).
    public static func trialsCSV(_ runs: [TopologyRun]) throws -> String {
        var rows: [[String]] = []
        for r in runs {
            for (t, rec) in r.factorial.enumerated() {
                for c in Combination.factorial {
                    let x = rec[c.name]!
                    rows.append([r.topology, String(t), String(r.seeds[t]), c.name, c.allocation.rawValue, c.payment.rawValue, c.billing.rawValue,
                                 num(x.payment), num(x.trueCost)] + x.tierShare.map(num))
                }
            }
        }
        return try csvText(["topology", "trial", "seed", "mechanism", "allocation", "payment", "billing", "total_payment", "true_cost",
                            "share_tier1", "share_tier2", "share_tier3"], rows)
    }

    /// cells.csv: mean payment and saving vs Myopic of every cell per topology.
    public static func cellsCSV(_ runs: [TopologyRun]) throws -> String {
        var rows: [[String]] = []
        for r in runs {
            let m = r.factorial.map { $0[myopic]!.payment }
            for c in Combination.factorial {
                let p = r.factorial.map { $0[c.name]!.payment }
                let s = Summary(zip(m, p).map { $0 - $1 }), pay = Summary(p)
                let cost = Summary(r.factorial.map { $0[c.name]!.trueCost })
                rows.append([r.topology, c.name, c.allocation.rawValue, c.payment.rawValue, c.billing.rawValue, String(p.count),
                             num(pay.mean), num(pay.std), num(cost.mean), num(s.mean), num(s.ciLow), num(s.ciHigh)])
            }
        }
        return try csvText(["topology", "mechanism", "allocation", "payment", "billing", "trials", "payment_mean", "payment_std", "true_cost_mean",
                            "saving_vs_myopic", "saving_low", "saving_high"], rows)
    }

    /// factors.csv: each factor's effect and share per topology.
    public static func factorsCSV(_ runs: [TopologyRun]) throws -> String {
        var rows: [[String]] = []
        for r in runs {
            for e in effects(r) {
                rows.append([r.topology, e.factor, String(e.effect.count), num(e.effect.mean), num(e.effect.ciLow), num(e.effect.ciHigh),
                             num(e.share.mean), num(e.share.low), num(e.share.high)])
            }
        }
        return try csvText(["topology", "factor", "trials", "effect", "effect_low", "effect_high", "share", "share_low", "share_high"], rows)
    }

    /// star-vs-vcg.csv.
    public static func starVCGCSV(_ runs: [TopologyRun]) throws -> String {
        try csvText(["topology", "trials", "star_mean", "vcg_mean", "difference", "difference_low", "difference_high", "relative",
                     "relative_low", "relative_high", "trials_needed", "resolved"],
                    runs.map(starVCG).map { s in
                        [s.topology, String(s.difference.count), num(s.starMean), num(s.vcgMean), num(s.difference.mean), num(s.difference.ciLow),
                         num(s.difference.ciHigh), num(s.relative.mean), num(s.relative.low), num(s.relative.high), num(s.trialsNeeded),
                         s.resolved ? "true" : "false"]
                    })
    }

    /// assignments.csv: per allocation rule, topology, node and agent, the share of trials.
    public static func assignmentsCSV(_ runs: [TopologyRun]) throws -> String {
        var rows: [[String]] = []
        for r in runs {
            for a in anatomy(r) {
                rows.append([a.rule, r.topology, r.nodeIDs[a.node], String(r.difficulty[a.node]), r.agentIDs[a.agent], String(r.tiers[a.agent]),
                             String(r.factorial.count), num(a.share)])
            }
        }
        return try csvText(["allocation", "topology", "node", "difficulty", "agent", "tier", "trials", "share"], rows)
    }

    /// Share of trials in which tier `tier` serves `node` under allocation rule `rule`.
    public static func tierShare(_ run: TopologyRun, rule: String, node: String, tier: Int) -> Double? {
        guard let v = run.nodeIDs.firstIndex(of: node) else { return nil }
        return anatomy(run).filter { $0.rule == rule && $0.node == v && run.tiers[$0.agent] == tier }.map(\.share).reduce(0, +)
    }

    static func pct(_ x: Double) -> String { String(format: "%.1f", 100 * x) }
    static func pctInterval(_ m: Double, _ l: Double, _ h: Double) -> String { "\(pct(m)) % [\(pct(l)), \(pct(h))]" }

    /// table.md: the verdict first, then the factors, STAR vs VCG and the S4 retriever.
    public static func tableMarkdown(_ spec: DecompositionSpec, _ runs: [TopologyRun], command: String) -> String {
        var md = "# Decomposition of STAR's saving against Myopic\n\n"
        md += Reports.generatedBy(command, "seed \(spec.seed), \(spec.trials) trials of the whole factorial per topology, \(spec.starVCGTrials ?? spec.trials) of STAR and VCG alone")
        md += "Payments in $; every difference is paired per trial.\n\n"
        md += "## Verdict\n\n"
        var verdict: [[String]] = []
        for r in runs {
            let e = effects(r)
            let byName = Dictionary(uniqueKeysWithValues: e.map { ($0.factor, $0) })
            let main = e.filter { f in factors.contains { $0.main && $0.name == f.factor } }
            let top = main.max { $0.share.mean < $1.share.mean }!
            let t = byName["total"]!.effect
            func cell(_ n: String) -> String { let x = byName[n]!.share; return pctInterval(x.mean, x.low, x.high) }
            verdict.append([r.topology, "\(String(format: "%.4f", t.mean)) [\(String(format: "%.4f", t.ciLow)), \(String(format: "%.4f", t.ciHigh))]", top.factor]
                           + ["virtual_pricing", "edge_awareness", "payment_rule", "billing", "interaction"].map(cell))
        }
        md += markdownTable(["topology", "STAR's saving vs Myopic ($)", "largest main effect", "virtual pricing", "edge awareness", "payment rule",
                             "billing", "interaction"], verdict)
        md += "\nShares are of STAR's total saving (Myopic's payment − STAR's), mean effect / mean saving with a 95 % delta-method interval. "
        md += "Each main effect switches one factor of Myopic (`\(myopic)`) to STAR's level (`\(star)`); the interaction is what is left, "
        md += "so the four main effects and the interaction add up to 100 % (and in $ to the total) by construction.\n\n"
        md += "Path-independent view: Shapley values of the four factors (each factor's saving averaged over the 24 orders of "
        md += "switching them from Myopic's level to STAR's; they sum to the total with no interaction term):\n\n"
        md += markdownTable(["topology"] + shapleyFactors.map { $0.replacingOccurrences(of: "_", with: " ") },
                            runs.map { r in
                                let byName = Dictionary(uniqueKeysWithValues: effects(r).map { ($0.factor, $0) })
                                return [r.topology] + shapleyFactors.map { let x = byName["shapley_" + $0]!.share; return pctInterval(x.mean, x.low, x.high) }
                            })
        md += "\n## Factors\n\n"
        md += markdownTable(["factor", "effect = payment of", "minus payment of", "meaning"],
                            factors.map { [$0.name, "`\($0.from)`", "`\($0.to)`", $0.meaning] })
        md += "\n"
        var rows: [[String]] = []
        for r in runs {
            for e in effects(r) {
                rows.append([r.topology, e.factor, String(format: "%.4f [%.4f, %.4f]", e.effect.mean, e.effect.ciLow, e.effect.ciHigh),
                             pctInterval(e.share.mean, e.share.low, e.share.high)])
            }
        }
        md += markdownTable(["topology", "factor", "effect ($, 95 % CI)", "share of saving"], rows)
        md += "\n## STAR vs VCG\n\n"
        md += markdownTable(["topology", "trials", "STAR", "VCG", "VCG − STAR ($, 95 % CI)", "relative to VCG", "trials needed", "sign resolved"],
                            runs.map(starVCG).map { s in
                                [s.topology, String(s.difference.count), String(format: "%.4f", s.starMean), String(format: "%.4f", s.vcgMean),
                                 String(format: "%.5f [%.5f, %.5f]", s.difference.mean, s.difference.ciLow, s.difference.ciHigh),
                                 String(format: "%.2f %% [%.2f, %.2f]", 100 * s.relative.mean, 100 * s.relative.low, 100 * s.relative.high),
                                 String(format: "%.0f", s.trialsNeeded), s.resolved ? "yes" : "no"]
                            })
        md += "\n\"trials needed\" is (1.96·sd/mean)² of the paired difference: the count at which a 95 % interval of this spread "
        md += "just excludes 0 at this mean.\n"
        if let s4 = runs.first(where: { $0.topology == "S4" }), s4.nodeIDs.contains("case_retriever") {
            md += "\n## S4's retriever (`case_retriever`)\n\n"
            md += "The STAR paper says STAR puts S4's retriever on a Tier-3 agent while Myopic picks a cheap Tier-1 one. "
            md += "Share of the \(s4.factorial.count) trials in which each tier serves it here:\n\n"
            md += markdownTable(["allocation", "tier 1", "tier 2", "tier 3"], anatomyRules.map { rule in
                [rule.label] + (1...3).map { pct(tierShare(s4, rule: rule.label, node: "case_retriever", tier: $0) ?? .nan) + " %" }
            })
        }
        return md
    }

    /// Writes every file of the study into `dir` (all or none).
    public static func write(_ spec: DecompositionSpec, _ runs: [TopologyRun], to dir: URL, command: String) throws {
        try AtomicFile.prepareDirectory(dir)
        try AtomicFile.writeAll([(dir.appendingPathComponent("trials.csv"), try trialsCSV(runs)),
                                 (dir.appendingPathComponent("cells.csv"), try cellsCSV(runs)),
                                 (dir.appendingPathComponent("factors.csv"), try factorsCSV(runs)),
                                 (dir.appendingPathComponent("star-vs-vcg.csv"), try starVCGCSV(runs)),
                                 (dir.appendingPathComponent("assignments.csv"), try assignmentsCSV(runs)),
                                 (dir.appendingPathComponent("table.md"), tableMarkdown(spec, runs, command: command))])
    }
}
