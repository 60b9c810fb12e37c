import Foundation
import Testing

/// `auctionlab --version` prints one version line and exits 0; help texts speak to users
/// (no issue numbers, no source file names).
@Suite struct VersionTests {
    @Test("--version prints a version and exits 0")
    func version() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        let line = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!line.isEmpty && !line.contains("\n") && line.first?.isNumber == true)
    }

    @Test("help texts name no issue and no source file", arguments: ["", "solve", "prior", "dsic", "dsic check", "dsic sweep", "dsic curve", "equilibrium", "equilibrium solve",
                                                                        "equilibrium study", "sweep", "merge", "bench", "bench solvers", "bench scale",
                                                                        "bench equilibrium", "bench weight-fit", "sale", "dot", "decompose", "calibrate"])
    func helpSpeaksToUsers(_ command: String) throws {
        let r = try CLI.run(command.split(separator: " ").map(String.init) + ["--help"])
        #expect(r.status == 0)
        #expect(r.out.range(of: #"[Ii]ssue[ -]\d"#, options: .regularExpression) == nil, "\(command) --help names an issue")
        #expect(r.out.range(of: #"\w\.swift\b"#, options: .regularExpression) == nil, "\(command) --help names a source file")
        // A mode chosen by a flag shows up as options that only apply "with --that-flag".
        #expect(!r.out.contains("With --"), "\(command) --help has an option that applies only with another")
    }
}
