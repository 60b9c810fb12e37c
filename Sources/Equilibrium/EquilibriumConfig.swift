import Foundation
import Mechanisms
import LabIO

/// Settings of `EquilibriumSolver.solve`. Defaults suit a single-node test; the CLI exposes them.
public struct EquilibriumConfig: Sendable {
    /// K: knots of each agent's bid function over its support (≥ 2).
    public var grid: Int
    /// N: cost profiles drawn afresh each iteration for each agent (stratified, stream derived
    /// from the seed, the iteration and the agent) that its best responses average over — common
    /// random numbers within an agent's iteration: the same N profiles for all its knots and bids.
    public var samples: Int
    /// Maximum best-response iterations (≥ 1).
    public var iterations: Int
    /// α in new = old + α_t·(BR − old), α_t = α/(1 + (t−1)/5), α in (0, 1]: damping and a
    /// decreasing step tame the oscillation of plain best response in first-price-like games.
    public var damping: Double
    /// Master seed of the solver's and the certificate's profile streams.
    public var seed: UInt64
    /// Worker threads; the result does not depend on it.
    public var threads: Int
    /// Stop iterating once the solver's own in-sample relative ε is at most this.
    public var stopTolerance: Double
    /// Logit smoothing of the best response, relative to the spread of the agent's sample-average
    /// utility over its candidate bids (0: the exact argmax). Why: the argmax of a sample average
    /// jumps by O(N^(-1/3)) between near-equal bids, and in first-price-like games the lowest type
    /// is indifferent at equilibrium (its best response is "just below the others' lowest bid"),
    /// so plain best response ratchets its bid upward and never comes back; the logit mean averages
    /// over near-optimal bids and pulls that type back below the others' lowest bid.
    public var temperature: Double
    /// Ratio of the last iteration's logit temperature to the first's (τ_t falls geometrically
    /// between them; 1: constant), in (0, 1].
    public var annealing: Double
    /// Agents with the same prior, tier and ρ share one strategy (`symmetryClasses`).
    public var symmetric: Bool
    /// Start a manipulable mechanism from the first-price shading c + (hi − c)/n
    /// (`firstPriceStart`) instead of truthful bids.
    public var warmStart: Bool
    /// Certificate: fresh profiles (default max(N, 200)), own types (default 2K+1), directly
    /// evaluated bids (default 4K+1), and the relative ε below which the result counts as converged.
    public var certificateSamples: Int?
    /// Most fresh profiles the certificate may give one agent whose relative-ε interval is wider
    /// than ± `target` (a second pass on that agent alone, see `EquilibriumSolver.certify`);
    /// nil: no second pass.
    public var certificateMaxSamples: Int?
    /// Own-type grid points of the certificate (≥ 2; nil = 2K+1).
    public var certificateTypes: Int?
    /// Directly evaluated bids of the certificate (≥ 2; nil = 4K+1).
    public var certificateBids: Int?
    /// Relative ε at or below which the certificate counts as converged (default 0.01).
    public var target: Double
    /// A knot whose target bid's outcome differs from the top bid's in less than this share of
    /// the sampled profiles behind its utility curve is "uninformed" and follows the informed
    /// knots below it (`extrapolateUninformed`); 0 turns this off.
    public var minEventShare: Double
    /// Put the first knot at the support's lower end (see `knotGrid`); off by default.
    public var lowerEndKnot: Bool
    /// After the first quarter of the iterations, re-place each agent's knots on the part of its
    /// support whose types can still win (`EquilibriumSolver.informedGrid`); off by default.
    public var adaptiveKnots: Bool = false
    /// The certificate's ε profiles are two independent stratified designs, one per
    /// cross-fitting fold (`EquilibriumSolver.certificateProfiles`), instead of i.i.d. draws;
    /// off by default. Payments are compared on the i.i.d. profiles either way.
    public var stratifiedCertificate: Bool = false
    /// Rounds of `EquilibriumSolver.polish` after the damped iterations (0: none): agents whose
    /// payment does not move with their own bid (Myopic's) get their exact sample-average best
    /// response on a fine type grid. Why 1: Myopic on S1 and S4 (seeds 1–4, table1-equilibrium
    /// settings, 1,000-profile certificates) went from a mean largest relative ε of 1.38 % to
    /// 0.01 %; a second round gave 0.35 % (see `polish`).
    public var polishRounds: Int = 1
    /// Profiles per agent (times its symmetry class's size) of a polish round; nil: 4 × `samples`.
    /// Why 4N: 2N left the mean above at 0.33 % against 0.30 % (36 cells), for 8 % fewer solver runs.
    public var polishSamples: Int?
    /// Cells of a polish round's type grid (their midpoints and the support's two ends); nil: 8K.
    /// Why 8K: 2K, 4K and 8K cells gave 1.58, 0.30 and 0.01 % (K 9, see `polish`); 16K no better.
    public var polishCells: Int?
    /// Profiles per agent of a polish round as used: `polishSamples`, else 4 × `samples`.
    public var polishSampleCount: Int { polishSamples ?? 4 * samples }
    /// Cells of a polish round's type grid as used: `polishCells`, else 8 × `grid`.
    public var polishCellCount: Int { polishCells ?? 8 * grid }
    /// Gauss–Seidel updates: within an iteration the representatives update one after another
    /// (agent order), each best-responding on profiles in which the agents updated before it
    /// already bid their new strategies; false: Jacobi (every agent responds to the previous
    /// iteration's strategies). Why: under pay-as-bid, simultaneous responses chase each other at
    /// the bottom of the bid range (the strongest agent's low types should sit just below the
    /// weaker rival's lowest bid while that bid is still moving) and were still drifting after 20
    /// iterations. Measured on S1/S4 pay-as-bid, table1-equilibrium settings, 1,000-profile
    /// stratified certificates: mean (max) largest relative ε 1.84 % (2.49 %) → 1.18 % (1.55 %) on
    /// seeds 1–4 and 1.56 % (2.35 %) → 1.20 % (1.63 %) on seeds 5–8, same solver runs; Myopic
    /// unchanged at 0.01 % (0.03 %). Damping 0.7 with it: 1.95 % (2.76 %).
    public var gaussSeidel: Bool = true
    /// Share of the iterations, the last ones, whose iterates the reported strategy averages
    /// (Polyak–Ruppert), in (0, 1]; the sampled utility curves are still averaged over the second
    /// half only. Why 0.75 in a sweep (0.5 here, the closed-form tests' calibration): pay-as-bid's
    /// best responses on S1–S4 jump between two bids (the lowest types pool at the rivals' lowest
    /// bid, the next ones bid above a gap), so single iterates flip between them and the average
    /// over more of them is steadier. Measured on S1, S3 and S4 pay-as-bid (the sweep's settings,
    /// 1,000-profile stratified certificates), mean largest relative ε: seeds 1–4 0.81 % → 0.70 %,
    /// seeds 5–8 0.99 % → 0.86 %; the last quarter only 1.27 %, the last iterate 1.79 %; averaging
    /// the utility curves from the same iteration on 1.46 %. Adaptive knots restart the average.
    public var averagingShare: Double = Self.defaultAveragingShare
    /// The library's `averagingShare` (a sweep's spec hash names `averaging` only when it differs).
    public static let defaultAveragingShare = 0.5
    /// The library's `annealing`: none (a sweep's spec hash names `annealing` only when it differs).
    public static let defaultAnnealing = 1.0
    /// Solver and payment method the mechanism runs with.
    public var options: MechanismOptions
    /// Strategies to start from instead of truthful bids (one per agent, on this instance's
    /// supports; each is read at the solver's knots), e.g. a reference equilibrium carried over
    /// by ``BidFunction/mapped(floor:ceiling:)``; nil: the cold start.
    public var start: [BidFunction]?
    /// Where the decreasing step schedule α/(1 + (t−1)/5) starts: step t uses t + `stepOffset`.
    /// Why: a warm start is already near the fixed point, so its first steps should be as small
    /// as a cold start's late ones (0 for a cold start).
    public var stepOffset: Int = 0

    /// Settings with the defaults shown; not validated here (see ``validate()``).
    public init(grid: Int = 9, samples: Int = 200, iterations: Int = 30, damping: Double = 0.5, seed: UInt64 = 1,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, stopTolerance: Double = 1e-3, temperature: Double = 0.01,
                certificateSamples: Int? = nil, certificateTypes: Int? = nil, certificateBids: Int? = nil,
                target: Double = 0.01, minEventShare: Double = 0.01, lowerEndKnot: Bool = false, annealing: Double = Self.defaultAnnealing,
                symmetric: Bool = true, warmStart: Bool = false, options: MechanismOptions = .init()) {
        self.annealing = annealing; self.symmetric = symmetric; self.warmStart = warmStart
        self.grid = grid; self.samples = samples; self.iterations = iterations; self.damping = damping; self.seed = seed
        self.threads = threads; self.stopTolerance = stopTolerance; self.temperature = temperature; self.certificateSamples = certificateSamples
        self.certificateTypes = certificateTypes; self.certificateBids = certificateBids; self.target = target; self.minEventShare = minEventShare; self.lowerEndKnot = lowerEndKnot; self.options = options
    }

    /// Fewest fresh profiles a certificate may use (5 per cross-fitting fold).
    public static let minimumCertificateSamples = 10

    /// Refuses settings that cannot give a meaningful equilibrium; the error names the field.
    public func validate() throws {
        if grid < 2 { throw FieldError(field: "grid", reason: "must be ≥ 2 (a bid function needs two knots; got \(grid))") }
        if samples < 1 { throw FieldError(field: "samples", reason: "must be ≥ 1 (got \(samples))") }
        if iterations < 1 { throw FieldError(field: "iterations", reason: "must be ≥ 1 (got \(iterations))") }
        if !(damping > 0 && damping <= 1) { throw FieldError(field: "damping", reason: "must be in (0, 1] (got \(damping))") }
        if !(temperature >= 0 && temperature.isFinite) {
            throw FieldError(field: "temperature", reason: "must be a finite number ≥ 0 (got \(temperature))")
        }
        if !(annealing > 0 && annealing <= 1) { throw FieldError(field: "annealing", reason: "must be in (0, 1] (got \(annealing))") }
        if !(minEventShare >= 0 && minEventShare <= 1) {
            throw FieldError(field: "minEventShare", reason: "must be in [0, 1] (got \(minEventShare))")
        }
        if threads < 1 { throw FieldError(field: "threads", reason: "must be ≥ 1 (got \(threads))") }
        if let s = certificateSamples, s < Self.minimumCertificateSamples {
            throw FieldError(field: "certificateSamples",
                             reason: "must be ≥ \(Self.minimumCertificateSamples) (got \(s)): the certificate splits its profiles into two folds, and a few profiles give an ε whose noise swamps the 1 % target")
        }
        if !(averagingShare > 0 && averagingShare <= 1) {
            throw FieldError(field: "averagingShare", reason: "must be in (0, 1] (got \(averagingShare))")
        }
        if polishRounds < 0 { throw FieldError(field: "polishRounds", reason: "must be ≥ 0 (got \(polishRounds))") }
        if let s = polishSamples, s < 1 { throw FieldError(field: "polishSamples", reason: "must be ≥ 1 (got \(s))") }
        if let c = polishCells, c < 1 { throw FieldError(field: "polishCells", reason: "must be ≥ 1 (got \(c))") }
        if let t = certificateTypes, t < 2 { throw FieldError(field: "certificateTypes", reason: "must be ≥ 2 (got \(t))") }
        if let b = certificateBids, b < 2 { throw FieldError(field: "certificateBids", reason: "must be ≥ 2 (got \(b))") }
    }
}
