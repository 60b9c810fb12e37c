import ArgumentParser
import Equilibrium
import Foundation
import LabIO
import Mechanisms
import Workflows

/// `auctionlab bench equilibrium`: a pay-as-bid equilibrium on S4
/// (the paper's topology and 9-agent market) at the command's defaults and at the S4 setting
/// (seeds 1…4), timed per iteration and for the certificate, with the certificate's ε, and every
/// time also as a multiple of one
/// truthful pay-as-bid run on S4 measured in the same process (so machine speed cancels out).
/// Not a timed test: the figures go to CHANGELOG.md and the Results READMEs.
extension BenchSuite {
    func benchEquilibrium() throws {
        let path = "Experiments/instances/s4.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("bench equilibrium needs \(path): run it from the repository root")
        }
        let inst = try Instance(spec: InstanceSpec.decode(data, file: path))
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let baseline = try time(quick ? 0.1 : 0.5) { _ = try PayAsBid().run(inst, options: .init()) }
        // The command's defaults, and the setting found for S4 (ε ≤ 1 % in ≤ 60 s):
        // smaller steps (damping 0.3), a knot at the support's bottom, more profiles and iterations,
        // a larger certificate. The S4 setting runs on seeds 1…4 (one seed with --quick), since
        // whether one run certifies at 1 % varies with the seed.
        var settings: [(String, EquilibriumConfig)] = [
            ("defaults", EquilibriumConfig(grid: 9, samples: 200, iterations: 40, seed: seed, threads: threads)),
        ]
        for s in quick ? [seed] : [seed, seed + 1, seed + 2, seed + 3] {
            settings.append(("s4 (damping 0.3, end knot)", EquilibriumConfig(grid: 9, samples: 300, iterations: 60, damping: 0.3, seed: s, threads: threads,
                                                                              certificateSamples: 600, lowerEndKnot: true)))
        }
        print("AuctionLab bench — equilibrium: pay-as-bid on S4, \(threads) threads; one truthful pay-as-bid run on S4 takes \(ms(baseline)) " +
              "(the × column divides by it)")
        var rows: [[String]] = []
        for (label, config) in settings {
            let clock = ContinuousClock()
            let start = clock.now
            let stamps = IterationStamps()
            let r = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config) { _ in stamps.add(clock.now - start) }
            let total = seconds(clock.now - start)
            let solver = stamps.last.map(seconds) ?? 0
            let perIteration = r.iterations > 0 ? solver / Double(r.iterations) : 0
            let c = r.certificate
            rows.append([label, "\(config.seed)", "K \(config.grid), N \(config.samples), T ≤ \(config.iterations)", "\(r.iterations)",
                         ms(perIteration), String(format: "%.0f", perIteration / baseline),
                         String(format: "%.1f s", total - solver), String(format: "%.1f s", total), String(format: "%.0f", total / baseline),
                         String(format: "%.2f %%", 100 * c.maxRelativeEpsilon), r.converged ? "yes" : "no"])
        }
        printAligned(["setting", "seed", "grid, profiles, iterations", "iterations", "per iteration", "×", "certificate", "total", "×",
                      "max relative ε", "ε ≤ 1 %"], rows)
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
