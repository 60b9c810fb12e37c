import ArgumentParser
import Foundation
import Experiments
import LabIO
import Studies

/// `auctionlab calibrate`: fit the market's unstated assumptions to a published table.
struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit the market's open assumptions (switches) to a published table; report fit and held-out residuals.",
        discussion: """
        The paper leaves parts of its market unstated. Each is a switch (names below); \
        a calibration spec frees some of them within bounds and names the topologies \
        to fit; the others, and every saving, are held out and predicted:

          name: calibration
          market: Experiments/markets/paper.yaml
          target: Experiments/targets/star-table1.yaml
          trials: 50
          seed: 2026
          fit: [S1, S2]
          free: [payment_scale, scarcity_low, beta, edge_tokens, bundle_bidders]
          bounds:
            payment_scale: [0.1, 50]
            scarcity_low: [0.05, 0.95]
            beta: [0, 3]
            edge_tokens: [split, full-input, parent-output]
            bundle_bidders: [capable, tier-2-up, all]
          refine: 2
          max_iterations: 60

        Switches: payment_scale (fitted in closed form), scarcity_low, prior_low_fraction, \
        beta, rho, kappa, noise, diurnal_hour (numbers, need [low, high]); edge_tokens, \
        diurnal, bundle_bidders, baseline_cap (options, need a list). Their meaning is \
        in fit.csv and in the documentation's "Calibrating the market to the paper" article.

        Search: every combination of the free options is screened at the market's \
        start point; the best `refine` ones are refined by GSL's Nelder–Mead simplex \
        over the free numbers. Every evaluation simulates the fit topologies with the \
        same seed (common random numbers), so the result does not depend on --threads.
        Distance: Σ over fit cells of z², z = (ours − paper mean)/(paper std/√trials).

        Output (atomically, all or nothing): OUT/fit.csv, residuals.csv, effects.csv, \
        table.md (OUT = --out, else the spec's `output`, else Results/NAME) and the \
        calibrated market (the spec's `calibrated_market`, or OUT/calibrated-market.yaml \
        with --out). Progress goes to stderr on a terminal.

        Examples:
          auctionlab calibrate Experiments/calibration.yaml
          auctionlab calibrate Experiments/calibration.yaml --free payment_scale,beta \\
              --trials 10 --threads 2 --out /tmp/cal
        """)

    @Argument(help: "Calibration spec (YAML).") var spec: String
    @Option(help: "Target table (YAML; default: the spec's `target`).") var target: String?
    @Option(help: "Comma-separated switches to free (default: the spec's `free`); each needs bounds in the spec.") var free: String?
    @Option(help: "Override the spec's trials per cell.") var trials: Int?
    @Option(help: "Override the spec's master seed.") var seed: UInt64?
    @OptionGroup var runOptions: RunOptions

    func validate() throws { try requirePositive(trials, "--trials") }

    func run() throws {
        var s = try CalibrationSpec.load(spec)
        if let trials { s.trials = trials }
        if let seed { s.seed = seed }
        guard let targetPath = target ?? s.target else {
            throw ValidationError("no target table: pass --target TARGET.yaml or set `target` in \(spec)")
        }
        let t = try CalibrationTarget.load(targetPath)
        let freeList = try free.map { text -> [String] in
            let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard names.allSatisfy({ !$0.isEmpty }) else { throw ValidationError("--free has an empty name in \"\(text)\"") }
            return names
        }
        let problem = try CalibrationProblem(spec: s, specFile: spec, target: t, targetFile: targetPath, freeOverride: freeList)
        let dir = runOptions.folder(for: s)
        let marketFile = runOptions.out != nil || s.calibratedMarket == nil
            ? dir.appendingPathComponent("calibrated-market.yaml") : URL(fileURLWithPath: s.calibratedMarket!)
        let tty = isatty(2) != 0
        let start = Date()
        let progress: (String) -> Void = { line in
            guard tty else { return }
            Progress.line(String(format: "[%5.0fs] %@", Date().timeIntervalSince(start), line))
        }
        let lock = try lockOutput(dir, spec: spec, seed: s.seed)
        defer { lock.release() }
        let calibrator = Calibrator(problem: problem, threads: runOptions.threads)
        let result = try calibrator.run(progress: progress)
        var command = "auctionlab calibrate \(spec)"
        if let target { command += " --target \(target)" }
        if let free { command += " --free \(free)" }
        if let trials { command += " --trials \(trials)" }
        if let seed { command += " --seed \(seed)" }
        let report = try CalibrationReport(calibrator: calibrator, result: result, command: command, progress: progress)
        try report.write(to: dir, marketFile: marketFile)
        Progress.line(String(format: "calibrate %@: distance %.4g (%d evaluations) in %.1fs → %@, %@",
                                                   s.name, result.distance, result.evaluations, Date().timeIntervalSince(start),
                                                   dir.path, marketFile.path))
    }
}
