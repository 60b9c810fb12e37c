import Foundation
import LabNumerics

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
