import ArgumentParser
import Foundation
import LabIO
import Studies

/// `auctionlab decompose`: the decomposition study of issue 29 (where STAR's saving comes from).
struct Decompose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decompose",
        abstract: "Decompose STAR's saving against Myopic into allocation, payment and billing factors; STAR vs VCG; who serves each node.",
        discussion: """
        SPEC (kind: decomposition) names topologies, market, seed, trials and star_vcg_trials.
        Every trial runs the 24 cells combo-ALLOCATION-PAYMENT-BILLING (allocation star|starblind|myopic|vcg, \
        payment myerson|second|capped, billing cached|full) on the sweep runner's market of that \
        trial; the first star_vcg_trials trials also run STAR's and VCG's cells.

        Output (atomically): OUT/trials.csv, cells.csv, factors.csv, star-vs-vcg.csv, \
        assignments.csv, table.md (OUT = --out, else the spec's `output`, else Results/NAME).

        Example:
          auctionlab decompose Experiments/decomposition.yaml
          auctionlab decompose Experiments/decomposition.yaml --trials 5 --star-vcg-trials 5 --out /tmp/dec
        """)

    @Argument(help: "Decomposition spec (YAML).") var spec: String
    @Option(help: "Override the spec's factorial trials.") var trials: Int?
    @Option(name: .customLong("star-vcg-trials"), help: "Override the spec's STAR/VCG trials.") var starVCGTrials: Int?
    @OptionGroup var runOptions: RunOptions

    func validate() throws { try requirePositive(trials, "--trials") }

    func run() throws {
        var s = try DecompositionSpec.load(spec)
        if let trials { s.trials = trials }
        if let starVCGTrials { s.starVCGTrials = starVCGTrials }
        if let n = s.starVCGTrials, n < s.trials { throw ValidationError("--star-vcg-trials must be at least the factorial's trials (\(s.trials))") }
        let runs = try DecompositionStudy.run(s, threads: runOptions.threads)
        var command = "auctionlab decompose \(spec)"
        if let trials { command += " --trials \(trials)" }
        if let starVCGTrials { command += " --star-vcg-trials \(starVCGTrials)" }
        let dir = s.outputDirectory(override: runOptions.out)
        try DecompositionStudy.write(s, runs, to: URL(fileURLWithPath: dir), command: command)
        print("decompose: wrote \(dir)/{trials,cells,factors,star-vs-vcg,assignments}.csv and table.md")
    }
}
