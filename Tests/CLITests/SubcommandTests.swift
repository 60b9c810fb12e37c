import Foundation
import Testing
import TestSupport

/// The command tree: modes are subcommands, one name per concept, checks name the right option.
@Suite("Subcommands and shared options")
struct SubcommandTests {
    @Test("bench, dsic and equilibrium list their subcommands")
    func parentsListSubcommands() throws {
        for (parent, children) in [("bench", ["solvers", "scale", "equilibrium", "weight-fit"]), ("dsic", ["check", "sweep", "curve"]),
                                   ("equilibrium", ["solve", "study"])] {
            let r = try CLI.run([parent, "--help"])
            #expect(r.status == 0)
            for c in children { #expect(r.out.contains("  \(c) "), "\(parent) --help does not list \(c): \(r.out)") }
        }
    }

    @Test("sale feasible --help quotes the paper's overall reliance and total cost changes as Experiments/targets/sale-headline.yaml states them (the help has them written out, so start-up parses no YAML)")
    func saleFeasibleHelpFigures() throws {
        let yaml = try String(contentsOf: CLI.root.appendingPathComponent("Experiments/targets/sale-headline.yaml"), encoding: .utf8)
        /// The number after `key:` on the first line that has it (trailing comments ignored).
        func figure(_ key: String) throws -> Double {
            let line = try #require(yaml.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key + ":") })
            let value = line.split(separator: ":", maxSplits: 1)[1].split(separator: "#")[0].trimmingCharacters(in: .whitespaces)
            return try #require(Double(value), "\(line)")
        }
        let reliance = try figure("overall"), cost = try figure("total_cost_change")
        func percent(_ x: Double) -> String { "\(x < 0 ? "−" : "")\(Int((100 * abs(x)).rounded())) %" }
        let r = try CLI.run(["sale", "feasible", "--help"])
        #expect(r.status == 0)
        let help = r.out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("within --tolerance of \(percent(reliance)) and \(percent(cost)) (the paper's)"), "\(help)")
    }

    @Test("a spec given where an instance is expected is refused naming the subcommand that takes it; nothing runs")
    func specToInstanceCommand() throws {
        let d = try CLI.run(["dsic", "Experiments/dsic.yaml"])
        #expect(d.status != 0 && d.err.contains("auctionlab dsic sweep Experiments/dsic.yaml"), "\(d.err)")
        let e = try CLI.run(["equilibrium", "Experiments/myerson-bound.yaml"])
        #expect(e.status != 0 && e.err.contains("auctionlab equilibrium study Experiments/myerson-bound.yaml"), "\(e.err)")
        let c = try CLI.run(["dsic", "curve", "Experiments/dsic.yaml", "--agent", "a"])
        #expect(c.status != 0 && c.err.contains("dsic sweep"), "\(c.err)")
    }

    @Test("dsic sweep on a dsic-priors spec refuses the probe options it would ignore, naming the one given")
    func priorSweepRefusesIgnoredOptions() throws {
        for flag in ["--profiles", "--grid", "--seed", "--revenue-profiles"] {
            let r = try CLI.run(["dsic", "sweep", "Experiments/dsic-priors.yaml", flag, "3", "--out", "/nonexistent/never"])
            #expect(r.status != 0 && r.err.contains("\(flag): a dsic-priors spec sets its own"), "\(flag): \(r.err)")
        }
    }

    @Test("each count is checked under its own name (--revenue-profiles 0 is not reported as --profiles)")
    func countsNamedRight() throws {
        let r = try CLI.run(["dsic", "check", "Experiments/instances/s4.json", "--revenue-profiles", "0"])
        #expect(r.status != 0 && r.err.contains("--revenue-profiles must be positive"), "\(r.err)")
        let k = try CLI.run(["equilibrium", "solve", "Experiments/instances/s4.json", "--mechanism", "star", "--knots", "1"])
        #expect(k.status != 0 && k.err.contains("--knots must be ≥ 2"), "\(k.err)")
    }

    @Test("--format is one option: a format a command does not print is refused naming --format")
    func oneFormatOption() throws {
        let p = try CLI.run(["prior", #"{"kind":"uniform","low":0,"high":1}"#, "--format", "jsonl"])
        #expect(p.status != 0 && p.err.contains("--format jsonl is not printed by this command"), "\(p.err)")
        let d = try CLI.run(["dsic", "check", "Experiments/instances/s4.json", "--format", "csv", "--profiles", "1"])
        #expect(d.status != 0 && d.err.contains("--format csv"), "\(d.err)")
        let s = try CLI.run(["solve", "Experiments/instances/s4.json", "--format", "csv"])
        #expect(s.status != 0 && s.err.contains("--format csv"), "\(s.err)")
    }

    @Test("equilibrium's earlier spellings (--samples, --grid, --certificate-samples) still run, with a note naming the new ones", .tags(.slow), .fullLaneOnly)
    func oldSpellingsAliased() throws {
        let old = try CLI.run(["equilibrium", "Experiments/instances/s4.json", "--mechanism", "star", "--samples", "20",
                               "--certificate-samples", "20", "--grid", "5", "--threads", "1", "--format", "json"])
        #expect(old.status == 0, "\(old.err)")
        for (o, n) in [("--samples", "--profiles"), ("--grid", "--knots"), ("--certificate-samples", "--certificate-profiles")] {
            #expect(old.err.contains("note: \(o) is now \(n)"), "\(old.err)")
        }
        let new = try CLI.run(["equilibrium", "solve", "Experiments/instances/s4.json", "--mechanism", "star", "--profiles", "20",
                               "--certificate-profiles", "20", "--knots", "5", "--threads", "1", "--format", "json"])
        #expect(new.status == 0 && new.err.isEmpty, "\(new.err)")
        #expect(old.out == new.out, "the alias must give the same result")
    }

    @Test("dsic curve writes its CSV to standard output without --out, the same bytes as with it")
    func curveToStdout() throws {
        let args = ["dsic", "curve", "Experiments/instances/s4.json", "--mechanism", "myopic", "--agent", "t2a", "--profile", "9", "--grid", "12"]
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("instance,mechanism,seed,profile,agent,true_cost,bid,payment,workload,utility,truthful\n"))
        let dir = Scratch.path("curve")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("c.csv")
        let w = try CLI.run(args + ["--out", file.path])
        #expect(w.status == 0, "\(w.err)")
        #expect(try String(contentsOf: file, encoding: .utf8) == r.out)
        let bad = try CLI.run(["dsic", "curve", "Experiments/instances/s4.json", "--agent", "nobody"])
        #expect(bad.status != 0 && bad.err.contains("--agent: no agent \"nobody\""), "\(bad.err)")
    }
}
