import ArgumentParser
import Foundation
import Allocation
import Experiments
import LabNumerics
import Mechanisms
import Sweeps
import Workflows

/// `auctionlab bench scale`: merge time and peak memory at two sizes (a child process each), shard
/// bytes per trial against the JSON format of earlier versions, batch solving through standard
/// input against process start-up, and the per-step growth of validation, elimination order and
/// one solve on layered width-4 DAGs and trees up to 10⁴ nodes (measured exponents).
/// Figures of earlier versions that cannot be re-measured in this binary are printed as
/// recorded, labelled so.
extension BenchSuite {
    /// Recorded for the earlier in-memory merge (CHANGELOG.md, sizing; table1 on this project's VM): the merge took
    /// ≈ 1.6 ms and ≈ 41 kB of peak memory per trial (it held every row in memory).
    static let recordedMergeSecondsPerTrial = 1.6e-3
    static let recordedMergeBytesPerTrial = 41e3
    /// The independent Python reference: ≈ 190 ms per S2 instance (MILP + exact thresholds).
    static let pythonReferenceSecondsPerInstance = 0.190

    /// Start-up, shard bytes, merge scaling (with `baseline`, an earlier auctionlab, timed on the
    /// same merge), batch solving and 10⁴-node workflows.
    func scaleBenchmarks(baseline: String?) throws {
        print("\nScale: merge, shard bytes, batch solving, 10⁴-node workflows")
        let exe = Self.executablePath
        let help = try (0..<(quick ? 10 : 30)).map { _ in try Self.spawnMeasured(exe, ["--help"]).wall }.reduce(0, +) / Double(quick ? 10 : 30)
        print("  start-up: `auctionlab --help` \(ms(help)) per process (mean)")
        try shardBytes()
        try mergeScaling(exe, baseline: baseline)
        try batchSolve(exe, help: help)
        try largeWorkflows()
    }

    /// Path of this executable (the child processes run it).
    static var executablePath: String {
        #if os(Linux)
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        #else
        Bundle.main.executablePath ?? CommandLine.arguments[0]
        #endif
    }

    /// Runs `exe args` (stdin from `input` or /dev/null, output to /dev/null), waits, and returns
    /// its wall time, peak resident memory (the child's VmHWM, polled every 2 ms) and CPU time
    /// (user + system, from `wait4`; what the child cost when other processes share the cores).
    static func spawnMeasured(_ exe: String, _ args: [String], input: String? = nil) throws -> (wall: Double, peakBytes: Int, cpu: Double) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let clock = ContinuousClock()
        var pid = pid_t()
        let t0 = clock.now
        let rc = posix_spawn(&pid, exe, &actions, nil, argv, environ)
        guard rc == 0 else { throw ValidationError("bench: cannot start \(exe): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        // The child's own high-water mark, polled from /proc/PID/status (VmHWM) until it exits:
        // its rusage maxrss is no good here, because posix_spawn runs the child on the parent's
        // memory until exec and Linux carries that high-water mark into the child's maxrss.
        var hwm = 0
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 { if errno == EINTR { continue }; break }
            hwm = max(hwm, Self.highWaterMark(pid: pid) ?? 0)
            usleep(2_000)
        }
        let d = clock.now - t0
        guard status == 0 else { throw ValidationError("bench: `\(([exe] + args).joined(separator: " "))` ended with wait status \(status)") }
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
        return (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18, hwm > 0 ? hwm : Int(usage.ru_maxrss) * 1024, cpu)
    }

    /// VmHWM of a running process in bytes (Linux), nil elsewhere or once it is gone.
    static func highWaterMark(pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") else { return nil }
        return kb * 1024
    }

    static func table1Spec() throws -> ExperimentSpec? {
        let path = "Experiments/table1.yaml"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try ExperimentSpec.load(path)
    }

    /// Shard bytes per trial: a row file against the JSON Lines of earlier versions, both from
    /// the same rows of a short table1 run in this process.
    func shardBytes() throws {
        guard var spec = try Self.table1Spec() else { print("  shard size: skipped (run from the repository: needs Experiments/table1.yaml)"); return }
        spec.trials = quick ? 5 : 20
        let runner = try SweepRunner(spec: spec, file: "Experiments/table1.yaml")
        let rows = try runner.run(threads: 1)
        let m = runner.mechanisms.count
        var json = 0
        for k in 0..<runner.itemCount { json += try SweepRunner.legacyJSONBytes(item: k, rows: Array(rows[k * m..<(k + 1) * m])) }
        let perTrialJSON = Double(json) / Double(spec.trials)
        let perTrialRows = Double(runner.rowFileBytesPerItem * runner.itemCount) / Double(spec.trials)
        print(String(format: "  shard bytes per table1 trial: %.0f B (row file: %d B per item × %d items) vs %.0f B of JSON → %.2f× smaller",
                     perTrialRows, runner.rowFileBytesPerItem, runner.itemCount / spec.trials, perTrialJSON, perTrialJSON / perTrialRows))
    }

    /// `auctionlab merge` of 4 synthetic table1 shards in a child process at two sizes; with
    /// `--baseline BINARY`, that binary merges the same rows as JSON shards at the smaller size.
    func mergeScaling(_ exe: String, baseline: String?) throws {
        guard var spec = try Self.table1Spec() else { print("  merge: skipped (needs Experiments/table1.yaml)"); return }
        let sizes = quick ? [1_000, 10_000] : [10_000, 100_000]
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-bench-merge-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        var rows: [[String]] = []
        var baselineLine: String?
        for n in sizes {
            spec.trials = n
            let runner = try SweepRunner(spec: spec, file: "Experiments/table1.yaml")
            let dir = root.appendingPathComponent("\(n)"), legacy = root.appendingPathComponent("\(n)-json")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let compare = baseline != nil && n == sizes[0]
            var shardBytes = 0
            for i in 0..<4 {
                let f = try runner.writeSyntheticShard(ShardID(i, of: 4), in: dir, seed: UInt64(i + 1), legacy: compare ? legacy : nil)
                shardBytes += (try FileManager.default.attributesOfItem(atPath: f.path)[.size] as? Int) ?? 0
            }
            let r = try Self.spawnMeasured(exe, ["merge", "Experiments/table1.yaml", "--trials", "\(n)", "--out", dir.path])
            let perTrial = r.wall / Double(n)
            if compare, let baseline {
                let old = try Self.spawnMeasured(baseline, ["merge", "Experiments/table1.yaml", "--trials", "\(n)", "--out", legacy.path])
                let same = ["trials.csv", "summary.csv", "table.md"].allSatisfy {
                    FileManager.default.contents(atPath: dir.appendingPathComponent($0).path) == FileManager.default.contents(atPath: legacy.appendingPathComponent($0).path)
                }
                baselineLine = String(format: "  baseline %@ on the same rows as JSON shards (%d trials): %.2f s, %.3g ms per trial, peak %.1f MB → this merge %.1f× faster per trial, %.1f× less memory; output %@",
                                      baseline, n, old.wall, old.wall / Double(n) * 1e3, Double(old.peakBytes) / 1e6,
                                      old.wall / r.wall, Double(old.peakBytes) / Double(r.peakBytes), same ? "byte-identical" : "DIFFERS")
                try? FileManager.default.removeItem(at: legacy)
            }
            rows.append(["    \(n)", String(format: "%.1f MB", Double(shardBytes) / 1e6), String(format: "%.2f s", r.wall),
                         String(format: "%.3g ms", perTrial * 1e3), String(format: "%.1f×", Self.recordedMergeSecondsPerTrial / perTrial),
                         String(format: "%.1f MB", Double(r.peakBytes) / 1e6),
                         String(format: "%.0f MB", Self.recordedMergeBytesPerTrial * Double(n) / 1e6)])
            try? FileManager.default.removeItem(at: dir)
        }
        print("  merge of 4 table1 shards (`auctionlab merge`, child process; recorded = the earlier in-memory merge, CHANGELOG.md):")
        printAligned(["    trials", "shards", "wall", "per trial", "vs recorded 1.6 ms", "peak memory", "recorded would be"], rows)
        if let baselineLine { print(baselineLine) }
    }

    /// 1,000 S2-sized instances (S2 with bids redrawn from the priors) through `solve -`.
    func batchSolve(_ exe: String, help: Double) throws {
        let path = "Experiments/instances/s2.json"
        guard let data = FileManager.default.contents(atPath: path),
              var s2 = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let agents = s2["agents"] as? [[String: Any]] else { print("  batch solve: skipped (needs \(path))"); return }
        var g = SplitMix64(seed: seed)
        var lines = ""
        let n = 1000
        for _ in 0..<n {
            s2["agents"] = agents.map { a -> [String: Any] in
                var a = a
                if let p = a["prior"] as? [String: Any], let lo = p["low"] as? Double, let hi = p["high"] as? Double {
                    a["bid"] = lo + (hi - lo) * Double(g.next() >> 11) / Double(1 << 53)
                }
                return a
            }
            lines += String(decoding: try JSONSerialization.data(withJSONObject: s2, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-bench-s2-\(getpid()).jsonl")
        try lines.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let batch = try Self.spawnMeasured(exe, ["solve", "-"], input: file.path)
        let runs = quick ? 5 : 20
        let single = try (0..<runs).map { _ in try Self.spawnMeasured(exe, ["solve", path]).wall }.reduce(0, +) / Double(runs)
        let per = batch.wall / Double(n)
        print(String(format: "  solve: %d S2-sized instances via stdin in %.3f s = %.3g ms each, start-up included (%.0f× faster than the 190 ms of the independent Python reference, recorded)",
                     n, batch.wall, per * 1e3, Self.pythonReferenceSecondsPerInstance / per))
        print(String(format: "  solve: one process on s2.json %@ = %.2f× `--help` (%@)", ms(single), single / help, ms(help)))
        try batchStages(lines.split(separator: "\n").map { Data($0.utf8) })
    }

    /// Where a batch line's time goes, in this process on one thread: decoding the JSON
    /// (Foundation's `JSONDecoder`), building the instance (priors, virtual costs, cost model),
    /// the STAR run (solver built, allocation, thresholds) and writing the outcome line.
    func batchStages(_ lines: [Data]) throws {
        var specs: [InstanceSpec] = [], insts: [Instance] = [], outcomes: [Outcome] = []
        let clock = ContinuousClock()
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let d = try clock.measure(body)
            return (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18) / Double(lines.count)
        }
        let decode = try seconds { specs = try lines.map { try InstanceSpec.decode($0) } }
        let build = try seconds { insts = try specs.map { try Instance(spec: $0) } }
        let run = try seconds { outcomes = try insts.map { try STAR().run($0, options: .init()) } }
        let write = try seconds { for (o, inst) in zip(outcomes, insts) { _ = try o.jsonLine(for: inst) } }
        let total = decode + build + run + write
        print(String(format: "  solve: per instance on one thread: decode %@, build %@, STAR %@, write %@ = %@ (%.0f%% decoding)",
                     ms(decode), ms(build), ms(run), ms(write), ms(total), 100 * decode / total))
    }

    /// Validation, the elimination order (min-fill, or min-degree where it is narrower) and the auto solver's choice on layered
    /// width-4 DAGs (one solve when the elimination tables fit), and the tree DP on trees.
    func largeWorkflows() throws {
        var g = SplitMix64(seed: seed)
        var rows: [[String]] = []
        var steps: [String: [Double]] = [:]
        var entries: [Double] = []   // clique entries of one elimination solve, per V
        let budget = quick ? 0.05 : 0.2
        for v in [1_000, 10_000] {
            let spec = RandomWorkflow.instance(.layered, nodes: v, using: &g)
            let validate = try time(budget) { _ = try Instance(spec: spec) }
            let inst = try Instance(spec: spec)
            // The order alone (no table is built at construction): unlimited, to time it at any width.
            let order = try time(budget) { _ = try VariableElimination(model: inst.model, tableLimit: .infinity) }
            let ve = try VariableElimination(model: inst.model, tableLimit: .infinity)
            let auto = try time(budget) { _ = try SolverKind.auto.makeRaw(for: inst.model) }
            let chosen = try SolverKind.auto.makeRaw(for: inst.model).name
            var found = [("validation", validate), ("elimination order (width \(ve.width))", order), ("auto solver choice (\(chosen))", auto)]
            if pow(Double(inst.agentCount), Double(ve.width + 1)) <= 2e7 {
                let prices = inst.virtualBids
                let t = try time(budget) { _ = try ve.solve(prices: prices) }
                found.append((String(format: "one elimination solve (%.3g clique entries, %.2f ns each)", ve.cliqueEntries, t / ve.cliqueEntries * 1e9), t))
                entries.append(ve.cliqueEntries)
            }
            for (name, t) in found {
                steps[String(name.prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces), default: []].append(t)
                rows.append(["    layered w4", "\(v)", name, ms(t)])
            }
        }
        for v in [100, 1_000, 10_000] {
            let inst = try Instance(spec: RandomWorkflow.instance(.tree, nodes: v, using: &g))
            let dp = try TreeDP(model: inst.model)
            let prices = inst.virtualBids
            let t = try time(budget) { _ = try dp.solve(prices: prices) }
            if v >= 1_000 { steps["tree DP solve", default: []].append(t) }
            rows.append(["    tree", "\(v)", "tree DP solve", ms(t)])
        }
        print("  large workflows (M = 9; exponent = log10(t(10⁴) / t(10³)): 1 linear, 2 quadratic):")
        printAligned(["", "V", "step", "time"], rows)
        print("    exponents: " + steps.keys.sorted().filter { steps[$0]!.count == 2 }
            .map { k in String(format: "%@ %.2f", k, log10(steps[k]![1] / steps[k]![0])) }.joined(separator: ", ")
            + (entries.count == 2 ? String(format: "; clique entries %.2f (the elimination order's largest bags grow with V)", log10(entries[1] / entries[0])) : ""))
    }
}
