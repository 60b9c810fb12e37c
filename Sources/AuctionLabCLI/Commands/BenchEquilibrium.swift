import ArgumentParser
import Equilibrium
import Foundation
import LabIO
import Mechanisms
import Workflows

/// `auctionlab bench --equilibrium`: the issue-14 benchmark — a pay-as-bid equilibrium on S4
/// (the paper's topology and 9-agent market) at the command's defaults, timed per iteration and
/// for the certificate, with the certificate's ε, and every time also as a multiple of one
/// truthful pay-as-bid run on S4 measured in the same process (so machine speed cancels out).
/// Not a timed test: the figures go to the README and the closing note.
extension Bench {
    func benchEquilibrium() throws {
        let path = "Experiments/instances/s4.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--equilibrium needs \(path): run it from the repository root")
        }
        let inst = try Instance(spec: InstanceSpec.decode(data, file: path))
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let config = EquilibriumConfig(grid: 9, samples: 200, iterations: 40, seed: seed, threads: threads)
        let baseline = try time(quick ? 0.1 : 0.5) { _ = try PayAsBid().run(inst, options: .init()) }
        print("AuctionLab bench — equilibrium: pay-as-bid on S4, grid \(config.grid), \(config.samples) profiles per iteration, " +
              "≤ \(config.iterations) iterations, seed \(seed), \(threads) threads")
        let clock = ContinuousClock()
        let start = clock.now
        let stamps = IterationStamps()
        let r = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config) { _ in stamps.add(clock.now - start) }
        let total = seconds(clock.now - start)
        let solver = stamps.last.map(seconds) ?? 0
        let perIteration = r.iterations > 0 ? solver / Double(r.iterations) : 0
        let c = r.certificate
        printAligned(["quantity", "value", "× one pay-as-bid run on S4"], [
            ["one pay-as-bid run (truthful bids)", ms(baseline), "1"],
            ["iterations", "\(r.iterations)", ""],
            ["mechanism runs (solver)", "\(r.solverRuns)", ""],
            ["time per iteration", ms(perIteration), String(format: "%.0f", perIteration / baseline)],
            ["solver total", String(format: "%.2f s", solver), String(format: "%.0f", solver / baseline)],
            ["certificate (\(c.samples) profiles)", String(format: "%.2f s", total - solver), String(format: "%.0f", (total - solver) / baseline)],
            ["total", String(format: "%.2f s", total), String(format: "%.0f", total / baseline)],
            ["max relative ε (mean over profiles)", fmt(c.maxRelativeEpsilon), ""],
            ["converged (relative ε ≤ \(fmt(c.target)))", r.converged ? "yes" : "no", ""],
        ])
    }

    private func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
}

/// Elapsed time at the end of each solver iteration (the progress callback is @Sendable).
private final class IterationStamps: @unchecked Sendable {
    private var stamps: [Duration] = []
    private let lock = NSLock()
    func add(_ d: Duration) { lock.lock(); stamps.append(d); lock.unlock() }
    var last: Duration? { lock.lock(); defer { lock.unlock() }; return stamps.last }
}
