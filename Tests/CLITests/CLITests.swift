import Foundation
import Testing
import TestSupport

/// A scratch folder per test (the test removes it at the end); shared by every CLI suite.
func scratch(_ name: String) throws -> URL {
    let dir = Scratch.path(name)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs the built `auctionlab` binary as a user would.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The executable sits next to the test bundle in the build folder.
    static var binary: URL? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("auctionlab")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    struct Run { let status: Int32; let reason: Process.TerminationReason; let out: String; let err: String }

    static func run(_ args: [String], cwd: URL = root) throws -> Run {
        let p = try start(args, cwd: cwd)
        return finish(p)
    }

    /// Starts the binary without waiting (output to pipes); ``finish(_:)`` collects it.
    static func start(_ args: [String], cwd: URL = root) throws -> Process {
        let bin = try #require(binary, "auctionlab binary not found next to \(CommandLine.arguments[0])")
        let p = Process()
        p.executableURL = bin
        p.arguments = args
        p.currentDirectoryURL = cwd
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        return p
    }

    static func finish(_ p: Process) -> Run {
        let out = p.standardOutput as! Pipe, err = p.standardError as! Pipe
        // Read both pipes concurrently so a full stderr pipe cannot block the child.
        nonisolated(unsafe) var e = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { e = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, reason: p.terminationReason, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }
}

@Suite("auctionlab CLI")
struct CLITests {
    static let textbook = #"{"kind":"mixture","components":[{"weight":0.75,"prior":{"kind":"uniform","low":0,"high":3}},{"weight":0.25,"prior":{"kind":"uniform","low":3,"high":8}}]}"#

    @Test("prior --format json has the documented keys; the textbook case irons to 3 − √5")
    func priorJSON() throws {
        let r = try CLI.run(["prior", Self.textbook, "--side", "value", "--at", "1,3,5", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let points = try #require(obj["points"] as? [[String: Any]])
        #expect(points.count == 3)
        for key in ["x", "cdf", "pdf", "virtual", "ironed"] { #expect(points[0][key] != nil, "missing \(key)") }
        let ironed = try #require(points[1]["ironed"] as? Double)
        #expect(abs(ironed - (3 - 5.0.squareRoot())) <= 1e-9)
        let intervals = try #require(obj["ironed_intervals"] as? [[Double]])
        #expect(intervals.count == 1)
    }

    @Test("bad input: message naming the field, non-zero exit, no crash", arguments: [
        (#"{"kind":"triangle","low":0,"high":1}"#, "kind"),
        (#"{"kind":"uniform","low":0}"#, "high"),
        (#"{"kind":"uniform","low":2,"high":1}"#, "low"),
        (#"{"kind":"mixture","components":[{"weight":0.5,"prior":{"kind":"uniform","low":0,"high":1}}]}"#, "sum to 1"),
        (#"{"kind":"uniform","low":0,"high":1"#, "JSON"),
    ])
    func badPrior(json: String, field: String) throws {
        let r = try CLI.run(["prior", json])
        #expect(r.reason == .exit, "terminated by a signal")
        #expect(r.status != 0)
        #expect(r.err.contains(field), "stderr: \(r.err)")
    }

    @Test("points outside the support and NaN are refused")
    func badPoints() throws {
        for at in ["2", "nan"] {
            let r = try CLI.run(["prior", #"{"kind":"uniform","low":0,"high":1}"#, "--at", at])
            #expect(r.reason == .exit && r.status != 0)
            #expect(r.err.contains("--at[0]"), "stderr: \(r.err)")
        }
    }

    @Test("solve prints the outcome and rejects a bid outside its prior")
    func solve() throws {
        let r = try CLI.run(["solve", "Experiments/instances/s4.json", "--mechanism", "star", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        for key in ["mechanism", "allocation", "agents", "total_payment", "total_virtual_cost", "total_bid_cost", "solver", "solver_calls"] {
            #expect(obj[key] != nil, "missing \(key)")
        }
        let tmp = Scratch.path("bad").appendingPathExtension("json")
        var text = try String(contentsOf: CLI.root.appendingPathComponent("Experiments/instances/s4.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"from\": \"case_retriever\"", with: "\"from\": \"nowhere\"")
        try text.write(to: tmp, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let bad = try CLI.run(["solve", tmp.path])
        #expect(bad.reason == .exit && bad.status != 0)
        #expect(bad.err.contains("edges["), "stderr: \(bad.err)")
    }

    @Test("sale: replaying the example trace writes every file; a malformed trace is refused naming row and column, writing nothing")
    func saleTrace() throws {
        let tmp = Scratch.path("cli-sale")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let ok = try CLI.run(["sale", "Experiments/sale-example.yaml", "--trace", "Experiments/sale/example-trace.csv", "--orders", "1", "--out", tmp.appendingPathComponent("ok").path])
        #expect(ok.status == 0, "\(ok.err)")
        for f in ["trials.csv", "summary.csv", "table.md", "studies.csv", "manipulation.csv", "weights.csv",
                  "frontier.csv", "metrics.csv", "matched.csv", "calibration.csv"] {
            #expect(FileManager.default.fileExists(atPath: tmp.appendingPathComponent("ok/\(f)").path), "\(f)")
        }
        let text = try String(contentsOfFile: CLI.root.appendingPathComponent("Experiments/sale/example-trace.csv").path, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        var cells = lines[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[2] = "seven"   // the bin of data row 2 (file row 3)
        lines[2] = cells.joined(separator: ",")
        let bad = tmp.appendingPathComponent("bad.csv")
        try lines.joined(separator: "\n").write(to: bad, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["sale", "Experiments/sale-example.yaml", "--trace", bad.path, "--out", tmp.appendingPathComponent("bad").path])
        #expect(refused.reason == .exit && refused.status != 0)
        #expect(refused.err.contains("row 3, column `bin`"), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp.appendingPathComponent("bad").path))
    }

    @Test("sale --calibrate: a bad target or an agent that is not the dearest is refused naming the flag, writing nothing")
    func saleCalibrateRefused() throws {
        let out = Scratch.path("cli-sale-cal")
        defer { try? FileManager.default.removeItem(at: out) }
        for (target, says) in [("share-32b=1.5", "a share must be in [0, 1]"), ("share-8b=0.2", "only the dearest agent's share (32B)"),
                               ("budget", "expected share-AGENT=x")] {
            let r = try CLI.run(["sale", "Experiments/sale-example.yaml", "--calibrate", target, "--out", out.path])
            #expect(r.status != 0 && r.err.contains("--calibrate `\(target)`") && r.err.contains(says), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    @Test("sweep --shard / merge end to end: a missing shard is named with its re-run command, nothing is written; then bytes equal a single run")
    func shardsAndMerge() throws {
        let tmp = Scratch.path("cli-shards")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = "Experiments/slurm-smoke.yaml", single = tmp.appendingPathComponent("single").path, sharded = tmp.appendingPathComponent("sharded").path
        #expect(try CLI.run(["sweep", spec, "--out", single, "--threads", "1"]).status == 0)
        for i in [0, 1, 3] { #expect(try CLI.run(["sweep", spec, "--shard", "\(i)/4", "--out", sharded]).status == 0) }
        let refused = try CLI.run(["merge", spec, "--out", sharded])
        #expect(refused.reason == .exit && refused.status != 0)
        #expect(refused.err.contains("shard 2/4 not present"), "\(refused.err)")
        #expect(refused.err.contains("auctionlab sweep \(spec) --shard 2/4 --resume --out \(sharded)"), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: sharded + "/trials.csv"))
        #expect(try CLI.run(["sweep", spec, "--shard", "2/4", "--resume", "--out", sharded]).status == 0)
        let merged = try CLI.run(["merge", spec, "--out", sharded])
        #expect(merged.status == 0, "\(merged.err)")
        for f in ["trials.csv", "summary.csv", "table.md"] {
            #expect(FileManager.default.contents(atPath: "\(sharded)/\(f)") == FileManager.default.contents(atPath: "\(single)/\(f)"), "\(f)")
        }
        let bad = try CLI.run(["sweep", spec, "--shard", "4/4", "--out", sharded])
        #expect(bad.status != 0 && bad.err.contains("--shard"), "\(bad.err)")
    }

    @Test("sweep --emit-slurm writes four executable scripts; wrong flags are refused naming the option")
    func emitSlurm() throws {
        let tmp = Scratch.path("cli-slurm")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = "Experiments/slurm-smoke.yaml"
        let r = try CLI.run(["sweep", spec, "--emit-slurm", tmp.path, "--shards", "4", "--partition", "debug", "--cpus-per-task", "2"])
        #expect(r.status == 0, "\(r.err)")
        for name in ["sweep.sbatch", "merge.sbatch", "submit.sh", "parallel.sh"] {
            #expect(FileManager.default.isExecutableFile(atPath: tmp.appendingPathComponent(name).path), "\(name)")
        }
        let sbatch = try String(contentsOf: tmp.appendingPathComponent("sweep.sbatch"), encoding: .utf8)
        #expect(sbatch.contains("#SBATCH --array=0-3\n") && sbatch.contains("#SBATCH --partition=debug\n"))
        #expect(sbatch.contains("--shard \"$SLURM_ARRAY_TASK_ID/4\" --resume"))
        #expect(sbatch.contains("--out Results/slurm-smoke"))
        for (args, field) in [(["--shards", "0"], "--shards"), (["--shards", "9"], "--shards"), (["--shards", "2", "--time", "soon"], "--time"),
                              ([], "--shards"), (["--shards", "2", "--shard", "0/2"], "--shard")] {
            let bad = try CLI.run(["sweep", spec, "--emit-slurm", tmp.path] + args)
            #expect(bad.reason == .exit && bad.status != 0)
            #expect(bad.err.contains(field), "\(args): \(bad.err)")
        }
        let help = try CLI.run(["sweep", "--help"])
        #expect(help.out.contains("--emit-slurm") && help.out.contains("--cpus-per-task") && help.out.contains("submit.sh"))
    }
}
