import ArgumentParser
import Foundation
import Mechanisms
import Workflows

/// Shared by the subcommands that read an instance file or take `--mechanism`.

/// Reads and validates an instance JSON file (SPEC §8); errors name the file and field.
func loadInstance(_ path: String) throws -> Instance {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw ValidationError("cannot read instance file \(path): \(error.localizedDescription)")
    }
    return try Instance(spec: InstanceSpec.decode(data, file: path))
}

/// The registered mechanism called `name`, or an error listing the valid names.
func mechanismNamed(_ name: String) throws -> any Mechanism {
    guard let mech = MechanismRegistry.named(name) else {
        throw ValidationError("unknown --mechanism \"\(name)\"; expected one of \(MechanismRegistry.names.joined(separator: ", "))")
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

/// Refuses a count option (`--trials`, `--orders`, `--threads`) that is not positive.
func requirePositive(_ value: Int?, _ flag: String) throws {
    if let value, value <= 0 { throw ValidationError("\(flag) must be positive (got \(value))") }
}
