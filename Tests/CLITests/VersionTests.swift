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

    @Test("help texts name no issue and no source file", arguments: ["", "solve", "prior", "dsic", "equilibrium", "sweep", "merge", "bench", "sale", "dot", "decompose", "calibrate"])
    func helpSpeaksToUsers(_ command: String) throws {
        let r = try CLI.run(command.isEmpty ? ["--help"] : [command, "--help"])
        #expect(r.status == 0)
        #expect(r.out.range(of: #"[Ii]ssue[ -]\d"#, options: .regularExpression) == nil, "\(command) --help names an issue")
        #expect(r.out.range(of: #"\w\.swift\b"#, options: .regularExpression) == nil, "\(command) --help names a source file")
    }
}
