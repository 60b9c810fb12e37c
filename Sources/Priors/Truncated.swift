import Foundation
import LabNumerics
import LabIO

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
            throw FieldError(field: "\(path).low", reason: "and `high` enclose no probability mass of the \(what) (it is numerically zero on [\(low), \(high)])")
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
        return Self.logGap(near: base.logCDF(x), far: base.logSurvival(x), endNear: logFLow, endFar: logSLow)
    }
    /// log E(x) = log((1 − F(x)) − (1 − F(high))), the mirror of `logGapBelow`: the same
    /// computation with the tails swapped (S for F, the upper end for the lower).
    func logGapAbove(_ x: Double) -> Double {
        if let closed = base.logMassBetween(x, high) { return closed }
        return Self.logGap(near: base.logSurvival(x), far: base.logCDF(x), endNear: logSHigh, endFar: logFHigh)
    }
    /// log(N(x) − N(end)) for a tail N (F below, S above) whose value at x is e^near, e^far being
    /// the other tail's at x (N + other = 1) and endNear, endFar the two at the support's end:
    /// while x is on N's side of the median, subtract in N's logs; if the whole stretch is on the
    /// other side, subtract in the other tail's logs; else both terms are ≥ ½ and cancel little.
    static func logGap(near: Double, far: Double, endNear: Double, endFar: Double) -> Double {
        if near <= far { return logDiffExp(near, endNear) }
        if endFar <= endNear { return logDiffExp(endFar, far) }
        return log((1 - exp(endNear)) - exp(far))
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

/// A normal truncated to [low, high].
public typealias TruncatedNormalPrior = Truncated<NormalBase>
/// A lognormal truncated to [low, high] (low ≥ 0).
public typealias TruncatedLognormalPrior = Truncated<LognormalBase>
/// An exponential truncated to [low, high] (low ≥ 0).
public typealias TruncatedExponentialPrior = Truncated<ExponentialBase>

extension Truncated where Base == NormalBase {
    /// N(mean, sd²) truncated to [low, high].
    /// - Throws: a `FieldError` naming the field of `path`: non-finite mean, sd not positive,
    ///   bad bounds, no numerical mass on [low, high], or parameters GSL cannot evaluate.
    public init(mean: Double, sd: Double, low: Double, high: Double, path: String = "prior") throws {
        guard mean.isFinite else { throw FieldError(field: "\(path).mean", reason: "must be a finite number") }
        try checkPositive(sd, "\(path).sd")
        try self.init(NormalBase(mean: mean, sd: sd), low: low, high: high, path: path,
                      field: "\(path).sd", what: "normal mean \(mean) sd \(sd) on [\(low), \(high)]")
    }
}
extension Truncated where Base == LognormalBase {
    /// Lognormal(μ, σ) truncated to [low, high].
    /// - Throws: a `FieldError` naming the field of `path`: non-finite μ, σ not positive,
    ///   low < 0, bad bounds, no numerical mass, or parameters GSL cannot evaluate.
    public init(mu: Double, sigma: Double, low: Double, high: Double, path: String = "prior") throws {
        guard mu.isFinite else { throw FieldError(field: "\(path).mu", reason: "must be a finite number") }
        try checkPositive(sigma, "\(path).sigma")
        guard low >= 0 else { throw FieldError(field: "\(path).low", reason: "must be ≥ 0 for a lognormal (got \(low))") }
        try self.init(LognormalBase(mu: mu, sigma: sigma), low: low, high: high, path: path,
                      field: "\(path).sigma", what: "lognormal mu \(mu) sigma \(sigma) on [\(low), \(high)]")
    }
}
extension Truncated where Base == ExponentialBase {
    /// Exponential(rate) truncated to [low, high].
    /// - Throws: a `FieldError` naming the field of `path`: rate not positive, low < 0, bad
    ///   bounds, no numerical mass, or parameters GSL cannot evaluate.
    public init(rate: Double, low: Double, high: Double, path: String = "prior") throws {
        try checkPositive(rate, "\(path).rate")
        guard low >= 0 else { throw FieldError(field: "\(path).low", reason: "must be ≥ 0 for an exponential (got \(low))") }
        try self.init(ExponentialBase(rate: rate), low: low, high: high, path: path,
                      field: "\(path).rate", what: "exponential rate \(rate) on [\(low), \(high)]")
    }
}
