import Foundation
import LabNumerics

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
    /// - Throws: a `FieldError` naming the field of `path`: a shape not positive, bad bounds,
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
