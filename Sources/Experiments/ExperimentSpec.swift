import Foundation
import LabIO
import Yams

/// An experiment spec (FileFormats.md, `Experiments/*.yaml`):
///
///     name: table1
///     topologies: [S1, S1x5, S2, S3, S4]
///     mechanisms: [star, myopic, homogeneous, vcg, pay-as-bid]
///     trials: 50
///     seed: 2026
///     sweep: {rho: [0.1, 0.25], kappa: [0, 0.5]}   # cartesian grid; omitted → defaults
///     output: Results/table1                         # optional
///     equilibrium: {grid: 7, samples: 100}           # optional: for `pay-as-bid@equilibrium` etc.
public struct ExperimentSpec: Codable, Sendable, Hashable {
    /// Experiment name (first CSV column; default output folder `Results/NAME`).
    public var name: String
    /// Topology names (non-empty), loaded from the topology folder.
    public var topologies: [String]
    /// Mechanism names from `MechanismRegistry` (e.g. `star`, `vcg`), in report order.
    public var mechanisms: [String]
    /// Monte Carlo trials per point and topology (1…``maxTrials``).
    public var trials: Int
    /// Master seed; trial t's market is drawn from a seed derived from (seed, t).
    public var seed: UInt64
    /// Swept parameters (names from ``defaults``) and their values; nil = no sweep (one point).
    public var sweep: [String: [Double]]?
    /// Output folder; nil = `Results/NAME` (see ``outputDirectory(override:)``).
    public var output: String?
    /// Folder of the topology files (`topology_dir`); nil = `Experiments/topologies`.
    public var topologyDir: String?
    /// A market file (`Experiments/markets/*.yaml`); the paper's market when absent.
    public var market: String?
    /// How `BASE@equilibrium` entries of `mechanisms` are solved (``EquilibriumSettings``); defaults when absent.
    public var equilibrium: EquilibriumSettings?

    /// A spec from its fields, unchecked (``parse(_:file:)`` validates a file's).
    public init(name: String, topologies: [String], mechanisms: [String], trials: Int, seed: UInt64,
                sweep: [String: [Double]]? = nil, output: String? = nil, topologyDir: String? = nil,
                market: String? = nil, equilibrium: EquilibriumSettings? = nil) {
        self.name = name; self.topologies = topologies; self.mechanisms = mechanisms; self.trials = trials; self.seed = seed
        self.sweep = sweep; self.output = output; self.topologyDir = topologyDir; self.market = market; self.equilibrium = equilibrium
    }

    enum CodingKeys: String, CodingKey { case name, topologies, mechanisms, trials, seed, sweep, output, market, equilibrium, topologyDir = "topology_dir" }

    /// Parameters a spec may sweep, with the paper's defaults (ThePaperMarket.md).
    public static let defaults: [(String, Double)] = [
        ("rho", 0.25), ("kappa", 0), ("beta", 1.5), ("noise", 0.1), ("per_tier", 3), ("bimodal", 0),
    ]
    /// The sweepable parameter names, in ``defaults`` order.
    public static var parameterNames: [String] { defaults.map(\.0) }
}

/// Errors of experiment files and runs that are not about one field (read and written by
/// Experiments, Sweeps and Studies); a wrong field of an input file is a `FieldError` (LabIO).
public enum ExperimentError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file cannot be read or written, or a run is incomplete; the message says which.
    case io(String)

    /// The message itself.
    public var description: String {
        switch self {
        case let .io(m): return m
        }
    }
}

extension ExperimentError {
    /// The text of an input file (`readInputText`), a missing or unreadable file as `.io`.
    /// Every YAML file of this module (specs, targets, calibration specs) is read through it.
    public static func readText(_ path: String, what: String) throws -> String {
        do { return try readInputText(path, what: what) } catch let e as InputFileError { throw ExperimentError.io(e.description) }
    }

    /// Refuses top-level keys of a YAML mapping that are not `allowed` (the decoder ignores them,
    /// so a misspelt `fit_std` would silently fall back to its default).
    public static func refuseUnknownKeys(_ text: String, allowed: [String], file: String) throws {
        guard let node = try? Yams.compose(yaml: text), let map = node.mapping else { return }
        for key in map.keys.compactMap(\.string).sorted() where !allowed.contains(key) {
            throw FieldError(file: file, field: key, reason: "is not a key of this file; expected one of \(allowed.joined(separator: ", "))")
        }
    }
}

extension ExperimentSpec {
    /// Parses and validates a YAML spec; every error names the file and the field.
    public static func load(_ path: String) throws -> ExperimentSpec {
        try parse(ExperimentError.readText(path, what: "experiment spec"), file: path)
    }

    /// Parses and validates spec text; `file` names the source in errors.
    /// - Throws: a `FieldError` for invalid YAML, `trials` outside 1…``maxTrials``,
    ///   no topologies, an unknown swept parameter, an empty sweep list, or an out-of-range value
    ///   (see ``parameterProblem(_:_:)``).
    public static func parse(_ text: String, file: String) throws -> ExperimentSpec {
        let spec = try decodeYAML(ExperimentSpec.self, from: text, file: file)
        guard spec.trials > 0 else { throw FieldError(file: file, field: "trials", reason: "must be positive (got \(spec.trials))") }
        guard spec.trials <= maxTrials else {
            throw FieldError(file: file, field: "trials", reason: "must be at most \(maxTrials) (got \(spec.trials)); split larger studies into several specs or seeds")
        }
        try spec.equilibrium?.check(file: file)
        guard !spec.topologies.isEmpty else { throw FieldError(file: file, field: "topologies", reason: "is empty") }
        guard !spec.mechanisms.isEmpty else { throw FieldError(file: file, field: "mechanisms", reason: "is empty; name at least one mechanism") }
        for (name, list) in [("topologies", spec.topologies), ("mechanisms", spec.mechanisms)] {
            if let (k, j) = firstRepeat(in: list) {
                throw FieldError(file: file, field: "\(name)[\(k)]", reason: "\"\(list[k])\" repeats \(name)[\(j)]; list each once (rows are keyed by name)")
            }
        }
        for key in (spec.sweep ?? [:]).keys.sorted() where !parameterNames.contains(key) {
            throw FieldError(file: file, field: "sweep.\(key)", reason: "is not a parameter; expected one of \(parameterNames.joined(separator: ", "))")
        }
        for (key, values) in (spec.sweep ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard !values.isEmpty else { throw FieldError(file: file, field: "sweep.\(key)", reason: "is an empty list") }
            for (k, v) in values.enumerated() {
                if let why = parameterProblem(key, v) { throw FieldError(file: file, field: "sweep.\(key)[\(k)]", reason: why) }
            }
        }
        return spec
    }

    /// Largest `trials` a spec (or `--trials`) may ask for.
    public static let maxTrials = 1_000_000

    /// Why `value` cannot be parameter `name` (finite, in range, integral where it counts
    /// something), or nil when it can. Used for swept values and a market's defaults.
    public static func parameterProblem(_ name: String, _ value: Double) -> String? {
        guard value.isFinite else { return "must be a finite number (got \(value))" }
        switch name {
        case "rho": return value >= 0 ? nil : "is the input/output price ratio ρ and must be ≥ 0 (got \(value))"
        case "kappa": return (0...1).contains(value) ? nil : "is the cache discount κ and must be in [0, 1] (got \(value))"
        case "beta": return value >= 0 ? nil : "is the demand amplitude β and must be ≥ 0 (got \(value))"
        case "noise": return (0..<1).contains(value) ? nil : "is the token-count noise and must be in [0, 1) (got \(value))"
        case "per_tier":
            guard value.rounded() == value else { return "counts agents per tier and must be an integer (got \(value))" }
            return (1...1000).contains(value) ? nil : "counts agents per tier and must be between 1 and 1000 (got \(value))"
        case "bimodal": return value == 0 || value == 1 ? nil : "is a switch and must be 0 or 1 (got \(value))"
        default: return nil
        }
    }

    /// The cartesian grid of parameter points, in a fixed order (parameter order of
    /// `defaults`, values in file order).
    public var points: [[String: Double]] { points(defaults: [:]) }

    /// The grid with unswept parameters taken from `defaults` (a market file's), else the paper's.
    public func points(defaults overrides: [String: Double]) -> [[String: Double]] {
        var grid: [[String: Double]] = [[:]]
        for (name, def) in Self.defaults {
            let values = sweep?[name] ?? [overrides[name] ?? def]
            grid = grid.flatMap { p in values.map { v in p.merging([name: v]) { $1 } } }
        }
        return grid
    }

    /// Swept parameter names (the CSV's parameter columns), in `defaults` order.
    public var sweptNames: [String] { Self.parameterNames.filter { sweep?[$0] != nil } }
}

extension ExperimentSpec: WritesResults {}
