import Foundation
import LabNumerics

/// U[low, high]. Cost side: φ(c) = 2c − low, regular (no ironing).
public struct UniformPrior: Prior, Hashable {
    /// The closed interval [low, high] (finite, low < high).
    public let support: ClosedRange<Double>
    /// U[low, high]; `path` prefixes the field named in errors (e.g. `agents[2].prior`).
    /// - Throws: a `FieldError` unless low and high are finite with low < high.
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
    /// φ⁻¹(p): (p + low)/2 on the cost side (φ = 2c − low), (p + high)/2 on the value side
    /// (φ = 2v − high). Why this kind may offer one: every step of its computed φ — x − low,
    /// the divisions by the positive constants high − low and 1/(high − low) (GSL's flat CDF,
    /// survival and density), the final x ± ratio — is a correctly rounded monotone operation,
    /// so the computed φ is non-decreasing over the doubles, which `VirtualCost`'s ulp walk needs.
    public func virtualInverseGuess(_ p: Double, side: Side) -> Double? {
        side == .cost ? (p + low) / 2 : (p + high) / 2
    }
}
