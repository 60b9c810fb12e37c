import Experiments
import Foundation
import LabIO
import LabNumerics
import Sweeps

/// A calibration spec (`Experiments/calibration.yaml`): which market to start from, which
/// published table to approach, which switches are free within which bounds, and which
/// topologies are fitted (the rest, and every saving, are held out and predicted).
///
///     name: calibration
///     market: Experiments/markets/paper.yaml
///     target: Experiments/targets/star-table1.yaml
///     trials: 50
///     seed: 2026
///     fit: [S1, S2]
///     free: [payment_scale, scarcity_low, beta, edge_tokens]
///     bounds:
///       payment_scale: [0.1, 50]
///       scarcity_low: [0.05, 0.95]
///       beta: [0, 3]
///       edge_tokens: [split, full-input, parent-output]
///     refine: 2                 # discrete settings refined by Nelder–Mead (best after screening)
///     max_iterations: 60        # simplex iterations per Nelder–Mead run
///     fit_std: false            # also fit the fit cells' stds (default: means only)
///     output: Results/calibration
///     calibrated_market: Experiments/markets/paper-calibrated.yaml
public struct CalibrationSpec: Codable, Sendable, Hashable, WritesResults {
    /// Name of the calibration (used in reports).
    public var name: String
    /// Path of the market YAML to start from; nil = the built-in paper market (`MarketSpec.paper`).
    public var market: String?
    /// Path of the published table to approach (a `CalibrationTarget` YAML); required by the CLI.
    public var target: String?
    /// Monte Carlo trials per topology and mechanism in every evaluation (2…`ExperimentSpec.maxTrials`).
    public var trials: Int
    /// Seed of every evaluation (common random numbers across evaluations).
    public var seed: UInt64
    /// Target topologies whose cells are fitted (non-empty, each a topology of the target); the
    /// others are held out and predicted.
    public var fit: [String]
    /// Names of the free switches (see ``CalibrationSwitch``); each needs an entry in ``bounds``.
    public var free: [String]
    /// Per switch: `[low, high]` for a continuous switch, the options to enumerate for a discrete one.
    public var bounds: [String: [String]]
    /// How many discrete settings (best after screening) are refined by Nelder–Mead (≥ 1; default 2).
    public var refine: Int?
    /// Simplex iterations per Nelder–Mead run (≥ 1; default 80).
    public var maxIterations: Int?
    /// Output folder of the reports; nil = the CLI's default.
    public var output: String?
    /// Where the calibrated market YAML is written; nil = OUT/calibrated-market.yaml.
    public var calibratedMarket: String?
    /// Folder of the topology files; nil = `Experiments/topologies`.
    public var topologyDir: String?
    /// Also fit the fit cells' standard deviations (z = (ours − paper std)/(paper std/√(2(n−1))),
    /// the standard error of a sample std); default false: means only.
    public var fitStd: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, market, target, trials, seed, fit, free, bounds, refine, output, fitStd = "fit_std"
        case maxIterations = "max_iterations", calibratedMarket = "calibrated_market", topologyDir = "topology_dir"
    }

    /// Reads and decodes the spec at `path`; validation happens in ``CalibrationProblem``.
    /// - Throws: `ExperimentError` when the file cannot be read; a `FieldError` when it is not valid
    ///   YAML for this type, or has a top-level key that is not a field of the spec.
    public static func load(_ path: String) throws -> CalibrationSpec {
        let text = try ExperimentError.readText(path, what: "calibration spec")
        let spec = try decodeYAML(CalibrationSpec.self, from: text, file: path)
        try ExperimentError.refuseUnknownKeys(text, allowed: CodingKeys.allCases.map(\.rawValue), file: path)
        return spec
    }
}

/// One free switch with its bounds: [low, high] for a number, the options to enumerate otherwise.
public struct FreeSwitch: Sendable {
    /// The switch that is free.
    public let switch_: CalibrationSwitch
    /// Bounds of a continuous switch (low < high, in the switch's own units); 0 for a discrete one.
    public let low: Double, high: Double
    /// Options enumerated for a discrete switch; empty for a continuous one.
    public let options: [String]
    /// The switch's name as written in specs (e.g. `payment_scale`).
    public var name: String { switch_.name }
}

/// A validated calibration problem: spec + target + market + free switches with bounds.
public struct CalibrationProblem: Sendable {
    /// The spec, as given.
    public let spec: CalibrationSpec
    /// The published table being approached.
    public let target: CalibrationTarget
    /// The starting market (the spec's `market`, or the paper market).
    public let market: MarketSpec
    /// The free switches with validated bounds, in the spec's (or `--free`'s) order.
    public let free: [FreeSwitch]
    /// The target's topologies, loaded from the topology folder.
    public let topologies: [Topology]
    /// Free continuous switches optimised by Nelder–Mead (everything continuous but `payment_scale`).
    public var continuous: [FreeSwitch] { free.filter { $0.switch_.isContinuous && $0.name != "payment_scale" } }
    /// Free discrete switches, whose option combinations are enumerated.
    public var discrete: [FreeSwitch] { free.filter { !$0.switch_.isContinuous } }
    /// `payment_scale` when it is free (fitted in closed form); nil otherwise.
    public var scale: FreeSwitch? { free.first { $0.name == "payment_scale" } }
    /// Names of the fitted topologies (the spec's `fit`).
    public var fitTopologies: [String] { spec.fit }
    /// Names of the target's topologies that are not fitted (predicted out of sample).
    public var heldOutTopologies: [String] { target.topologies.filter { !spec.fit.contains($0) } }

    /// Validates everything up front; every error names the file and field.
    /// `freeOverride` (from `--free`) replaces the spec's `free` list.
    public init(spec: CalibrationSpec, specFile: String, target: CalibrationTarget, targetFile: String,
                freeOverride: [String]? = nil) throws {
        func bad(_ field: String, _ reason: String) -> FieldError { FieldError(file: specFile, field: field, reason: reason) }
        guard spec.trials > 1 else { throw bad("trials", "must be at least 2 (got \(spec.trials))") }
        guard spec.trials <= ExperimentSpec.maxTrials else { throw bad("trials", "must be at most \(ExperimentSpec.maxTrials)") }
        guard (spec.refine ?? 1) >= 1 else { throw bad("refine", "must be at least 1") }
        guard (spec.maxIterations ?? 1) >= 1 else { throw bad("max_iterations", "must be at least 1") }
        guard !spec.fit.isEmpty else { throw bad("fit", "is empty; name the target topologies to fit (e.g. [S1, S2])") }
        if let (k, j) = firstRepeat(in: spec.fit) { throw bad("fit[\(k)]", "\"\(spec.fit[k])\" repeats fit[\(j)]; fit each topology once") }
        for (k, t) in spec.fit.enumerated() where !target.topologies.contains(t) {
            throw bad("fit[\(k)]", "\"\(t)\" is not a topology of the target \(targetFile) (\(target.topologies.joined(separator: ", ")))")
        }
        for key in spec.bounds.keys.sorted() where CalibrationSwitch.named(key) == nil {
            throw bad("bounds.\(key)", "is not a switch; expected one of \(CalibrationSwitch.names.joined(separator: ", "))")
        }
        let market = try spec.market.map { try MarketSpec.load($0, field: "market", specFile: specFile) } ?? .paper
        let freeNames = freeOverride ?? spec.free
        let field = freeOverride == nil ? "free" : "--free"
        guard !freeNames.isEmpty else { throw bad(field, "is empty; name at least one switch (\(CalibrationSwitch.names.joined(separator: ", ")))") }
        var free: [FreeSwitch] = []
        for (k, name) in freeNames.enumerated() {
            let f = freeOverride == nil ? "free[\(k)]" : "--free \(name)"
            guard let sw = CalibrationSwitch.named(name) else {
                throw bad(f, "\"\(name)\" is not a switch; expected one of \(CalibrationSwitch.names.joined(separator: ", "))")
            }
            guard !free.contains(where: { $0.name == name }) else { throw bad(f, "\"\(name)\" is listed twice") }
            guard let b = spec.bounds[name] else {
                throw bad(f, "\"\(name)\" is free but has no bounds; add bounds.\(name) (\(sw.isContinuous ? "[low, high]" : "a list of options"))")
            }
            switch sw.kind {
            case .continuous:
                guard b.count == 2, let lo = Double(b[0]), let hi = Double(b[1]), lo.isFinite, hi.isFinite, lo < hi else {
                    throw bad("bounds.\(name)", "must be [low, high] with low < high (got \(b))")
                }
                for x in [lo, hi] {
                    do { _ = try sw.setting(CalibrationSwitch.format(x), in: market) } catch {
                        throw bad("bounds.\(name)", "bound \(x) \(error.reason)")
                    }
                }
                free.append(FreeSwitch(switch_: sw, low: lo, high: hi, options: []))
            case let .discrete(options):
                guard !b.isEmpty else { throw bad("bounds.\(name)", "is an empty list of options") }
                for (j, o) in b.enumerated() where !options.contains(o) {
                    throw bad("bounds.\(name)[\(j)]", "\"\(o)\" is not an option of \(name); expected one of \(options.joined(separator: ", "))")
                }
                free.append(FreeSwitch(switch_: sw, low: 0, high: 0, options: b))
            }
        }
        self.spec = spec
        self.target = target
        self.market = market
        self.free = free
        topologies = try SweepRunner.loadTopologies(target.topologies, directory: spec.topologyDir ?? "Experiments/topologies", file: targetFile)
    }
}

/// Per-topology, per-mechanism mean and std of total payment in a simulated table, with
/// STAR's savings as 1 − mean(STAR)/mean(baseline) (how the paper's percentages relate to
/// its means).
public struct SimulatedTable: Sendable, Equatable {
    /// Mean total payment, in $, by topology then mechanism.
    public var mean: [String: [String: Double]] = [:]
    /// Standard deviation over trials of total payment, in $, by topology then mechanism.
    public var std: [String: [String: Double]] = [:]

    /// STAR-style saving of `subject` over `baseline` on `topology`, in percent:
    /// 100·(1 − mean(subject)/mean(baseline)). Traps if either cell is missing.
    public func saving(_ topology: String, subject: String, baseline: String) -> Double {
        100 * (1 - mean[topology]![subject]! / mean[topology]![baseline]!)
    }
    func scaled(_ a: Double) -> SimulatedTable {
        SimulatedTable(mean: mean.mapValues { $0.mapValues { $0 * a } }, std: std.mapValues { $0.mapValues { $0 * a } })
    }
}

/// The result of a calibration: the chosen market, its objective, what was tried.
public struct CalibrationResult: Sendable {
    /// The calibrated market: the best setting found, with `payment_scale` fitted when free.
    public let market: MarketSpec
    /// Σ over fit cells of ((ours − paper) / (std/√trials))².
    public let distance: Double
    /// Every discrete setting screened, with its distance at the start point (screen order).
    public let screened: [(setting: [String: String], distance: Double)]
    /// Nelder–Mead runs: setting, distance, iterations, evaluations, converged.
    public let refined: [(setting: [String: String], distance: Double, result: Multimin.Result?)]
    /// Number of simulated tables evaluated (each one sweep of the fit topologies).
    public let evaluations: Int
}

/// Fits the free switches of a ``CalibrationProblem``: enumerate the discrete settings
/// (each screened at the start point), refine the best `refine` of them with GSL's
/// Nelder–Mead over the continuous switches (in [0, 1]-normalised coordinates, clamped to
/// the bounds with a quadratic penalty outside), and fit `payment_scale` in closed form
/// (the distance is quadratic in it). Every evaluation simulates the fit topologies with the
/// same seed — common random numbers — so the objective is a deterministic, piecewise-smooth
/// function of the switches, and `SweepRunner` keeps it independent of the thread count.
public struct Calibrator: Sendable {
    /// The validated problem.
    public let problem: CalibrationProblem
    /// Worker threads of each simulation; results do not depend on it.
    public let threads: Int

    /// A calibrator for `problem` whose simulations run on `threads` threads.
    public init(problem: CalibrationProblem, threads: Int) { self.problem = problem; self.threads = threads }

    /// Simulates `topologies` in `market` (trials and seed of the spec) and summarises.
    public func simulate(_ market: MarketSpec, topologies names: [String]) throws -> SimulatedTable {
        let p = problem
        let spec = ExperimentSpec(name: p.spec.name, topologies: names, mechanisms: p.target.mechanisms, trials: p.spec.trials,
                                  seed: p.spec.seed, sweep: nil, output: nil, topologyDir: nil, market: nil)
        let topos = names.map { n in p.topologies.first { $0.name == n }! }
        let rows = try SweepRunner(spec: spec, market: market, topologies: topos).run(threads: threads)
        var payments: [String: [String: [Double]]] = [:]
        for r in rows { payments[r.topology, default: [:]][r.mechanism, default: []].append(r.totalPayment) }
        var table = SimulatedTable()
        for (topo, byMech) in payments { for (mech, xs) in byMech {
            let s = Summary(xs)
            table.mean[topo, default: [:]][mech] = s.mean
            table.std[topo, default: [:]][mech] = s.std
        } }
        return table
    }

    /// Standardised residual of a mean: (ours − paper) / (paper std / √paper trials).
    public func z(_ ours: Double, _ topology: String, _ mechanism: String) -> Double {
        let c = problem.target.cell(topology, mechanism)
        return (ours - c.mean) / (c.std / Double(problem.target.trials).squareRoot())
    }

    /// Standardised residual of a std: (ours − paper std) / (paper std / √(2(n − 1))).
    public func zStd(_ ours: Double, _ topology: String, _ mechanism: String) -> Double {
        let c = problem.target.cell(topology, mechanism)
        return (ours - c.std) / (c.std / (2 * Double(problem.target.trials - 1)).squareRoot())
    }

    /// The distance of `table` (means at scale 1 when `payment_scale` is free) on the fit
    /// cells — means, and stds with `fit_std` — and the scale that minimises it within its
    /// bounds (else 1 relative to `table`). Both terms are quadratic in the scale, so the
    /// optimum is a weighted least-squares ratio, clamped.
    public func distance(_ table: SimulatedTable) -> (distance: Double, scale: Double) {
        let t = problem.target, n = Double(t.trials), withStd = problem.spec.fitStd ?? false
        var num = 0.0, den = 0.0
        for topo in problem.fitTopologies { for m in t.mechanisms {
            let c = t.cell(topo, m), w = n / (c.std * c.std), x = table.mean[topo]![m]!
            num += w * x * c.mean; den += w * x * x
            if withStd {
                let ws = 2 * (n - 1) / (c.std * c.std), y = table.std[topo]![m]!
                num += ws * y * c.std; den += ws * y * y
            }
        } }
        var a = 1.0
        if let s = problem.scale { a = den > 0 ? min(s.high, max(s.low, num / den)) : s.low }
        var d = 0.0
        for topo in problem.fitTopologies { for m in t.mechanisms {
            let r = z(a * table.mean[topo]![m]!, topo, m); d += r * r
            if withStd { let q = zStd(a * table.std[topo]![m]!, topo, m); d += q * q }
        } }
        return (d, a)
    }

    /// The market with every free switch set per `discrete` and `unit` (continuous switches
    /// in [0, 1] coordinates, clamped), payment_scale at `scale`.
    func market(discrete: [String: String], unit: [Double], scale: Double?) throws -> MarketSpec {
        var m = problem.market
        for f in problem.discrete { m = try f.switch_.setting(discrete[f.name]!, in: m) }
        for (f, u) in zip(problem.continuous, unit) {
            m = try f.switch_.setting(CalibrationSwitch.format(f.low + (f.high - f.low) * min(1, max(0, u))), in: m)
        }
        if let scale { m = try CalibrationSwitch.named("payment_scale")!.setting(CalibrationSwitch.format(scale), in: m) }
        return m
    }

    /// The market's value of each continuous switch in [0, 1] coordinates (clamped to the bounds).
    var startUnit: [Double] {
        problem.continuous.map { f in min(1, max(0, (f.switch_.number(in: problem.market) - f.low) / (f.high - f.low))) }
    }

    /// Every combination of the discrete switches' options, first switch varying slowest.
    var settings: [[String: String]] {
        problem.discrete.reduce([[:]]) { acc, f in acc.flatMap { s in f.options.map { s.merging([f.name: $0]) { $1 } } } }
    }

    /// Runs the calibration. `progress` gets a line per stage (stderr in the CLI).
    public func run(progress: (String) -> Void = { _ in }) throws -> CalibrationResult {
        let fit = problem.fitTopologies
        let profiled = problem.scale != nil
        var evaluations = 0
        // With payment_scale free, simulate at scale 1 and fit the scale in closed form.
        func objective(_ setting: [String: String], _ unit: [Double]) throws -> (Double, Double) {
            evaluations += 1
            let m = try market(discrete: setting, unit: unit, scale: profiled ? 1 : nil)
            let (d, a) = distance(try simulate(m, topologies: fit))
            return (d, a)
        }
        let start = startUnit
        var screened: [([String: String], Double)] = []
        for (k, s) in settings.enumerated() {
            let (d, _) = try objective(s, start)
            screened.append((s, d))
            progress(String(format: "screen %d/%d: %@ → distance %.4g", k + 1, settings.count, Self.describe(s), d))
        }
        let order = screened.indices.sorted { (screened[$0].1, $0) < (screened[$1].1, $1) }
        var best: (d: Double, setting: [String: String], unit: [Double])? = nil
        var refined: [([String: String], Double, Multimin.Result?)] = []
        for idx in order.prefix(problem.spec.refine ?? 2) {
            let s = screened[idx].0
            var unit = start, d = screened[idx].1, result: Multimin.Result? = nil
            if !problem.continuous.isEmpty {
                var failure: Error? = nil
                let steps = start.map { $0 + 0.25 <= 1 ? 0.25 : -0.25 }
                let r = try Multimin.nelderMead({ u in
                    let outside = u.reduce(0) { $0 + pow(max(0, $1 - 1), 2) + pow(max(0, -$1), 2) }
                    do { return try objective(s, u).0 + 1e3 * outside } catch { failure = failure ?? error; return .infinity }
                }, start: start, steps: steps, sizeTolerance: 0.01, maxIterations: problem.spec.maxIterations ?? 80)
                if let failure { throw failure }
                result = r
                if r.value < d { unit = r.x.map { min(1, max(0, $0)) }; d = try objective(s, unit).0 }
                progress(String(format: "refine %@: distance %.4g after %d evaluations%@", Self.describe(s), d, r.evaluations,
                                r.converged ? "" : " (iteration cap)"))
            }
            refined.append((s, d, result))
            if best == nil || d < best!.d { best = (d, s, unit) }
        }
        let b = best!
        let scale: Double? = profiled ? distance(try simulate(try market(discrete: b.setting, unit: b.unit, scale: 1), topologies: fit)).scale : nil
        evaluations += profiled ? 1 : 0
        let m = try market(discrete: b.setting, unit: b.unit, scale: scale)
        return CalibrationResult(market: m, distance: b.d, screened: screened, refined: refined, evaluations: evaluations)
    }

    static func describe(_ s: [String: String]) -> String {
        s.isEmpty ? "(no discrete switch)" : s.keys.sorted().map { "\($0)=\(s[$0]!)" }.joined(separator: " ")
    }
}
