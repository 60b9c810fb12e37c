import ArgumentParser
import Equilibrium
import Experiments
import Foundation
import LabIO
import Mechanisms
import Workflows

/// `auctionlab bench equilibrium`: pay-as-bid and Myopic equilibria on S1–S4 (the paper's
/// topologies and 9-agent market, `Experiments/instances/s1…s4.json`) at the settings a sweep uses
/// by default (`EquilibriumSettings` with no key set: one thread per equilibrium, as the sweep runs
/// them), each timed (solver + certificate) with its certified relative ε, every time also as a
/// multiple of one truthful pay-as-bid run on the same instance measured in the same process (so
/// machine speed cancels out). The last line extrapolates the 50-trial `table1-equilibrium` sweep:
/// 50 × (the sum of the eight times) ÷ the cores, since the sweep runs one equilibrium per core.
/// Not a timed test: the figures go to CHANGELOG.md and the Results READMEs.
extension BenchSuite {
    func benchEquilibrium() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let topologies = quick ? ["s4"] : ["s1", "s2", "s3", "s4"]
        var settings = EquilibriumSettings().config
        settings.seed = seed
        print("AuctionLab bench — equilibrium: pay-as-bid and Myopic on \(topologies.joined(separator: ", ")) at the sweep's default settings " +
              "(K \(settings.grid), N \(settings.samples), T ≤ \(settings.iterations), temperature \(settings.temperature) annealed to ×\(settings.annealing), " +
              "the last \(Int((100 * settings.averagingShare).rounded())) % of the iterates averaged, \(settings.certificateSamples ?? 0) certificate profiles " +
              "(up to \(settings.certificateMaxSamples ?? 0) for a noisy agent), " +
              "one thread), seed \(seed); × divides by one truthful pay-as-bid run on the same instance")
        var rows: [[String]] = []
        var total = 0.0
        for name in topologies {
            let path = "Experiments/instances/\(name).json"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("bench equilibrium needs \(path): run it from the repository root")
            }
            let inst = try Instance(spec: InstanceSpec.decode(data, file: path))
            let baseline = try time(quick ? 0.1 : 0.5) { _ = try PayAsBid().run(inst, options: .init()) }
            for mech in [PayAsBid(), Myopic()] as [any Mechanism] {
                let clock = ContinuousClock()
                let start = clock.now
                let r = try EquilibriumSolver.solve(mech, instance: inst, config: settings)
                let seconds = seconds(clock.now - start)
                total += seconds
                let c = r.certificate
                rows.append([name.uppercased(), mech.name, "\(r.iterations)", String(format: "%.2f s", seconds), String(format: "%.0f", seconds / baseline),
                             String(format: "%.2f %%", 100 * c.maxRelativeEpsilon),
                             String(format: "%.2f %%", 100 * (c.perAgent.map(\.relativeEpsilon.ciHigh).max() ?? 0)), r.converged ? "yes" : "no"])
            }
        }
        printAligned(["topology", "mechanism", "iterations", "time", "×", "max relative ε", "its 95 % upper end", "ε ≤ 1 %"], rows)
        if !quick {
            let sweep = 50 * total / Double(cores)
            print(String(format: "table1-equilibrium at 50 trials per cell: 50 × %.1f s ÷ %d cores ≈ %.1f min of equilibria (plus the truthful rows, seconds)",
                         total, cores, sweep / 60))
        }
    }

    private func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
}
