import ArgumentParser
import Foundation
import LabIO

/// Every output format a command can print; each command says which of them it supports.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl, csv
}

/// `--format`: one option, one enum, in every command that prints a result.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: table|json|csv, and jsonl for `solve` (see the command's discussion for which it prints).")
    var format: OutputFormat?

    /// The chosen format, or `fallback`; refused naming --format when the command cannot print it.
    func resolved(_ fallback: OutputFormat, supported: [OutputFormat]) throws -> OutputFormat {
        let f = format ?? fallback
        guard supported.contains(f) else {
            throw ValidationError("--format \(f.rawValue) is not printed by this command (it prints \(supported.map(\.rawValue).joined(separator: ", ")))")
        }
        return f
    }
}

/// Worker threads and the output folder: the options of every command that runs many
/// independent jobs into a results folder.
struct RunOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores; results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output folder (default: the spec's `output`, else Results/NAME).")
    var out: String?

    func validate() throws { try requirePositive(threads, "--threads") }

    /// The output folder: --out, else the spec's `output`, else Results/NAME.
    func folder(for spec: some WritesResults) -> URL { URL(fileURLWithPath: spec.outputDirectory(override: out)) }
}
