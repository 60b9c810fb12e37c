import Foundation

/// The generative model's parameters (SALE.md, "The simulator"). Defaults are
/// calibrated to the *shape* the paper reports, not copied numbers: 32B's pass@1 by bin
/// falls from ~0.93 to ~0.35 (deep-search mean ≈ 0.64, the paper's 63.8), small agents reach
/// 87–92 % of 32B on bin 1 and ~20 % on bin 5. Every field can be overridden in the spec's
/// `simulator:` block (snake_case keys).
public struct Calibration: Sendable, Hashable, Codable {
    /// Number of tasks (HST-Bench has 753) and the share that are deep-search (rest coding).
    public var tasks = 753
    /// Share of tasks, in [0, 1], that are deep-search (the rest are coding).
    public var deepSearchShare = 0.45
    /// Share of tasks per complexity bin 1…5.
    public var binShares: [Double] = [0.2, 0.2, 0.2, 0.2, 0.2]
    /// The largest agent's success probability per bin, per domain.
    public var largestSuccess: [String: [Double]] = [
        Domain.deepSearch.rawValue: [0.93, 0.80, 0.64, 0.50, 0.33],
        Domain.coding.rawValue: [0.95, 0.86, 0.72, 0.55, 0.38],
    ]
    /// Each smaller agent's success as a fraction of the largest's, per bin (agent order).
    public var relativeSuccess: [[Double]] = [
        [0.90, 0.72, 0.50, 0.33, 0.20],
        [0.92, 0.78, 0.60, 0.42, 0.25],
        [0.95, 0.88, 0.76, 0.63, 0.48],
    ]
    /// Correlation of agents' successes on a task (a shared latent task difficulty).
    public var successCorrelation = 0.75
    /// Refinement gain g: after retrieving similar solved tasks, an agent's success probability
    /// becomes p + g·(1 − p) (same latent draw, so a refined plan never loses a base success).
    public var refineGain = 0.25
    /// Execution tokens of the largest agent per bin (median), per-agent multipliers (agent
    /// order), the extra factor on a failed attempt, and the lognormal spread.
    public var tokensPerBin: [Double] = [4_000, 9_000, 20_000, 45_000, 100_000]
    /// Execution-token multiplier per agent (agent order, > 0; by default 1 for the largest).
    public var tokenMultiplier: [Double] = [1.25, 1.15, 1.05, 1.0]
    /// Extra token factor on a failed attempt (> 0).
    public var failureTokenFactor = 1.4
    /// Lognormal spread (σ of log tokens, ≥ 0) of execution tokens around the median.
    public var tokenSpread = 0.35
    /// Plan signals: latent plan quality q = signal·(±1 for success/failure) + N(0,1).
    public var signalStrength = 2.0
    /// Per-agent plan-quality offset δ_a (agent order, latent-quality units): a plan's quality is
    /// q = signalStrength·(±1) + δ_a + N(0,1), so a positive δ_a makes agent a's plans look better
    /// (higher grades from every juror, shorter, lower entropy) whether or not they succeed —
    /// the "larger agents write more convincing plans" effect the default model lacks. Empty (the
    /// default) means δ = 0 for every agent and leaves every draw, hence every result, unchanged.
    /// Spec key `plan_quality`; when given it must hold one finite number per agent.
    public var planQuality: [Double] = []
    /// Plan length (tokens) median, and how much quality shortens it.
    public var planLength = 180.0
    /// How much plan quality shortens the plan: length ∝ exp(−planLengthQuality · q).
    public var planLengthQuality = 0.15
    /// Mean token entropy: base, quality slope (better plans are more confident), size slope.
    public var entropyBase = 0.9
    /// Entropy decrease per unit of plan quality q (better plans are more confident).
    public var entropyQuality = 0.12
    /// Entropy decrease per step up the agent order (larger agents plan more confidently).
    public var entropySize = 0.05
    /// Jurors (agent order): how strongly each reads quality, and its grading noise (sd).
    public var jurorSkill: [Double] = [0.6, 0.7, 0.85, 1.0]
    /// Grading noise of each juror (standard deviation in grade points, ≥ 0; agent order).
    public var jurorNoise: [Double] = [1.0, 0.9, 0.8, 0.7]
    /// Grade added when a juror grades its own plan (before clipping to 0–5).
    public var selfBias = 0.5
    /// Dimension of the task feature vector, and the noise around its domain/bin centroid.
    public var featureDim = 16
    /// Standard deviation of task features around their domain/bin centroid (≥ 0).
    public var featureNoise = 0.6

    /// The default calibration (the shape of the paper's results, see the type's description).
    public init() {}

    enum CodingKeys: String, CodingKey {
        case tasks, deepSearchShare = "deep_search_share", binShares = "bin_shares", largestSuccess = "largest_success"
        case relativeSuccess = "relative_success", successCorrelation = "success_correlation", refineGain = "refine_gain"
        case tokensPerBin = "tokens_per_bin", tokenMultiplier = "token_multiplier", failureTokenFactor = "failure_token_factor"
        case tokenSpread = "token_spread", signalStrength = "signal_strength", planLength = "plan_length"
        case planLengthQuality = "plan_length_quality", entropyBase = "entropy_base", entropyQuality = "entropy_quality"
        case entropySize = "entropy_size", jurorSkill = "juror_skill", jurorNoise = "juror_noise", selfBias = "self_bias"
        case featureDim = "feature_dim", featureNoise = "feature_noise", planQuality = "plan_quality"
    }

    /// Absent keys keep their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func take<T: Decodable>(_ key: CodingKeys, _ into: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { into = v }
        }
        try take(.tasks, &tasks); try take(.deepSearchShare, &deepSearchShare); try take(.binShares, &binShares)
        try take(.largestSuccess, &largestSuccess); try take(.relativeSuccess, &relativeSuccess)
        try take(.successCorrelation, &successCorrelation); try take(.refineGain, &refineGain)
        try take(.tokensPerBin, &tokensPerBin); try take(.tokenMultiplier, &tokenMultiplier)
        try take(.failureTokenFactor, &failureTokenFactor); try take(.tokenSpread, &tokenSpread)
        try take(.signalStrength, &signalStrength); try take(.planLength, &planLength)
        try take(.planLengthQuality, &planLengthQuality); try take(.entropyBase, &entropyBase)
        try take(.entropyQuality, &entropyQuality); try take(.entropySize, &entropySize)
        try take(.jurorSkill, &jurorSkill); try take(.jurorNoise, &jurorNoise); try take(.selfBias, &selfBias)
        try take(.featureDim, &featureDim); try take(.featureNoise, &featureNoise)
        try take(.planQuality, &planQuality)
    }

    /// Checks shapes and ranges against `agents`; the message names the field.
    public func validate(agents: Int) -> [(field: String, reason: String)] {
        var bad: [(String, String)] = []
        if tasks < 10 { bad.append(("tasks", "must be at least 10 (got \(tasks))")) }
        if !(0...1).contains(deepSearchShare) { bad.append(("deep_search_share", "must be in [0, 1]")) }
        if binShares.count != 5 || binShares.contains(where: { $0 < 0 }) || abs(binShares.reduce(0, +) - 1) > 1e-9 {
            bad.append(("bin_shares", "must be five non-negative shares summing to 1"))
        }
        for d in Domain.allCases {
            guard let p = largestSuccess[d.rawValue], p.count == 5, p.allSatisfy({ (0...1).contains($0) }) else {
                bad.append(("largest_success.\(d.rawValue)", "must be five probabilities in [0, 1]")); continue
            }
        }
        if relativeSuccess.count != agents - 1 || relativeSuccess.contains(where: { $0.count != 5 || $0.contains { !(0...1).contains($0) } }) {
            bad.append(("relative_success", "must hold \(agents - 1) rows (one per smaller agent) of five fractions in [0, 1]"))
        }
        if !(0..<1).contains(successCorrelation) { bad.append(("success_correlation", "must be in [0, 1)")) }
        if !(0...1).contains(refineGain) { bad.append(("refine_gain", "must be in [0, 1]")) }
        if tokensPerBin.count != 5 || tokensPerBin.contains(where: { $0 <= 0 }) { bad.append(("tokens_per_bin", "must be five positive numbers")) }
        if tokenMultiplier.count != agents || tokenMultiplier.contains(where: { $0 <= 0 }) { bad.append(("token_multiplier", "must hold \(agents) positive numbers")) }
        if jurorSkill.count != agents { bad.append(("juror_skill", "must hold \(agents) numbers")) }
        if jurorNoise.count != agents || jurorNoise.contains(where: { $0 < 0 }) { bad.append(("juror_noise", "must hold \(agents) non-negative numbers")) }
        if !planQuality.isEmpty && (planQuality.count != agents || planQuality.contains(where: { !$0.isFinite })) {
            bad.append(("plan_quality", "must be empty or hold \(agents) finite numbers (one offset per agent, agent order; got \(planQuality.count))"))
        }
        if featureDim < 2 { bad.append(("feature_dim", "must be at least 2")) }
        return bad
    }

    /// Success probability of agent `a` (of `agents`, largest last) on a task.
    public func success(agent a: Int, of agents: Int, domain: Domain, bin: Int) -> Double {
        let top = largestSuccess[domain.rawValue]![bin - 1]
        return a == agents - 1 ? top : top * relativeSuccess[a][bin - 1]
    }
}
