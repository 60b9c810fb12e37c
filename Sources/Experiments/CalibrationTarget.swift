import Foundation
import LabIO
import Mechanisms

/// A published table to calibrate against (`Experiments/targets/*.yaml`): per topology and
/// mechanism the mean ± std of total payment over `trials` trials, and STAR's relative
/// savings vs each baseline in percent (1 − mean STAR / mean baseline).
///
///     name: star-table1
///     source: STAR paper, Table 1 (the paper's numbers)
///     citation: {title: "Truthful and …", authors: "…", where: "§5, Table 1"}   # optional
///     trials: 50
///     topologies: [S1, S2, S3, S4]
///     mechanisms: [star, myopic, homogeneous]    # the first is the one whose savings are listed
///     cells:
///       S1: {star: {mean: 4.03, std: 0.81}, myopic: {mean: 4.48, std: 0.85}, homogeneous: {mean: 5.14, std: 0.98}}
///     savings:
///       S1: {myopic: 10.0, homogeneous: 21.6}
public struct CalibrationTarget: Codable, Sendable, Hashable {
    /// Title, authors and the table or section a published number is copied from.
    public struct Citation: Codable, Sendable, Hashable {
        /// Paper title, authors (as the paper names them), and table or section.
        public var title, authors, `where`: String
    }
    /// One published cell: mean and standard deviation (> 0) of total payment over trials, in $.
    public struct Cell: Codable, Sendable, Hashable { public var mean: Double; public var std: Double }
    /// Target name.
    public var name: String
    /// Where the numbers come from (free text, e.g. "STAR paper, Table 1").
    public var source: String
    /// The publication the numbers are copied from; optional (a target of one's own has none).
    public var citation: Citation?
    /// Trials behind each published cell (≥ 2); sets the standard error std/√trials.
    public var trials: Int
    /// Topology names of the table (non-empty).
    public var topologies: [String]
    /// Mechanism names: the subject first, then at least one baseline.
    public var mechanisms: [String]
    /// Per topology, then mechanism: the published cell.
    public var cells: [String: [String: Cell]]
    /// Per topology, then baseline: the subject's published saving in percent (< 100).
    public var savings: [String: [String: Double]]

    /// The mechanism whose savings are listed (the first), and the baselines.
    public var subject: String { mechanisms[0] }
    /// The baselines the subject's savings are listed against (every mechanism after the first).
    public var baselines: [String] { Array(mechanisms.dropFirst()) }

    /// The cell of `topology` and `mechanism`; traps when absent (``parse(_:file:)`` guarantees
    /// every listed pair exists).
    public func cell(_ topology: String, _ mechanism: String) -> Cell { cells[topology]![mechanism]! }
    /// The published saving, in percent, of the subject over `baseline` on `topology`; traps when absent.
    public func saving(_ topology: String, _ baseline: String) -> Double { savings[topology]![baseline]! }

    /// Reads and validates a target file (see ``parse(_:file:)``).
    /// - Throws: `ExperimentError` when the file cannot be read, a `FieldError` when a field is invalid.
    public static func load(_ path: String) throws -> CalibrationTarget {
        try parse(ExperimentError.readText(path, what: "calibration target"), file: path)
    }

    /// Parses and validates: every (topology, mechanism) cell present with a finite mean and
    /// a positive finite std, every saving present and finite, nothing unknown. Errors name
    /// the field.
    public static func parse(_ text: String, file: String) throws -> CalibrationTarget {
        let t = try decodeYAML(CalibrationTarget.self, from: text, file: file)
        func bad(_ field: String, _ reason: String) -> FieldError { FieldError(file: file, field: field, reason: reason) }
        try ExperimentError.refuseUnknownKeys(text, allowed: ["name", "source", "citation", "trials", "topologies", "mechanisms", "cells", "savings"], file: file)
        guard t.trials > 1 else { throw bad("trials", "must be at least 2 (the std/√trials unit needs it; got \(t.trials))") }
        guard !t.topologies.isEmpty else { throw bad("topologies", "is empty") }
        for (name, list) in [("topologies", t.topologies), ("mechanisms", t.mechanisms)] {
            if let (k, j) = firstRepeat(in: list) { throw bad("\(name)[\(k)]", "\"\(list[k])\" repeats \(name)[\(j)]; list each once") }
        }
        guard t.mechanisms.count >= 2 else { throw bad("mechanisms", "needs the subject mechanism and at least one baseline") }
        for (k, m) in t.mechanisms.enumerated() where !MechanismRegistry.names.contains(m) {
            throw bad("mechanisms[\(k)]", "\"\(m)\" is not a mechanism; expected one of \(MechanismRegistry.names.joined(separator: ", "))")
        }
        for key in t.cells.keys.sorted() where !t.topologies.contains(key) {
            throw bad("cells.\(key)", "is not one of the target's topologies (\(t.topologies.joined(separator: ", ")))")
        }
        for key in t.savings.keys.sorted() where !t.topologies.contains(key) {
            throw bad("savings.\(key)", "is not one of the target's topologies (\(t.topologies.joined(separator: ", ")))")
        }
        for topo in t.topologies {
            guard let row = t.cells[topo] else { throw bad("cells.\(topo)", "is missing (every topology needs a cell per mechanism)") }
            for key in row.keys.sorted() where !t.mechanisms.contains(key) {
                throw bad("cells.\(topo).\(key)", "is not one of the target's mechanisms (\(t.mechanisms.joined(separator: ", ")))")
            }
            for m in t.mechanisms {
                guard let c = row[m] else { throw bad("cells.\(topo).\(m)", "is missing") }
                guard c.mean.isFinite, c.mean >= 0 else { throw bad("cells.\(topo).\(m).mean", "must be a finite payment ≥ 0 (got \(c.mean))") }
                guard c.std.isFinite, c.std > 0 else {
                    throw bad("cells.\(topo).\(m).std", "must be a positive finite standard deviation (got \(c.std))")
                }
            }
            guard let sv = t.savings[topo] else { throw bad("savings.\(topo)", "is missing (a saving per baseline)") }
            for key in sv.keys.sorted() where !t.baselines.contains(key) {
                throw bad("savings.\(topo).\(key)", "is not a baseline of the target (\(t.baselines.joined(separator: ", ")))")
            }
            for b in t.baselines {
                guard let x = sv[b] else { throw bad("savings.\(topo).\(b)", "is missing") }
                guard x.isFinite, x < 100 else { throw bad("savings.\(topo).\(b)", "must be a finite percentage below 100 (got \(x))") }
            }
        }
        return t
    }
}
