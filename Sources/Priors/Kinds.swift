import Foundation
import LabNumerics

// MARK: - Uniform

/// U[low, high]. Cost side: φ(c) = 2c − low, regular (no ironing).
public struct UniformPrior: Prior, Hashable {
    /// The closed interval [low, high] (finite, low < high).
    public let support: ClosedRange<Double>
    /// U[low, high]; `path` prefixes the field named in errors (e.g. `agents[2].prior`).
    /// - Throws: `PriorError.invalid` unless low and high are finite with low < high.
    public init(low: Double, high: Double, path: String = "prior") throws {
        try checkBounds(low, high, path: path)
        support = low...high
    }
    /// GSL's flat density is zero at `high` (half-open support); the support here is
    /// closed so that φ(high) is finite — the density is evaluated at `low`.
    public func pdf(_ x: Double) -> Double { support.contains(x) ? GSLDist.flatPDF(low, low, high) : 0 }
    /// F(x) = (x − low)/(high − low) on the support, 0 below, 1 above.
    public func cdf(_ x: Double) -> Double { x <= low ? 0 : (x >= high ? 1 : GSLDist.flatP(x, low, high)) }
    /// 1 − F(x), from GSL's upper-tail function (no cancellation).
    public func survival(_ x: Double) -> Double { x <= low ? 1 : (x >= high ? 0 : GSLDist.flatQ(x, low, high)) }
    /// low + p·(high − low) for p in [0, 1]; clamped to the support outside it.
    public func quantile(_ p: Double) -> Double { p <= 0 ? low : (p >= 1 ? high : GSLDist.flatPinv(p, low, high)) }
}

// MARK: - Truncation of an unbounded base family

/// A base distribution on the real line (or half-line), given by GSL functions.
///
/// The log-space members exist for the tails: the truncated law on [low, high] only
/// needs *differences and ratios* of F, 1 − F and f, and in a far tail all three
/// underflow (Φ(−39) = 0 in doubles) or cancel (1 − e^{−40} = 1) long before those
/// differences and ratios stop being ordinary numbers.
public protocol BaseDistribution: Sendable {
    /// The base density f(x) (0 outside the base support).
    func basePDF(_ x: Double) -> Double
    /// The base CDF F(x).
    func baseCDF(_ x: Double) -> Double
    /// The base quantile F⁻¹(p) for p in (0, 1).
    func baseQuantile(_ p: Double) -> Double
    /// Upper tail 1 − F(x) from GSL's `_Q` functions (no cancellation near 1).
    func baseSurvival(_ x: Double) -> Double
    /// x with 1 − F(x) = q, from GSL's `_Qinv` (accurate for q near 0).
    func baseUpperQuantile(_ q: Double) -> Double
    /// log f(x), −∞ outside the base support; finite where f itself underflows.
    func logPDF(_ x: Double) -> Double
    /// log F(x), accurate to a few ulps of |log F| for every x (no underflow).
    func logCDF(_ x: Double) -> Double
    /// log(1 − F(x)), likewise.
    func logSurvival(_ x: Double) -> Double
    /// log(F(b) − F(a)) for a ≤ b in closed form, or nil to let `Truncated` build it
    /// from `logCDF`/`logSurvival`. The generic route loses relative precision when
    /// b − a is small against a far-tail position (it subtracts two rounded values of
    /// size |log F|); a closed form in b − a avoids that.
    func logMassBetween(_ a: Double, _ b: Double) -> Double?
}

extension BaseDistribution {
    /// Default: F⁻¹(1 − q), which loses accuracy for q near 0.
    public func baseUpperQuantile(_ q: Double) -> Double { baseQuantile(1 - q) }
    /// Plain logs of GSL values: correct until the value underflows. The three
    /// families here override them.
    public func logPDF(_ x: Double) -> Double { log(basePDF(x)) }
    /// Default: log of ``baseCDF(_:)`` (−∞ once it underflows).
    public func logCDF(_ x: Double) -> Double { log(baseCDF(x)) }
    /// Default: log of ``baseSurvival(_:)`` (−∞ once it underflows).
    public func logSurvival(_ x: Double) -> Double { log(baseSurvival(x)) }
    /// Default: nil (no closed form; ``Truncated`` builds the mass from the log CDFs).
    public func logMassBetween(_ a: Double, _ b: Double) -> Double? { nil }
}

/// log(e^a − e^b) for a ≥ b (b may be −∞), without forming e^a: e^a·(1 − e^{b−a}).
@inline(__always) func logDiffExp(_ a: Double, _ b: Double) -> Double {
    if b == -.infinity { return a }
    return a + log(-GSLDist.expm1(b - a))
}

/// A base distribution conditioned on `[low, high]`:
/// F_T(x) = (F(x) − F(low)) / (F(high) − F(low)).
///
/// Why not that formula as written: in a far tail F(x) and F(low) are equal in
/// doubles (exponential rate 10 on [4, 4.3]: F = 1 − 4e-18 = 1, so F_T = 0/0 → 0)
/// or both underflow (normal on [−40, −39]). Every quantity is instead built from
/// the two gaps D(x) = F(x) − F(low) and E(x) = (1 − F(x)) − (1 − F(high)), each
/// computed in log space from whichever of (F, 1 − F) is the small one at the points
/// involved (`logGapBelow`, `logGapAbove`):
///
///     cdf = D/M, survival = E/M, pdf = f/M, F_T/f_T = D/f, (1−F_T)/f_T = E/f,
///
/// with M = D(high) the mass (the larger of cdf and survival is 1 minus the smaller,
/// `tails`). The exponential gives the gaps in closed form (`logMassBetween`).
/// Construction probes the result (`checkNumerics`) and names `field` if GSL fails. The rents D/f and E/f do not involve M at all, so φ
/// stays accurate to a few ulps times |log F| wherever it is finite (a cancellation
/// right at the edge, x − low ≪ the tail's scale, is inherent and costs relative
/// precision of the rent only, not of φ = x + rent).
public struct Truncated<Base: BaseDistribution>: Prior {
    /// The untruncated distribution.
    public let base: Base
    /// The truncation interval [low, high] (finite, low < high, with positive base mass).
    public let support: ClosedRange<Double>
    /// log F and log(1 − F) of the base at `low` and `high`, and log M.
    let logFLow: Double, logSLow: Double, logFHigh: Double, logSHigh: Double, logMass: Double

    /// `field` names the parameter blamed when GSL cannot evaluate the result
    /// (`checkNumerics`); `what` describes the law in that message.
    public init(_ base: Base, low: Double, high: Double, path: String, field: String? = nil, what: String = "truncated distribution") throws {
        try checkBounds(low, high, path: path)
        self.base = base
        support = low...high
        logFLow = base.logCDF(low); logSLow = base.logSurvival(low)
        logFHigh = base.logCDF(high); logSHigh = base.logSurvival(high)
        // Same branch logic as `logGapBelow(high)`, spelled out because `self` is not ready.
        let lm: Double
        if let closed = base.logMassBetween(low, high) { lm = closed }
        else if logFHigh <= logSHigh { lm = logDiffExp(logFHigh, logFLow) }
        else if logSLow <= logFLow { lm = logDiffExp(logSLow, logSHigh) }
        else { lm = log((1 - exp(logFLow)) - exp(logSHigh)) }
        logMass = lm
        guard lm.isFinite, !logFLow.isNaN, !logSLow.isNaN, !logFHigh.isNaN, !logSHigh.isNaN else {
            throw PriorError.invalid(field: "\(path).low", reason: "and `high` enclose no probability mass of the \(what) (it is numerically zero on [\(low), \(high)])")
        }
        try checkNumerics(self, field: field ?? "\(path).low", what: what)
    }

    /// log D(x) = log(F(x) − F(low)) for low ≤ x ≤ high.
    /// Below the median F is small: log(e^{log F(x)} − e^{log F(low)}). If all of
    /// [low, x] is above the median, the same gap is (1−F(low)) − (1−F(x)). Otherwise
    /// low ≤ median < x and D = (1 − F(low)) − (1 − F(x)) with both terms ≥ ½: no
    /// cancellation beyond that of a support narrow around the median.
    func logGapBelow(_ x: Double) -> Double {
        if let closed = base.logMassBetween(low, x) { return closed }
        let lF = base.logCDF(x), lS = base.logSurvival(x)
        if lF <= lS { return logDiffExp(lF, logFLow) }
        if logSLow <= logFLow { return logDiffExp(logSLow, lS) }
        return log((1 - exp(logFLow)) - exp(lS))
    }
    /// log E(x) = log((1 − F(x)) − (1 − F(high))), the mirror of `logGapBelow`.
    func logGapAbove(_ x: Double) -> Double {
        if let closed = base.logMassBetween(x, high) { return closed }
        let lF = base.logCDF(x), lS = base.logSurvival(x)
        if lS <= lF { return logDiffExp(lS, logSHigh) }
        if logFHigh <= logSHigh { return logDiffExp(logFHigh, lF) }
        return log((1 - exp(logSHigh)) - exp(lF))
    }

    /// f(x)/M inside the support, 0 outside (computed in log space).
    public func pdf(_ x: Double) -> Double { support.contains(x) ? exp(base.logPDF(x) - logMass) : 0 }
    /// The smaller of F_T and 1 − F_T comes from its own gap, the larger one as 1 minus
    /// it, with the same choice in `cdf` and `survival`: each is accurate, and
    /// cdf + survival = 1 to an ulp (two independent log-space values would each carry
    /// a rounding of size |log F|·ε, 1e-14 in a tail like Q(8)).
    func tails(_ x: Double) -> (cdf: Double, survival: Double) {
        let lc = logGapBelow(x) - logMass
        if lc <= -log(2.0) {
            let c = exp(lc)
            return (c, 1 - c)
        }
        let s = min(1, exp(logGapAbove(x) - logMass))
        return (1 - s, s)
    }
    /// F_T(x), accurate in far tails; 0 at or below `low`, 1 at or above `high`, NaN for NaN.
    public func cdf(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x <= low { return 0 }
        if x >= high { return 1 }
        return tails(x).cdf
    }
    /// 1 − F_T(x), the mirror of ``cdf(_:)`` (cdf + survival = 1 to an ulp).
    public func survival(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x <= low { return 1 }
        if x >= high { return 0 }
        return tails(x).survival
    }
    /// (F(x) − F(low))/f(x): the mass cancels, so nothing here can underflow.
    public func costRatio(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        guard support.contains(x) else { return .infinity }
        let lf = base.logPDF(x)
        if lf == -.infinity { return .infinity }
        return x <= low ? 0 : exp(logGapBelow(x) - lf)
    }
    /// ((1 − F(x)) − (1 − F(high)))/f(x).
    public func valueRatio(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        guard support.contains(x) else { return .infinity }
        let lf = base.logPDF(x)
        if lf == -.infinity { return .infinity }
        return x >= high ? 0 : exp(logGapAbove(x) - lf)
    }

    /// Fast path: GSL's base quantile at the matching base probability, taken from
    /// the small side (F below the median, 1 − F above it) and accepted only if it
    /// lands in the support and reproduces p; otherwise (target underflows, GSL
    /// returns NaN, or the round trip is off) exact bisection on the truncated CDF.
    public func quantile(_ p: Double) -> Double {
        if p.isNaN { return .nan }
        if p <= 0 { return low }
        if p >= 1 { return high }
        let lp = log(p) + logMass, lq = log1p(-p) + logMass
        // log F(x) = log(F(low) + p·M), log(1 − F(x)) = log((1 − F(high)) + (1 − p)·M).
        let lF = logAddExp(logFLow, lp), lS = logAddExp(logSHigh, lq)
        var x = Double.nan
        if lF <= lS, lF > -690 { x = base.baseQuantile(exp(lF)) }
        else if lS < lF, lS > -690 { x = base.baseUpperQuantile(exp(lS)) }
        if x.isFinite {
            x = min(high, max(low, x))
            let err = abs(cdf(x) - p)
            if err <= 1e-12 * min(p, 1 - p) + 4 * p.ulp { return x }
        }
        return invertCDF(self, p)
    }
}

/// log(e^a + e^b) without overflow or underflow.
@inline(__always) func logAddExp(_ a: Double, _ b: Double) -> Double {
    let m = max(a, b), n = min(a, b)
    if n == -.infinity { return m }
    return m + GSLDist.log1p(exp(n - m))
}

/// Normal: z = (x − mean)/sd; log F(x) = log Q(−z), log(1 − F(x)) = log Q(z)
/// (`GSLDist.ugaussianLogQ`), log f = −z²/2 − log(sd·√(2π)).
public struct NormalBase: BaseDistribution, Hashable {
    /// Mean and standard deviation (> 0) of the untruncated normal.
    public let mean: Double, sd: Double
    /// The normal density at x.
    public func basePDF(_ x: Double) -> Double { GSLDist.gaussianPDF(x - mean, sd) }
    /// Φ((x − mean)/sd).
    public func baseCDF(_ x: Double) -> Double { GSLDist.gaussianP(x - mean, sd) }
    /// mean + sd·Φ⁻¹(p).
    public func baseQuantile(_ p: Double) -> Double { mean + GSLDist.gaussianPinv(p, sd) }
    /// Upper tail Q((x − mean)/sd).
    public func baseSurvival(_ x: Double) -> Double { GSLDist.gaussianQ(x - mean, sd) }
    /// mean + sd·Q⁻¹(q), accurate for q near 0.
    public func baseUpperQuantile(_ q: Double) -> Double { mean + GSLDist.gaussianQinv(q, sd) }
    /// −z²/2 − log(sd·√(2π)), z = (x − mean)/sd; finite for every finite x.
    public func logPDF(_ x: Double) -> Double {
        let z = (x - mean) / sd
        return -0.5 * z * z - log(sd) - 0.5 * log(2 * Double.pi)
    }
    /// log Φ(z) as log Q(−z), accurate in the lower tail.
    public func logCDF(_ x: Double) -> Double { GSLDist.ugaussianLogQ(-(x - mean) / sd) }
    /// log Q(z), accurate in the upper tail.
    public func logSurvival(_ x: Double) -> Double { GSLDist.ugaussianLogQ((x - mean) / sd) }
}

/// Lognormal: the normal's tails in z = (log x − μ)/σ; f(x) = φ(z)/(xσ).
public struct LognormalBase: BaseDistribution, Hashable {
    /// μ and σ (> 0) of log x.
    public let mu: Double, sigma: Double
    /// The lognormal density at x (0 for x ≤ 0).
    public func basePDF(_ x: Double) -> Double { x > 0 ? GSLDist.lognormalPDF(x, mu, sigma) : 0 }
    /// Φ((log x − μ)/σ) (0 for x ≤ 0).
    public func baseCDF(_ x: Double) -> Double { x > 0 ? GSLDist.lognormalP(x, mu, sigma) : 0 }
    /// exp(μ + σ·Φ⁻¹(p)).
    public func baseQuantile(_ p: Double) -> Double { GSLDist.lognormalPinv(p, mu, sigma) }
    /// Upper tail Q((log x − μ)/σ) (1 for x ≤ 0).
    public func baseSurvival(_ x: Double) -> Double { x > 0 ? GSLDist.lognormalQ(x, mu, sigma) : 1 }
    /// exp(μ + σ·Q⁻¹(q)), accurate for q near 0.
    public func baseUpperQuantile(_ q: Double) -> Double { GSLDist.lognormalQinv(q, mu, sigma) }
    /// log of the density (−∞ for x ≤ 0), computed without forming it.
    public func logPDF(_ x: Double) -> Double {
        guard x > 0 else { return -.infinity }
        let lx = log(x), z = (lx - mu) / sigma
        return -0.5 * z * z - lx - log(sigma) - 0.5 * log(2 * Double.pi)
    }
    /// log Φ(z) for z = (log x − μ)/σ (−∞ for x ≤ 0).
    public func logCDF(_ x: Double) -> Double { x > 0 ? GSLDist.ugaussianLogQ(-(log(x) - mu) / sigma) : -.infinity }
    /// log Q(z) for z = (log x − μ)/σ (0 for x ≤ 0).
    public func logSurvival(_ x: Double) -> Double { x > 0 ? GSLDist.ugaussianLogQ((log(x) - mu) / sigma) : 0 }
}

/// Exponential: log(1 − F) = −λx and log f = log λ − λx exactly; log F from
/// expm1/log1p on whichever side avoids cancellation. With these, the truncated
/// gaps reduce to the closed forms D/f = expm1(λ(x − low))/λ, E/f = −expm1(−λ(high − x))/λ.
public struct ExponentialBase: BaseDistribution, Hashable {
    /// Rate λ (> 0); the mean is 1/λ.
    public let rate: Double
    /// λe^{−λx} for x ≥ 0, else 0.
    public func basePDF(_ x: Double) -> Double { x >= 0 ? GSLDist.exponentialPDF(x, mean: 1 / rate) : 0 }
    /// 1 − e^{−λx} for x > 0, else 0.
    public func baseCDF(_ x: Double) -> Double { x > 0 ? GSLDist.exponentialP(x, mean: 1 / rate) : 0 }
    /// −log(1 − p)/λ.
    public func baseQuantile(_ p: Double) -> Double { GSLDist.exponentialPinv(p, mean: 1 / rate) }
    /// e^{−λx} for x > 0, else 1.
    public func baseSurvival(_ x: Double) -> Double { x > 0 ? GSLDist.exponentialQ(x, mean: 1 / rate) : 1 }
    /// −log(q)/λ, accurate for q near 0.
    public func baseUpperQuantile(_ q: Double) -> Double { GSLDist.exponentialQinv(q, mean: 1 / rate) }
    /// log λ − λx for x ≥ 0, −∞ below.
    public func logPDF(_ x: Double) -> Double { x >= 0 ? log(rate) - rate * x : -.infinity }
    /// −λx for x > 0, else 0 (exact).
    public func logSurvival(_ x: Double) -> Double { x > 0 ? -rate * x : 0 }
    /// log(1 − e^{−λx}), by expm1 or log1p on the side that avoids cancellation (−∞ for x ≤ 0).
    public func logCDF(_ x: Double) -> Double {
        guard x > 0 else { return -.infinity }
        let t = rate * x
        return t < log(2.0) ? log(-GSLDist.expm1(-t)) : GSLDist.log1p(-exp(-t))
    }
    /// F(b) − F(a) = e^{−λa}·(1 − e^{−λ(b−a)}): the width b − a enters exactly.
    public func logMassBetween(_ a: Double, _ b: Double) -> Double? {
        let a0 = max(0, a)
        guard b > a0 else { return -.infinity }
        return -rate * a0 + log(-GSLDist.expm1(-rate * (b - a0)))
    }
}

/// A normal truncated to [low, high].
public typealias TruncatedNormalPrior = Truncated<NormalBase>
/// A lognormal truncated to [low, high] (low ≥ 0).
public typealias TruncatedLognormalPrior = Truncated<LognormalBase>
/// An exponential truncated to [low, high] (low ≥ 0).
public typealias TruncatedExponentialPrior = Truncated<ExponentialBase>

extension Truncated where Base == NormalBase {
    /// N(mean, sd²) truncated to [low, high].
    /// - Throws: `PriorError.invalid` naming the field of `path`: non-finite mean, sd not positive,
    ///   bad bounds, no numerical mass on [low, high], or parameters GSL cannot evaluate.
    public init(mean: Double, sd: Double, low: Double, high: Double, path: String = "prior") throws {
        guard mean.isFinite else { throw PriorError.invalid(field: "\(path).mean", reason: "must be a finite number") }
        try checkPositive(sd, "\(path).sd")
        try self.init(NormalBase(mean: mean, sd: sd), low: low, high: high, path: path,
                      field: "\(path).sd", what: "normal mean \(mean) sd \(sd) on [\(low), \(high)]")
    }
}
extension Truncated where Base == LognormalBase {
    /// Lognormal(μ, σ) truncated to [low, high].
    /// - Throws: `PriorError.invalid` naming the field of `path`: non-finite μ, σ not positive,
    ///   low < 0, bad bounds, no numerical mass, or parameters GSL cannot evaluate.
    public init(mu: Double, sigma: Double, low: Double, high: Double, path: String = "prior") throws {
        guard mu.isFinite else { throw PriorError.invalid(field: "\(path).mu", reason: "must be a finite number") }
        try checkPositive(sigma, "\(path).sigma")
        guard low >= 0 else { throw PriorError.invalid(field: "\(path).low", reason: "must be ≥ 0 for a lognormal (got \(low))") }
        try self.init(LognormalBase(mu: mu, sigma: sigma), low: low, high: high, path: path,
                      field: "\(path).sigma", what: "lognormal mu \(mu) sigma \(sigma) on [\(low), \(high)]")
    }
}
extension Truncated where Base == ExponentialBase {
    /// Exponential(rate) truncated to [low, high].
    /// - Throws: `PriorError.invalid` naming the field of `path`: rate not positive, low < 0, bad
    ///   bounds, no numerical mass, or parameters GSL cannot evaluate.
    public init(rate: Double, low: Double, high: Double, path: String = "prior") throws {
        try checkPositive(rate, "\(path).rate")
        guard low >= 0 else { throw PriorError.invalid(field: "\(path).low", reason: "must be ≥ 0 for an exponential (got \(low))") }
        try self.init(ExponentialBase(rate: rate), low: low, high: high, path: path,
                      field: "\(path).rate", what: "exponential rate \(rate) on [\(low), \(high)]")
    }
}

// MARK: - Scaled beta

/// Beta(α, β) scaled from [0,1] to [low, high].
///
/// Traps handled here: GSL's `gsl_cdf_beta_Pinv` fails to converge for small α or β
/// (α = 0.01, β = 3 at p = 0.5), which used to abort the process (signal 6 from
/// betainv.c), and hangs for huge ones; `quantile` bisects the CDF instead. Near an edge where the density vanishes fast
/// (α = 50: u⁴⁹ underflows for u < 5e-7) F and f underflow together and F/f is 0/0;
/// `costRatio`/`valueRatio` switch to the hypergeometric series there. Parameters
/// for which GSL still cannot evaluate the law (α = β = 10⁶: NaN CDF) are refused
/// at construction (`checkNumerics`, naming `alpha` or `beta`).
public struct ScaledBetaPrior: Prior, Hashable {
    /// Shape parameters α, β (> 0).
    public let alpha: Double, beta: Double
    /// [low, high], the image of [0, 1].
    public let support: ClosedRange<Double>
    /// Beta(α, β) scaled to [low, high].
    /// - Throws: `PriorError.invalid` naming the field of `path`: a shape not positive, bad bounds,
    ///   or shapes GSL cannot evaluate (blamed on the shape further from 1).
    public init(alpha: Double, beta: Double, low: Double, high: Double, path: String = "prior") throws {
        try checkPositive(alpha, "\(path).alpha")
        try checkPositive(beta, "\(path).beta")
        try checkBounds(low, high, path: path)
        self.alpha = alpha; self.beta = beta
        support = low...high
        // Blame the shape further from 1 in ratio (the one that drives GSL out of range).
        let blamed = abs(log(beta)) > abs(log(alpha)) ? "beta" : "alpha"
        try checkNumerics(self, field: "\(path).\(blamed)", what: "beta alpha \(alpha) beta \(beta) on [\(low), \(high)]")
    }
    var width: Double { high - low }
    /// Beta density at u = (x − low)/width, divided by width; 0 outside the support.
    public func pdf(_ x: Double) -> Double {
        guard support.contains(x) else { return 0 }
        return GSLDist.betaPDF((x - low) / width, alpha, beta) / width
    }
    /// I_u(α, β) at u = (x − low)/width; 0 at or below `low`, 1 at or above `high`.
    public func cdf(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        return x <= low ? 0 : (x >= high ? 1 : GSLDist.betaP((x - low) / width, alpha, beta))
    }
    /// 1 − I_u(α, β) from GSL's upper tail; 1 at or below `low`, 0 at or above `high`.
    public func survival(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        return x <= low ? 1 : (x >= high ? 0 : GSLDist.betaQ((x - low) / width, alpha, beta))
    }
    /// Bisection on GSL's beta CDF (`invertCDF`), never `gsl_cdf_beta_Pinv`: that
    /// routine returns NaN for small shapes (α = 0.01, β = 3 at any p; α = 50,
    /// β = 0.05 at p = 0.5) and, worse, does not return at all for large ones
    /// (α = β = 10⁶, α = 10³⁰⁰: measured > 3 s per call without an answer, GSL 2.7),
    /// which no caller could interrupt. 64 CDF evaluations give the quantile to one ulp.
    public func quantile(_ p: Double) -> Double { invertCDF(self, p) }

    /// Below this F and f have lost bits to underflow (or are 0): use the series.
    static let tiny = 1e-280

    /// F/f. With u = (x − low)/width, F/f = width · u(1 − u)/α · ₂F₁(α+β, 1; α+1; u)
    /// (DLMF 8.17.8 divided by the density), used where F or f is below `tiny`.
    public func costRatio(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        guard support.contains(x) else { return .infinity }
        if isZeroDensityEdge(x) { return .infinity }   // see `Prior.virtual`
        let f = pdf(x), F = cdf(x)
        if F >= Self.tiny && f >= Self.tiny || F == 1 { return F / f }
        let u = (x - low) / width
        if let r = Self.edgeRatio(u, 1 - u, alpha, beta) { return width * r }
        return f > 0 ? F / f : .infinity
    }
    /// (1 − F)/f, the mirror: Beta(α, β) at u is Beta(β, α) at 1 − u.
    public func valueRatio(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        guard support.contains(x) else { return .infinity }
        if isZeroDensityEdge(x) { return .infinity }
        let f = pdf(x), S = survival(x)
        if S >= Self.tiny && f >= Self.tiny || S == 1 { return S / f }
        let v = (high - x) / width
        if let r = Self.edgeRatio(v, 1 - v, beta, alpha) { return width * r }
        return f > 0 ? S / f : .infinity
    }

    /// The density is exactly zero only at an edge whose exponent is above 1. Elsewhere
    /// a zero from GSL is underflow (Beta(50, 3) at 1e-7 is 1e-340), not zero density.
    func isZeroDensityEdge(_ x: Double) -> Bool {
        (x == low && alpha > 1) || (x == high && beta > 1)
    }

    /// I_u(a, b) / (u^{a−1}(1−u)^{b−1}/B(a,b)) = u(1−u)/a · Σ_k Π_{j<k} (a+b+j)/(a+1+j) · u.
    /// All terms are positive (no cancellation); the term ratio tends to u < 1.
    /// nil if u is not in [0, 1), the sum overflows, or it has not converged in
    /// 100 000 terms (u very close to 1).
    static func edgeRatio(_ u: Double, _ oneMinusU: Double, _ a: Double, _ b: Double) -> Double? {
        guard u >= 0, u < 1 else { return nil }
        var term = 1.0, sum = 1.0
        for j in 0..<100_000 {
            term *= (a + b + Double(j)) / (a + 1 + Double(j)) * u
            sum += term
            if !sum.isFinite { return nil }
            if term <= 1e-17 * sum { return u * oneMinusU / a * sum }
        }
        return nil
    }
}
