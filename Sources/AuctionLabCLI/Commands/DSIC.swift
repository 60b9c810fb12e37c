import ArgumentParser
import Foundation
import Experiments
import LabIO
import LabNumerics
import Mechanisms
import Truthfulness
import Workflows

/// `auctionlab dsic`: empirical truthfulness check of one mechanism on one instance (TheModel.md).
struct DSIC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsic",
        abstract: "Check a mechanism for truthfulness numerically: regret, IR, revenue equivalence.",
        discussion: """
        For each of --profiles profiles, true costs are drawn from the agents' priors (seeded).
        Every agent's utility u(b) = P(b) − c·x(b) is evaluated on --grid points, as many
        random bids, both sides of every step of its workload x(z) that the harness locates
        itself (bisection on the allocation alone, never on payments) and of every breakpoint
        the mechanism reports; regret is the best misreport's gain over truth. identity_error
        is the largest |P − c·x(c) − ∫_c^hi x(z) dz| (Myerson's payment identity, with x from
        the allocation alone): ≈ 0 for threshold payments. Revenue equivalence compares
        E[payment] with E[Σ φ(c)·x] plus the rent across zero-density gaps and the top
        type's utility, for every mechanism. The worst profitable misreport is printed so it can be
        replayed with `auctionlab solve` (set that agent's "bid" in the instance).

        Examples:
          auctionlab dsic Experiments/instances/s4.json --mechanism star
          auctionlab dsic Experiments/instances/s4.json --mechanism myopic --profiles 50 --format json
          auctionlab dsic Experiments/dsic.yaml --profiles 5 --random 20     (all of the spec's mechanisms;
                                                                              writes Results/dsic/{dsic.csv,table.md})
          auctionlab dsic Experiments/dsic-priors.yaml   (every mechanism on every prior family, identical and
                                                   asymmetric agents, S1–S4 → Results/dsic-priors/)
          auctionlab dsic Experiments/instances/s4.json --mechanism myopic --curve t1_1 --profile 3 --csv curve.csv
                        (agent t1_1's utility vs its own bid in profile 3 of --seed, the others truthful:
                         CSV instance,mechanism,seed,profile,agent,true_cost,bid,payment,workload,utility,truthful)
        """)

    @Argument(help: "Instance JSON file (its bids are replaced by sampled true costs), or an experiment spec (.yaml).") var instance: String
    @Option(help: "With a spec: number of extra random small workflows per parameter point.") var random = 0
    @Option(help: "With a spec: output folder (default Results/NAME).") var out: String?
    @Option(help: "Mechanism: \(MechanismRegistry.names.joined(separator: "|")).") var mechanism = "star"
    @Option(help: "Number of sampled cost profiles.") var profiles = 20
    @Option(help: "Grid points per agent over its prior's support.") var grid = 25
    @Option(name: .customLong("revenue-profiles"), help: "Profiles for the revenue-equivalence check (cheap: no misreports; default: --profiles).") var revenueProfiles: Int?
    @Option(help: "Seed of the profiles.") var seed: UInt64 = 1
    @Option(help: "Output format: table|json.") var format: OutputFormat = .table
    @Option(help: "With an instance: write this agent's utility-vs-bid curve (needs --csv) instead of the regret check.") var curve: String?
    @Option(help: "With --curve: which sampled profile (0-based, as named by 'worst profitable misreport') gives the true costs.") var profile = 0
    @Option(help: "With --curve: output CSV file.") var csv: String?

    func run() throws {
        try requirePositive(profiles, "--profiles")
        try requirePositive(grid, "--grid")
        try requirePositive(revenueProfiles, "--profiles")
        guard random >= 0 else { throw ValidationError("--random must be ≥ 0 (got \(random))") }
        if random > 0 { try requirePositive(random, "--random") }
        if instance.hasSuffix(".yaml") || instance.hasSuffix(".yml") {
            if let text = try? String(contentsOfFile: instance, encoding: .utf8), DSICPriorsSpec.matches(text) {
                return try runPriorSweep(DSICPriorsSpec.parse(text, file: instance))
            }
            let spec = try ExperimentSpec.load(instance)
            let runner = try SweepRunner(spec: spec, file: instance)
            let rows = try DSICSweep.run(runner, randomInstances: random,
                                         config: .init(profiles: profiles, grid: grid, revenueProfiles: revenueProfiles, seed: seed))
            let dir = URL(fileURLWithPath: out ?? spec.output ?? "Results/\(spec.name)")
            let lock = try lockOutput(dir, spec: instance, seed: seed)
            defer { lock.release() }
            let command = "auctionlab dsic \(instance) --profiles \(profiles) --grid \(grid) --seed \(seed) --random \(random)"
                + (revenueProfiles.map { " --revenue-profiles \($0)" } ?? "")
            try AtomicFile.write(DSICSweep.csv(spec, rows), to: dir.appendingPathComponent("dsic.csv"))
            let md = DSICSweep.markdown(spec, rows, command: command)
            try AtomicFile.write(md, to: dir.appendingPathComponent("table.md"))
            print(md)
            return
        }
        let mech = try mechanismNamed(mechanism)
        return try runInstance(mech)
    }

    /// `kind: dsic-priors` specs: every mechanism on every prior family (Results/dsic-priors).
    func runPriorSweep(_ spec: DSICPriorsSpec) throws {
        let dir = URL(fileURLWithPath: out ?? spec.output ?? "Results/\(spec.name)")
        let lock = try lockOutput(dir, spec: instance, seed: spec.seed)
        defer { lock.release() }
        let start = Date()
        let rows = try DSICPriorSweep.run(spec, file: instance) { done, total in
            if done % max(1, total / 20) == 0 || done == total {
                FileHandle.standardError.write(Data("dsic-priors: \(done)/\(total) cases (\(Int(Date().timeIntervalSince(start))) s)\n".utf8))
            }
        }
        let command = "auctionlab dsic \(instance)"
        try AtomicFile.write(DSICPriorSweep.csv(spec, rows), to: dir.appendingPathComponent("dsic.csv"))
        let md = DSICPriorSweep.markdown(spec, rows, command: command)
        try AtomicFile.write(md, to: dir.appendingPathComponent("table.md"))
        print(md)
    }

    func runInstance(_ mech: any Mechanism) throws {
        let inst = try loadInstance(instance)
        if let curve {
            guard let csv else { throw ValidationError("--curve needs --csv FILE") }
            guard let i = inst.agentIDs.firstIndex(of: curve) else {
                throw ValidationError("--curve: no agent \"\(curve)\" in \(instance) (agents: \(inst.agentIDs.joined(separator: ", ")))")
            }
            guard profile >= 0 else { throw ValidationError("--profile must be ≥ 0") }
            let (truthful, costs) = DSICHarness.profile(inst, seed: seed, index: profile)
            let points = try DSICHarness.utilityCurve(mech, instance: truthful, agent: i, trueCost: costs[i], grid: grid)
            func g(_ v: Double) -> String { String(format: "%.17g", v) }
            let text = try csvText(["instance", "mechanism", "seed", "profile", "agent", "true_cost", "bid", "payment", "workload", "utility", "truthful"],
                                   points.map { p in
                [instance, mech.name, "\(seed)", "\(profile)", curve, g(costs[i]), g(p.bid), g(p.payment), g(p.workload),
                 g(p.utility), p.bid == costs[i] ? "1" : "0"]
            })
            try AtomicFile.write(text, to: URL(fileURLWithPath: csv))
            let best = points.max { $0.utility < $1.utility }!
            print("wrote \(csv): \(points.count) bids; truthful utility \(fmt(points.first { $0.bid == costs[i] }!.utility)), best bid \(fmt(best.bid)) → utility \(fmt(best.utility))")
            return
        }
        let r = try DSICHarness.check(mech, instance: inst, config: .init(profiles: profiles, grid: grid, revenueProfiles: revenueProfiles, seed: seed))
        switch format {
        case .json:
            try printJSON(r)
        case .table:
            printAligned(["mechanism", "profiles", "evaluations", "max_regret", "mean_regret", "profitable_share", "ir_violations", "identity_error"],
                         [[r.mechanism, "\(r.profiles)", "\(r.evaluations)", fmt(r.maxRegret), fmt(r.meanRegret),
                           fmt(r.profitableShare), "\(r.irViolations)", fmt(r.identityError)]])
            print("")
            printAligned(["agent", "max_regret", "mean_regret", "profitable_share", "ir_violations", "identity_error"],
                         r.perAgent.map { [$0.agent, fmt($0.maxRegret), fmt($0.meanRegret), fmt($0.profitableShare), "\($0.irViolations)",
                                           fmt($0.identityError)] })
            let pc = r.probes
            print("\nprobes: \(pc.total) misreports — \(pc.grid) grid, \(pc.random) random, \(pc.located) at steps of x_i(z) located by the harness, \(pc.reported) at breakpoints the mechanism reports")
            if let w = r.worst {
                print("\nworst profitable misreport: profile \(w.profile), agent \(w.agent), true cost \(fmt(w.trueCost)), bid \(fmt(w.bid)), gain \(fmt(w.gain)) (truthful utility \(fmt(w.truthfulUtility)))")
            } else {
                print("\nno misreport gains more than the tolerance \(fmt(r.tolerance))")
            }
            if let re = r.revenueEquivalence {
                print("revenue equivalence: E[payment] \(fmt(re.expectedPayment)) vs E[Σ φ·x + gap rent + top rent] \(fmt(re.expectedVirtualCost)) (gap rent \(fmt(re.expectedGapRent)), top rent \(fmt(re.expectedTopRent))); difference \(fmt(re.meanDifference)), 95% CI [\(fmt(re.ciLow)), \(fmt(re.ciHigh))] — \(re.holds ? "holds" : "REJECTED") (99.9% t-interval)")
            }
        }
    }
}
