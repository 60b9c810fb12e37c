import ArgumentParser
import Foundation
import Allocation
import LabIO
import LabNumerics
import Mechanisms
import Workflows

/// The settings every benchmark shares and the timing helpers they use; each `bench`
/// subcommand runs one part, passing its own options as the part's arguments: the solvers
/// here, the others in `BenchSuite+Scale`, `BenchSuite+Equilibrium`, `BenchSuite+WeightFit`, ….
/// Every figure is also given as a ratio to a baseline measured in the same process on the
/// same instance, so machine speed cancels out.
struct BenchSuite {
    /// Fewer sizes and repetitions.
    var quick = false
    /// Seed of the random instances (and of the equilibrium's profiles).
    var seed: UInt64 = 1

    /// Median seconds per call of `body`, repeated until ~`budget` seconds elapse.
    func time(_ budget: Double, _ body: () throws -> Void) rethrows -> Double {
        var samples: [Double] = []
        let clock = ContinuousClock()
        let start = clock.now
        repeat {
            let t0 = clock.now
            try body()
            let d = clock.now - t0
            samples.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        } while (clock.now - start) < .milliseconds(Int(budget * 1000)) && samples.count < 10_000
        samples.sort()
        return samples[samples.count / 2]
    }

    func ms(_ s: Double) -> String { String(format: "%.4g ms", s * 1e3) }

    /// Mean wall seconds to start this executable with `--help` and wait for it to exit
    /// (spawn, dynamic loading, runtime start-up, argument parsing; output to /dev/null).
    /// Spawned with posix_spawn and waitpid as a shell or hyperfine would: Foundation's
    /// `Process` adds tens of ms of its own per launch here.
    func meanStartup(_ runs: Int) throws -> Double {
        #if os(Linux)
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        #else
        let exe = Bundle.main.executablePath ?? CommandLine.arguments[0]
        #endif
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(exe), strdup("--help"), nil]
        defer { argv.forEach { free($0) } }
        let clock = ContinuousClock()
        var total = Duration.zero
        for _ in 0..<runs {
            var pid = pid_t()
            let t0 = clock.now
            let rc = posix_spawn(&pid, exe, &actions, nil, argv, environ)
            guard rc == 0 else { throw ValidationError("start-up: cannot start \(exe): \(String(cString: strerror(rc)))") }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            total += clock.now - t0
            guard status == 0 else { throw ValidationError("start-up: \(exe) --help ended with wait status \(status)") }
        }
        let mean = total / runs
        return Double(mean.components.seconds) + Double(mean.components.attoseconds) * 1e-18
    }

    /// Parts 1 and 2 and the start-up line: STAR on S1–S4 per solver, one allocation on random
    /// trees and DAGs up to 10⁴ nodes, ratios against the GLPK MILP path (MILP timed up to
    /// `milpMax` nodes); `startupRuns` processes for the start-up line (nil: 20 with quick, else
    /// 100); the timings also written as CSV to `csv` when given.
    func benchSolvers(milpMax: Int, csv: String?, startupRuns: Int?) throws {
        let budget = quick ? 0.1 : 0.5
        var g = SplitMix64(seed: seed)
        print("AuctionLab bench — median wall time per call, one core; ratio = MILP time / this time\n")
        print("Part 1: STAR allocation + all payments (9 agents)")
        var rows: [[String]] = []
        var csvRows: [[String]] = []
        func csvRow(_ part: Int, _ shape: String, _ v: Int, _ width: Int?, _ solver: String, _ t: Double, _ calls: Int?) {
            csvRows.append(["\(part)", shape, "\(v)", width.map { "\($0)" } ?? "", solver, String(format: "%.6g", t),
                            calls.map { "\($0)" } ?? "", "\(seed)"])
        }
        var notes: [String] = []
        var s2Run: Double?
        for (label, v) in [("S1", 19), ("S2", 46), ("S3", 17), ("S4", 12)] {
            // The paper's topology and market (Experiments/instances) when run from the repository,
            // else a random layered DAG of the same size.
            let path = "Experiments/instances/\(label.lowercased()).json"
            let inst: Instance
            if let data = FileManager.default.contents(atPath: path) {
                inst = try Instance(spec: InstanceSpec.decode(data, file: path))
            } else {
                inst = try Instance(spec: RandomWorkflow.instance(.layered, nodes: v, using: &g))
            }
            var times: [(String, Double, Int)] = []
            for kind in [SolverKind.auto, .cutset, .elimination, .milp] {
                guard (try? kind.make(for: inst.model)) != nil else { continue }
                var calls = 0
                let t = try time(kind == .milp ? budget * 2 : budget) { calls = try STAR().run(inst, options: .init(solver: kind)).solverCalls }
                times.append((kind.rawValue, t, calls))
            }
            let milp = times.last!.1
            let ve = try VariableElimination(model: inst.model)
            let prices = inst.virtualBids
            let perSolve = try time(budget) { _ = try ve.solve(prices: prices) }
            let build = try time(budget) { _ = try VariableElimination(model: inst.model) }
            notes.append("\(label): elimination width \(ve.width), one solve \(ms(perSolve)), building its order \(ms(build))")
            if label == "S2", let auto = times.first(where: { $0.0 == SolverKind.auto.rawValue }) { s2Run = auto.1 }
            for (name, t, calls) in times {
                rows.append([label, "\(inst.workflow.count)", name, ms(t), "\(calls)", String(format: "%.1f×", milp / t)])
                csvRow(1, label, inst.workflow.count, ve.width, name, t, calls)
            }
        }
        printAligned(["instance", "V", "solver", "star run", "solver calls", "vs milp"], rows)
        notes.forEach { print("  " + $0) }

        print("\nPart 2: one allocation, M = 9")
        rows = []
        let sizes = quick ? [10, 100, 1000] : [10, 100, 1000, 10_000]
        for shape in [RandomWorkflow.Shape.tree, .dag] {
            for v in sizes {
                let inst = try Instance(spec: RandomWorkflow.instance(shape, nodes: v, using: &g))
                let prices = inst.virtualBids
                var results: [(String, Double)] = []
                var width: Int?
                if shape == .tree { let s = try TreeDP(model: inst.model); results.append(("tree", try time(budget) { _ = try s.solve(prices: prices) })) }
                if let s = try? VariableElimination(model: inst.model) {
                    width = s.width
                    results.append(("elimination (w=\(s.width))", try time(budget) { _ = try s.solve(prices: prices) }))
                }
                var milp: Double?
                if v <= milpMax {
                    let s = MILPSolver(model: inst.model)
                    let t = try time(budget) { _ = try s.solve(prices: prices) }
                    milp = t
                    results.append(("milp", t))
                }
                for (name, t) in results {
                    rows.append(["\(shape.rawValue)", "\(v)", name, ms(t), String(format: "%.3g µs", t / Double(v) * 1e6),
                                 milp.map { String(format: "%.1f×", $0 / t) } ?? "milp not run"])
                    csvRow(2, shape.rawValue, v, width, name.hasPrefix("elimination") ? "elimination" : name, t, nil)
                }
            }
        }
        printAligned(["shape", "V", "solver", "per solve", "per node", "vs milp"], rows)
        let runs = startupRuns ?? (quick ? 20 : 100)
        if runs > 0 {
            let startup = try meanStartup(runs)
            var line = "\nStart-up: `auctionlab --help` in a new process, mean \(ms(startup)) over \(runs) processes"
            if let s2Run { line += String(format: " = %.3g× one STAR run on S2", startup / s2Run) + " (auto, \(ms(s2Run)))" }
            print(line)
        }
        if let csv {
            let header = ["part", "shape", "V", "width", "solver", "seconds_per_solve", "solver_calls", "seed"]
            try AtomicFile.write(csvText(header, csvRows), to: URL(fileURLWithPath: csv))
        }
    }
}
