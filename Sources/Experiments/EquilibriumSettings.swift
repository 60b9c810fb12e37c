import Equilibrium
import Foundation
import Mechanisms
import LabIO

/// The `equilibrium:` block of an experiment spec: how the `BASE@equilibrium` entries of its
/// `mechanisms` list are solved and certified (issue 14). Every key is optional.
///
///     mechanisms: [star, vcg, pay-as-bid, myopic, pay-as-bid@equilibrium, myopic@equilibrium]
///     equilibrium: {grid: 7, samples: 100, iterations: 20, certificate_samples: 200, end_knot: false}
///
/// One equilibrium is computed per (trial, topology, parameter point, entry) from that trial's
/// priors, seeded from the trial's seed, with one thread (the sweep is parallel over items), so
/// rows do not depend on `--threads` or `--shard`.
public struct EquilibriumSettings: Codable, Sendable, Hashable {
    /// Knots K of each bid function (default 9).
    public var grid: Int?
    /// Profiles N per agent and iteration (default 400). Why 400 (with `iterations` 30,
    /// `temperature` 0.005 and `annealing` 0.1): the logit smoothing biases a best response at an
    /// asymmetric peak (pay-as-bid's: just below a rival's bid) toward the slow side, and only with
    /// enough samples can the temperature fall without the argmax's sampling noise ratcheting the
    /// indifferent lowest types upward. Measured on S1/S4 pay-as-bid (seeds 1–4, 1,000-profile
    /// stratified certificates), mean largest relative ε: N 100 × T 20 at τ 0.01 1.18 %; N 400
    /// 1.00 %; N 400 × T 30 with annealing 0.1 0.69 %, and from τ 0.005 0.62 %; more iterations
    /// without annealing made it worse (T 60 1.44 %, N 400 × T 80 1.35 %).
    public var samples: Int?
    /// Best-response iterations (default 30).
    public var iterations: Int?
    /// Fresh profiles of the ε-certificate (default 200).
    public var certificateSamples: Int?
    /// First knot at the support's lower end (`--end-knot`; default true). Why: on S1–S4 the
    /// largest deviation gains of pay-as-bid sat at the lowest types, below the first cell
    /// midpoint, where the bid function was extrapolated (S1 seed 1, K 9, N 100: t1b's relative
    /// ε 7.3 % → 2.4 %; `Results/table1-equilibrium/README.md`).
    public var endKnot: Bool?
    /// Relative ε at or below which an equilibrium counts as converged (default 0.01).
    public var target: Double?
    /// Logit smoothing of the best response at the first iteration (`EquilibriumConfig.temperature`; default 0.005).
    public var temperature: Double?
    /// Step size α of the damped best response, in (0, 1] (`EquilibriumConfig.damping`; default
    /// 0.5; 0.3 certifies S4 pay-as-bid at 1 % on 3 of 4 seeds, see `bench equilibrium`).
    public var damping: Double?
    /// The last iteration's logit temperature as a share of the first's, in (0, 1]
    /// (``EquilibriumConfig/annealing``; default 0.1; 1: constant). A spec's hash names it only
    /// when it is not 1.
    public var annealing: Double?
    /// Share of the last iterations whose iterates are averaged into the reported strategy, in
    /// (0, 1] (``EquilibriumConfig/averagingShare``; default 0.75). A spec's hash names it only
    /// when it is not 0.5.
    public var averaging: Double?
    /// The step size when `damping` is absent; a spec's hash names `damping` only when it differs.
    public static let defaultDamping = 0.5
    /// Solve one reference equilibrium per (topology, parameter point, entry) on the market's
    /// nominal instance (`PaperMarket.reference`: token counts without noise, price factor 1) and
    /// start every trial's solve from it, carried to the trial's supports (default false).
    /// Why it exists: a trial's priors are the nominal ones times the trial's price factor k, so
    /// without token noise the carried reference *is* the trial's equilibrium
    /// (`EquilibriumScalingTests`); with it the trial only has to polish (`polish_iterations`).
    /// Why it is off: measured on table1-equilibrium (50 trials), 4 polishing iterations left
    /// pay-as-bid's median relative ε at 2.5–3.7 % (S1–S4) against 2.3–2.8 % for a cold
    /// 20-iteration solve; it saved 31 % of the CPU (1,577 s vs 2,296 s; CHANGELOG, issue 28).
    public var reference: Bool?
    /// Profiles N of the reference solve (default 4 × `samples`).
    public var referenceSamples: Int?
    /// Iterations of the reference solve (default 2 × `iterations`).
    public var referenceIterations: Int?
    /// Iterations of a trial's solve from the carried reference (default 4).
    public var polishIterations: Int?
    /// Where a polishing solve's step schedule starts (``EquilibriumConfig/stepOffset``; default 10,
    /// a step of α/3).
    public var polishStepOffset: Int?

    /// Re-place each agent's knots on the part of its support whose types can still win, after a
    /// quarter of the iterations (``EquilibriumConfig/adaptiveKnots``; default true). Why: on S1
    /// pay-as-bid (seed 1, certificate of 1,000 profiles) the largest relative ε fell from 3.2 %
    /// (t3c, whose 9 even knots put 2 below the cost above which it can never win) to 1.1 %.
    /// It applies to agents never paid more than their bid (pay-as-bid), not to Myopic's.
    public var adaptiveKnots: Bool?
    /// Draw the certificate's ε profiles as two stratified designs, one per cross-fitting fold
    /// (``EquilibriumConfig/stratifiedCertificate``; default true). Why: at 200 i.i.d. profiles
    /// the certificate's own noise (± 1–3 % relative per agent) decided "converged" more than
    /// the strategies did.
    public var stratifiedCertificate: Bool?

    /// Polish rounds after the iterations (``EquilibriumConfig/polishRounds``; default 1, 0 turns
    /// it off): Myopic's agents get their exact sample-average best response on 8K types. Why:
    /// on S1 and S4 Myopic (seeds 1–4, 1,000-profile certificates) the mean largest relative ε
    /// fell from 1.38 % to 0.01 %; pay-as-bid is not polished (it made it 16 %).
    public var finalPolish: Int?

    enum CodingKeys: String, CodingKey {
        case grid, samples, iterations, target, temperature, damping, reference, annealing, averaging
        case adaptiveKnots = "adaptive_knots", stratifiedCertificate = "stratified_certificate"
        case certificateSamples = "certificate_samples", endKnot = "end_knot"
        case referenceSamples = "reference_samples", referenceIterations = "reference_iterations"
        case polishIterations = "polish_iterations", polishStepOffset = "polish_step_offset"
        case certificateMaxSamples = "certificate_max_samples", finalPolish = "final_polish"
    }

    /// Most certificate profiles for an agent whose relative-ε interval is wider than ± target
    /// (``EquilibriumConfig/certificateMaxSamples``; default 5 × `certificate_samples`). Why 5×: a
    /// pay-as-bid agent's relative ε is a mean of sparse gains, ± 1.5 % at 400 profiles.
    public var certificateMaxSamples: Int?

    /// Whether trials start from a reference equilibrium.
    public var usesReference: Bool { reference ?? false }
    /// The reference solve's configuration (``config`` with its larger N and T).
    public var referenceConfig: EquilibriumConfig {
        var c = config
        c.samples = referenceSamples ?? 4 * c.samples
        c.iterations = referenceIterations ?? 2 * c.iterations
        return c
    }
    /// Iterations of a trial's polishing solve.
    public var polish: Int { polishIterations ?? 4 }
    /// Step offset of a trial's polishing solve.
    public var polishOffset: Int { polishStepOffset ?? 10 }

    /// Settings with every field optional; nil takes the default of ``config``.
    public init(grid: Int? = nil, samples: Int? = nil, iterations: Int? = nil, certificateSamples: Int? = nil,
                endKnot: Bool? = nil, target: Double? = nil, temperature: Double? = nil, damping: Double? = nil) {
        self.grid = grid; self.samples = samples; self.iterations = iterations
        self.certificateSamples = certificateSamples; self.endKnot = endKnot; self.target = target; self.temperature = temperature
        self.damping = damping
    }

    /// The solver configuration (one thread; the seed is set per trial by `AtEquilibrium.play`).
    public var config: EquilibriumConfig {
        var c = EquilibriumConfig(grid: grid ?? 9, samples: samples ?? 400, iterations: iterations ?? 30, damping: damping ?? Self.defaultDamping, threads: 1,
                          temperature: temperature ?? 0.005, certificateSamples: certificateSamples ?? 200, target: target ?? 0.01, lowerEndKnot: endKnot ?? true)
        c.certificateMaxSamples = certificateMaxSamples ?? 5 * (certificateSamples ?? 200)
        c.adaptiveKnots = adaptiveKnots ?? true
        c.stratifiedCertificate = stratifiedCertificate ?? true
        c.polishRounds = finalPolish ?? 1
        c.annealing = annealing ?? 0.1
        c.averagingShare = averaging ?? 0.75
        return c
    }

    /// Refuses values the solver cannot use; the error names `equilibrium.FIELD` of `file`.
    public func check(file: String) throws {
        func bad(_ f: String, _ why: String) -> FieldError { FieldError(file: file, field: "equilibrium.\(f)", reason: why) }
        if let g = grid, !(2...1000).contains(g) { throw bad("grid", "must be between 2 and 1000 knots (got \(g))") }
        if let s = samples, !(1...1_000_000).contains(s) { throw bad("samples", "must be between 1 and 1000000 (got \(s))") }
        if let t = iterations, !(1...100_000).contains(t) { throw bad("iterations", "must be between 1 and 100000 (got \(t))") }
        if let c = certificateSamples, !(EquilibriumConfig.minimumCertificateSamples...1_000_000).contains(c) {
            throw bad("certificate_samples", "must be between \(EquilibriumConfig.minimumCertificateSamples) and 1000000 (got \(c))")
        }
        if let t = target, !(t > 0 && t.isFinite) { throw bad("target", "must be a positive relative ε (got \(t))") }
        if let t = temperature, !(t >= 0 && t.isFinite) { throw bad("temperature", "must be a finite number ≥ 0 (got \(t))") }
        if let d = damping, !(d > 0 && d <= 1) { throw bad("damping", "must be in (0, 1] (got \(d))") }
        if let a = annealing, !(a > 0 && a <= 1) { throw bad("annealing", "must be in (0, 1] (got \(a))") }
        if let a = averaging, !(a > 0 && a <= 1) { throw bad("averaging", "must be in (0, 1] (got \(a))") }
        if let f = finalPolish, !(0...100).contains(f) { throw bad("final_polish", "must be between 0 and 100 rounds (got \(f))") }
        if let m = certificateMaxSamples, !(1...1_000_000).contains(m) { throw bad("certificate_max_samples", "must be between 1 and 1000000 (got \(m))") }
        if let s = referenceSamples, !(1...1_000_000).contains(s) { throw bad("reference_samples", "must be between 1 and 1000000 (got \(s))") }
        if let t = referenceIterations, !(1...100_000).contains(t) { throw bad("reference_iterations", "must be between 1 and 100000 (got \(t))") }
        if let t = polishIterations, !(1...100_000).contains(t) { throw bad("polish_iterations", "must be between 1 and 100000 (got \(t))") }
        if let t = polishStepOffset, !(0...100_000).contains(t) { throw bad("polish_step_offset", "must be between 0 and 100000 (got \(t))") }
    }
}

extension ExperimentSpec {
    /// Whether any `mechanisms` entry is played at equilibrium (`BASE@equilibrium`).
    public var hasEquilibrium: Bool { mechanisms.contains { AtEquilibrium.baseName($0) != nil } }
    /// The relative ε target of its equilibrium entries.
    public var equilibriumTarget: Double { equilibrium?.target ?? 0.01 }
}
