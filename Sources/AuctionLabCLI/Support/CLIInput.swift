import ArgumentParser
import Foundation
import LabIO
import Mechanisms
import Priors
import Workflows

/// Shared by the subcommands that read an instance file or take `--mechanism`.

/// Reads and validates an instance JSON file (FileFormats.md); errors name the file and field.
/// With `priorCache`, agents' priors come from (and go to) that cache.
func loadInstance(_ path: String, priorCache: PriorCache? = nil) throws -> Instance {
    let data = try readInputFile(path, what: "instance file")
    // A value that decodes but cannot be used (a prior with low ≥ high, an empty agent list) is
    // named with its file too, as a value that does not decode already is.
    do { return try decodeInstance(data, file: path, priorCache: priorCache) } catch let e as FieldError { throw e.reading(path) }
}

/// An instance from JSON bytes: nesting bounded and keys given twice refused (naming the key's
/// path) before decoding, then validated; priors through `priorCache` when given.
func decodeInstance(_ data: Data, file: String, priorCache: PriorCache? = nil) throws -> Instance {
    try checkDuplicateKeys(String(decoding: data, as: UTF8.self), file: file)
    return try Instance(spec: InstanceSpec.decode(data, file: file), priorCache: priorCache)
}

/// The registered mechanism called `name`, or an error listing the valid names.
func mechanismNamed(_ name: String) throws -> any Mechanism {
    guard let mech = MechanismRegistry.named(name) else {
        throw ValidationError("unknown --mechanism \"\(name)\"; expected one of \(MechanismRegistry.names.joined(separator: ", ")), or an inexact STAR of the exactness ablation: \(MechanismRegistry.inexact.map(\.name).joined(separator: ", "))")
    }
    return mech
}

func fmt(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "\(x)" }

/// Left-aligned columns separated by two spaces.
func printAligned(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
    for r in all {
        print(r.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }
}

/// Largest accepted value of each count option: far beyond any study here, small enough
/// that a typo (an extra zero or three) is refused at once instead of running for days or
/// exhausting memory.
let countLimits: [String: Int] = [
    "--trials": 1_000_000, "--orders": 10_000, "--threads": 1_024, "--shards": 100_000,
    "--cpus-per-task": 1_024, "--max-running": 100_000,
    "--profiles": 100_000, "--grid": 100_000, "--random": 10_000,
    "--startup-runs": 10_000,
]

/// Refuses a count option (`--trials`, `--orders`, `--threads`, …) that is not positive or
/// exceeds its limit in ``countLimits``; the message names the option and the limit.
func requirePositive(_ value: Int?, _ flag: String) throws {
    guard let value else { return }
    if value <= 0 { throw ValidationError("\(flag) must be positive (got \(value))") }
    if let limit = countLimits[flag], value > limit {
        throw ValidationError("\(flag) must be at most \(limit) (got \(value))")
    }
}

/// Takes the lock of an output folder for this run (see ``OutputLock``), telling the user
/// when a stale lock of a dead run was taken over. Hold the result until the files are written.
func lockOutput(_ dir: URL, spec: String, seed: UInt64, name: String = OutputLock.defaultName) throws -> OutputLock {
    let command = (["auctionlab"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    let lock = try OutputLock.acquire(directory: dir, owner: .init(command: command, spec: spec, seed: "\(seed)"), name: name)
    if let note = lock.note { Progress.note(note) }
    return lock
}

/// Pretty JSON with sorted snake_case keys; non-finite numbers as "inf"/"-inf"/"nan" strings
/// (the library's outputs are finite; this only keeps a bug from producing invalid JSON).
func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    enc.keyEncodingStrategy = .convertToSnakeCase
    enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}
