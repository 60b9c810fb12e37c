import Foundation
import LabIO
import LabNumerics
import Mechanisms
import Priors
import Workflows

/// `auctionlab bench priors`: what building a prior costs per kind (with and without the
/// ``PriorCache``), a batch of one-node instances with truncated-normal priors against the same
/// batch with uniform priors, and a bid stream against rebuilding the instance per line. Every
/// figure has its baseline measured in this process (or by this binary in a child process).
extension BenchSuite {
    /// The support every prior of this part lives on.
    static let priorSupport = (low: 0.5, high: 5.0)

    /// The priors timed, baseline (uniform) first: the log-concave kinds on the fast path
    /// (truncated in the middle, at the mode, far in a tail) and an ironed mixture for contrast.
    static func benchPriors() throws -> [(name: String, spec: PriorSpec)] {
        let (lo, hi) = priorSupport
        return [("uniform", .uniform(low: lo, high: hi)),
                ("normal, mean 2, sd 1", .normal(mean: 2, sd: 1, low: lo, high: hi)),
                ("normal cut at its mean (mean = low)", .normal(mean: lo, sd: 1, low: lo, high: hi)),
                ("normal far tail (zoo)", try PriorZoo.spec("normal-far-tail", low: lo, high: hi)),
                ("exponential, rate 2", .exponential(rate: 2, low: lo, high: hi)),
                ("mixture of two uniforms (zoo, ironed)", try PriorZoo.spec("ironing-mixture", low: lo, high: hi))]
    }

    func benchPriorsPart() throws {
        print("AuctionLab bench priors — median wall time; every ratio is against a baseline measured in this run\n")
        try priorBuild()
        try oneNodeBatches(Self.executablePath)
        try bidStream(Self.executablePath)
    }

    /// Building one prior's curve (validate, probe, iron) per kind, uncached and as a cache hit.
    func priorBuild() throws {
        let budget = quick ? 0.1 : 0.5
        print("Prior build: VirtualCost from its spec (validate, probe the numerics, iron), cost side, support [0.5, 5]")
        var rows: [[String]] = []
        var uniform = 0.0
        for (name, spec) in try Self.benchPriors() {
            let cold = try time(budget) { _ = try VirtualCost(spec: spec) }
            let cache = PriorCache()
            _ = try cache.curve(for: spec)
            let hot = try time(budget) { _ = try cache.curve(for: spec) }
            if uniform == 0 { uniform = cold }
            rows.append([name, ms(cold), String(format: "%.2f×", cold / uniform), ms(hot), String(format: "%.0f×", cold / hot)])
        }
        printAligned(["prior", "uncached", "vs uniform", "cached (hit)", "uncached / cached"], rows)
    }

    /// One line of a one-node, two-agent instance whose agents have `prior` (bids 1.2 and 2.2).
    static func oneNodeLine(_ prior: PriorSpec) throws -> String {
        let agents = [AgentSpec(id: "a", tier: 1, rho: 0.25, bid: 1.2, prior: prior),
                      AgentSpec(id: "b", tier: 1, rho: 0.25, bid: 2.2, prior: prior)]
        let spec = InstanceSpec(agents: agents, nodes: [NodeSpec(id: "v1", difficulty: 1, inputTokens: 2000, outputTokens: 30000)], edges: [])
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(spec), as: UTF8.self)
    }

    /// 1,000 one-node instances per prior kind through `solve -` (a child process, start-up
    /// included), and the same lines in this process with and without the prior cache.
    func oneNodeBatches(_ exe: String) throws {
        let n = 1000, runs = quick ? 3 : 7
        print("\nBatch: \(n) one-node two-agent instances (both agents on the prior) through `solve - --threads 1`, a child process, median of \(runs);")
        print("in process: the same per-line work (decode, build, STAR, write) on \(quick ? 100 : 200) lines, this thread's CPU time, median of 3")
        var rows: [[String]] = []
        var base = (child: 0.0, cpu: 0.0, cached: 0.0, uncached: 0.0)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-bench-priors-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let mech = STAR()
        for (k, (name, spec)) in try Self.benchPriors().enumerated() {
            let line = try Self.oneNodeLine(spec)
            let file = dir.appendingPathComponent("batch-\(k).jsonl")
            try String(repeating: line + "\n", count: n).write(to: file, atomically: true, encoding: .utf8)
            let spawned = try (0..<runs).map { _ in try Self.spawnMeasured(exe, ["solve", "-", "--threads", "1"], input: file.path) }
            let child = median(spawned.map(\.wall)) / Double(n), childCPU = median(spawned.map(\.cpu)) / Double(n)
            // The batch's per-line work (decode, build, STAR, write the line) on one thread in this
            // process, on fewer lines (rebuilding the ironed mixture per line is slow).
            let data = Data(line.utf8), lines = quick ? 100 : 200
            func perLine(_ cache: PriorCache?) throws -> Double {
                try median((0..<3).map { _ in
                    try threadCPUSeconds {
                        for _ in 0..<lines {
                            let inst = try decodeInstance(data, file: "bench", priorCache: cache)
                            _ = try mech.run(inst, options: .init()).jsonLine(for: inst, instance: "bench")
                        }
                    }
                }) / Double(lines)
            }
            let cached = try perLine(PriorCache()), uncached = try perLine(nil)
            if k == 0 { base = (child, childCPU, cached, uncached) }
            rows.append([name, ms(child), String(format: "%.2f×", child / base.child), ms(childCPU), String(format: "%.2f×", childCPU / base.cpu),
                         ms(cached), String(format: "%.2f×", cached / base.cached),
                         ms(uncached), String(format: "%.2f×", uncached / base.uncached)])
        }
        printAligned(["prior", "wall per line", "vs uniform", "CPU per line", "vs uniform", "in process, cached (CPU)", "vs uniform", "uncached, rebuilt per line (CPU)", "vs uniform"], rows)
    }

    /// 1,000 S2 bid profiles (bids drawn from the agents' priors) through `solve s2.json --bids`
    /// against the same profiles as 1,000 full instance lines through `solve -` (decoded and
    /// built per line), both child processes with start-up included, on 1 and 2 threads; then the
    /// 2-thread stream against the 1-thread one and against the issue's target (0.1 ms per profile).
    func bidStream(_ exe: String) throws {
        let path = "Experiments/instances/s2.json"
        guard let data = FileManager.default.contents(atPath: path),
              var object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              var agents = object["agents"] as? [[String: Any]] else { print("\nBid stream: skipped (needs \(path))"); return }
        let inst = try decodeInstance(data, file: path)
        let n = 1000, runs = quick ? 3 : 7
        var g = SplitMix64(seed: seed)
        var csv = "", jsonl = ""
        for _ in 0..<n {
            let bids = inst.priors.map { $0.prior.quantile(g.nextOpenUnit()) }
            csv += bids.map { "\($0)" }.joined(separator: ",") + "\n"
            for k in agents.indices { agents[k]["bid"] = bids[k] }
            object["agents"] = agents
            jsonl += String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-bench-bids-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bidsFile = dir.appendingPathComponent("bids.csv"), linesFile = dir.appendingPathComponent("s2.jsonl")
        try csv.write(to: bidsFile, atomically: true, encoding: .utf8)
        try jsonl.write(to: linesFile, atomically: true, encoding: .utf8)
        print("\nBid stream: \(n) S2 profiles (bids drawn from the priors, seed \(seed)), child processes with start-up included, median of \(runs)")
        var rows: [[String]] = []
        var streamWall: [Double] = []
        for threads in [1, 2] {
            let t = ["--threads", "\(threads)"]
            let stream = try (0..<runs).map { _ in try Self.spawnMeasured(exe, ["solve", path, "--bids", "-"] + t, input: bidsFile.path) }
            let rebuilt = try (0..<runs).map { _ in try Self.spawnMeasured(exe, ["solve", "-"] + t, input: linesFile.path) }
            let (sw, sc) = (median(stream.map(\.wall)) / Double(n), median(stream.map(\.cpu)) / Double(n))
            let (rw, rc) = (median(rebuilt.map(\.wall)) / Double(n), median(rebuilt.map(\.cpu)) / Double(n))
            streamWall.append(sw)
            rows.append(["\(threads)", ms(sw), ms(sc), ms(rw), ms(rc), String(format: "%.2f×", rw / sw), String(format: "%.2f×", rc / sc),
                         String(format: "%.0f×", Self.pythonReferenceSecondsPerInstance / sw)])
        }
        printAligned(["threads", "--bids wall/profile", "CPU/profile", "`solve -` wall/line", "CPU/line", "wall ratio", "CPU ratio", "vs 190 ms Python (recorded)"], rows)
        print("  (wall includes start-up; CPU is the child's user + system time; both per profile)")
        // The issue's target: ≤ 0.1 ms per profile, start-up included, on 2 threads.
        let target = 1e-4
        let speedUp = String(format: "%.2f×", streamWall[0] / streamWall[1]), ofTarget = String(format: "%.2f×", streamWall[1] / target)
        print("  2 threads vs 1: \(speedUp) the speed; target ≤ 0.1 ms/profile on 2 threads: \(streamWall[1] <= target ? "met" : "not met") (\(ofTarget) the target; other jobs share the cores)")
    }

    /// CPU seconds this thread spends in one call of `body` (unaffected by other processes
    /// sharing the cores, unlike wall time).
    func threadCPUSeconds(_ body: () throws -> Void) rethrows -> Double {
        func now() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
        let t0 = now()
        try body()
        return now() - t0
    }

    /// The median of `xs` (the upper middle for an even count).
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
}
