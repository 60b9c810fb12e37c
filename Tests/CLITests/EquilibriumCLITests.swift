import Foundation
import Testing

/// `auctionlab equilibrium` run as a user would (issue 14): the DSIC shortcut, refused settings,
/// and progress only on a terminal.
@Suite("auctionlab equilibrium")
struct EquilibriumCLITests {
    /// One node, three agents with U[1, 2] costs (first-price procurement under pay-as-bid):
    /// small enough that a debug build answers in seconds.
    static func singleNode() throws -> URL {
        let agents = (0..<3).map { #"{"id":"a\#($0)","tier":1,"rho":0,"bid":1.5,"prior":{"kind":"uniform","low":1,"high":2}}"# }
        let json = #"{"agents":[\#(agents.joined(separator: ","))],"nodes":[{"id":"v","difficulty":1,"input_tokens":0,"output_tokens":1}],"edges":[]}"#
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-eq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("one-node.json")
        try Data(json.utf8).write(to: file)
        return file
    }

    @Test("a DSIC mechanism answers \"truthful is an equilibrium, ε ≈ 0\" without iterating")
    func dsicShortcut() throws {
        let file = try Self.singleNode()
        let table = try CLI.run(["equilibrium", file.path, "--mechanism", "star", "--samples", "20", "--certificate-samples", "50", "--threads", "1"])
        #expect(table.status == 0, "\(table.err)")
        #expect(table.out.contains("claims DSIC: truthful bidding is an equilibrium (not iterated)"), "\(table.out)")
        #expect(table.out.contains("converged"))
        let r = try CLI.run(["equilibrium", file.path, "--mechanism", "star", "--samples", "20", "--certificate-samples", "50", "--threads", "1", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(obj["truthful_shortcut"] as? Bool == true)
        #expect(obj["iterations"] as? Int == 0)
        #expect((obj["history"] as? [Any])?.isEmpty == true)
        let cert = try #require(obj["certificate"] as? [String: Any])
        let agents = try #require(cert["per_agent"] as? [[String: Any]])
        #expect(agents.count == 3)
        for a in agents {
            let eps = try #require(a["epsilon"] as? [String: Any])
            // Truthful under STAR: no deviation gains anything (ties at most, up to rounding).
            #expect(abs(try #require(eps["mean"] as? Double)) <= 1e-9, "\(a)")
        }
        // Truthful strategies: every knot's bid is its cost.
        for s in try #require(obj["strategies"] as? [[String: Any]]) {
            #expect((s["costs"] as? [Double]) == (s["bids"] as? [Double]))
        }
    }

    @Test("--grid 0 and --samples 0 are refused naming the option, with no output", arguments: [["--grid", "0"], ["--samples", "0"]])
    func refusedSettings(_ option: [String]) throws {
        let file = try Self.singleNode()
        let r = try CLI.run(["equilibrium", file.path, "--mechanism", "pay-as-bid"] + option)
        #expect(r.status != 0)
        #expect(r.err.contains(option[0]), "\(r.err)")
        #expect(r.out.isEmpty)
    }

    @Test("progress (iteration, ε) on a terminal only", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressOnTerminal() throws {
        let file = try Self.singleNode()
        let bin = try #require(CLI.binary)
        let args = ["equilibrium", file.path, "--mechanism", "pay-as-bid", "--samples", "20", "--iterations", "3", "--threads", "1",
                    "--certificate-samples", "20", "--format", "csv"]
        // `script` gives the command a pseudo-terminal: stderr is a tty there.
        let command = ([bin.path] + args).map { "'\($0)'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", command, "/dev/null"]
        p.currentDirectoryURL = CLI.root
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = Pipe(); p.standardError = Pipe()
        try p.run()
        let tty = CLI.finish(p)
        #expect(tty.status == 0, "\(tty.err)")
        for t in 1...3 { #expect(tty.out.contains("iteration \(t)/3: in-sample relative ε"), "\(tty.out)") }
        // Captured by a pipe: no progress, and the CSV is the whole of stdout.
        let piped = try CLI.run(args)
        #expect(piped.status == 0, "\(piped.err)")
        #expect(!piped.err.contains("iteration"), "\(piped.err)")
        #expect(piped.out.hasPrefix("agent,cost,bid\n"))
        #expect(piped.out.split(separator: "\n").count == 1 + 3 * 9)
    }
}
