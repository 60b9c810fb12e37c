import CGSL
import Foundation

/// Thin wrappers over GSL's `gsl_ran_*_pdf` and `gsl_cdf_*` families.
/// Every function here is pure and thread-safe (none touches a GSL object).
///
/// Every wrapper calls `GSL.ensureReady()` first. GSL's default error handler
/// calls `abort()`, and the `_Pinv` functions report a failed Newton step through
/// it (e.g. `gsl_cdf_beta_Pinv(0.5, 0.01, 3)`: "betainv.c: inverse failed to
/// converge", signal 6). With the handler off they return NaN instead, so callers
/// must treat a non-finite result as "GSL could not compute this" (see
/// `Priors.ScaledBetaPrior.quantile`), never as a value.
public enum GSLDist {
    // MARK: Uniform (flat)
    /// Density of U[a, b] at x (`gsl_ran_flat_pdf`): 1/(b − a) on [a, b), 0 elsewhere.
    public static func flatPDF(_ x: Double, _ a: Double, _ b: Double) -> Double { GSL.ensureReady(); return gsl_ran_flat_pdf(x, a, b) }
    /// CDF of U[a, b] at x (`gsl_cdf_flat_P`).
    public static func flatP(_ x: Double, _ a: Double, _ b: Double) -> Double { GSL.ensureReady(); return gsl_cdf_flat_P(x, a, b) }
    /// Upper tail 1 − F(x) of U[a, b] (`gsl_cdf_flat_Q`).
    public static func flatQ(_ x: Double, _ a: Double, _ b: Double) -> Double { GSL.ensureReady(); return gsl_cdf_flat_Q(x, a, b) }
    /// Quantile of U[a, b] at p ∈ [0, 1] (`gsl_cdf_flat_Pinv`).
    public static func flatPinv(_ p: Double, _ a: Double, _ b: Double) -> Double { GSL.ensureReady(); return gsl_cdf_flat_Pinv(p, a, b) }

    // MARK: Gaussian (location handled by the caller: x − mean)
    /// Density of N(0, sd²) at x (`gsl_ran_gaussian_pdf`); pass x − mean.
    public static func gaussianPDF(_ x: Double, _ sd: Double) -> Double { GSL.ensureReady(); return gsl_ran_gaussian_pdf(x, sd) }
    /// CDF of N(0, sd²) at x (`gsl_cdf_gaussian_P`).
    public static func gaussianP(_ x: Double, _ sd: Double) -> Double { GSL.ensureReady(); return gsl_cdf_gaussian_P(x, sd) }
    /// Upper tail of N(0, sd²) at x (`gsl_cdf_gaussian_Q`), accurate until it underflows near x/sd ≈ 38.
    public static func gaussianQ(_ x: Double, _ sd: Double) -> Double { GSL.ensureReady(); return gsl_cdf_gaussian_Q(x, sd) }
    /// Quantile of N(0, sd²) at p ∈ (0, 1) (`gsl_cdf_gaussian_Pinv`); add the mean.
    public static func gaussianPinv(_ p: Double, _ sd: Double) -> Double { GSL.ensureReady(); return gsl_cdf_gaussian_Pinv(p, sd) }
    /// x with upper tail q under N(0, sd²) (`gsl_cdf_gaussian_Qinv`), accurate for q near 0.
    public static func gaussianQinv(_ q: Double, _ sd: Double) -> Double { GSL.ensureReady(); return gsl_cdf_gaussian_Qinv(q, sd) }

    /// log Q(z) = log(1 − Φ(z)) of the standard normal, for every finite z.
    ///
    /// Why: `gsl_cdf_ugaussian_Q` is accurate to full relative precision until it
    /// underflows (Q(37.5) ≈ 5e-308; Q(38.5) is subnormal, Q(39) = 0), after which
    /// `log` of it is −∞ and every ratio built on it is 0/0. Below z = 37 the value
    /// is GSL's (log1p of Φ where Q is near 1, so z → −∞ gives log Q → 0⁻ without
    /// cancellation). From z = 37 on, the asymptotic Mills-ratio series
    /// Q(z) = φ(z)/z · Σ_k (−1)^k (2k−1)!!/z^{2k} is used in log form; eight terms
    /// at z ≥ 37 leave a relative error below 1e-18 (next term 2027025/37¹⁶).
    /// (GSL's `gsl_sf_log_erfc` would do this, but the CGSL shim exposes only the
    /// distribution headers.)
    public static func ugaussianLogQ(_ z: Double) -> Double {
        GSL.ensureReady()
        if z.isNaN { return .nan }
        if z < -1 { return gsl_log1p(-gsl_cdf_ugaussian_P(z)) }
        if z < 37 { return log(gsl_cdf_ugaussian_Q(z)) }
        if z == .infinity { return -.infinity }
        let w = 1 / (z * z)
        var term = 1.0, sum = 1.0
        for k in 1...8 {
            term *= -Double(2 * k - 1) * w
            sum += term
        }
        // −z²/2 overflows only for z > 1.3e154, where the answer is −∞ anyway.
        return -0.5 * z * z - log(z) - 0.5 * log(2 * Double.pi) + log(sum)
    }

    // MARK: Lognormal
    /// Lognormal density at x (`gsl_ran_lognormal_pdf`); μ, σ are those of log x.
    public static func lognormalPDF(_ x: Double, _ mu: Double, _ sigma: Double) -> Double { GSL.ensureReady(); return gsl_ran_lognormal_pdf(x, mu, sigma) }
    /// Lognormal CDF at x (`gsl_cdf_lognormal_P`).
    public static func lognormalP(_ x: Double, _ mu: Double, _ sigma: Double) -> Double { GSL.ensureReady(); return gsl_cdf_lognormal_P(x, mu, sigma) }
    /// Lognormal upper tail at x (`gsl_cdf_lognormal_Q`).
    public static func lognormalQ(_ x: Double, _ mu: Double, _ sigma: Double) -> Double { GSL.ensureReady(); return gsl_cdf_lognormal_Q(x, mu, sigma) }
    /// Lognormal quantile at p ∈ (0, 1) (`gsl_cdf_lognormal_Pinv`).
    public static func lognormalPinv(_ p: Double, _ mu: Double, _ sigma: Double) -> Double { GSL.ensureReady(); return gsl_cdf_lognormal_Pinv(p, mu, sigma) }
    /// x with lognormal upper tail q (`gsl_cdf_lognormal_Qinv`), accurate for q near 0.
    public static func lognormalQinv(_ q: Double, _ mu: Double, _ sigma: Double) -> Double { GSL.ensureReady(); return gsl_cdf_lognormal_Qinv(q, mu, sigma) }

    // MARK: Beta on [0,1]
    /// Beta(a, b) density at x ∈ [0, 1] (`gsl_ran_beta_pdf`).
    public static func betaPDF(_ x: Double, _ a: Double, _ b: Double) -> Double { GSL.ensureReady(); return gsl_ran_beta_pdf(x, a, b) }
    /// Beta(a, b) CDF, the regularised incomplete beta I_x(a, b) (`gsl_cdf_beta_P`).
    public static func betaP(_ x: Double, _ a: Double, _ b: Double) -> Double { GSL.ensureReady(); return gsl_cdf_beta_P(x, a, b) }
    /// Beta(a, b) upper tail 1 − I_x(a, b) (`gsl_cdf_beta_Q`).
    public static func betaQ(_ x: Double, _ a: Double, _ b: Double) -> Double { GSL.ensureReady(); return gsl_cdf_beta_Q(x, a, b) }
    /// NaN when GSL's Newton iteration fails (small α or β): check `isFinite`.
    public static func betaPinv(_ p: Double, _ a: Double, _ b: Double) -> Double { GSL.ensureReady(); return gsl_cdf_beta_Pinv(p, a, b) }
    /// NaN when GSL's Newton iteration fails (small α or β): check `isFinite`.
    public static func betaQinv(_ q: Double, _ a: Double, _ b: Double) -> Double { GSL.ensureReady(); return gsl_cdf_beta_Qinv(q, a, b) }

    // MARK: Exponential (GSL parametrises by the mean μ = 1/rate)
    /// Exponential density at x with the given mean (`gsl_ran_exponential_pdf`).
    public static func exponentialPDF(_ x: Double, mean: Double) -> Double { GSL.ensureReady(); return gsl_ran_exponential_pdf(x, mean) }
    /// Exponential CDF at x (`gsl_cdf_exponential_P`).
    public static func exponentialP(_ x: Double, mean: Double) -> Double { GSL.ensureReady(); return gsl_cdf_exponential_P(x, mean) }
    /// Exponential upper tail e^{−x/mean} (`gsl_cdf_exponential_Q`).
    public static func exponentialQ(_ x: Double, mean: Double) -> Double { GSL.ensureReady(); return gsl_cdf_exponential_Q(x, mean) }
    /// Exponential quantile −mean·log(1 − p) (`gsl_cdf_exponential_Pinv`).
    public static func exponentialPinv(_ p: Double, mean: Double) -> Double { GSL.ensureReady(); return gsl_cdf_exponential_Pinv(p, mean) }
    /// Exponential x with upper tail q, −mean·log q (`gsl_cdf_exponential_Qinv`).
    public static func exponentialQinv(_ q: Double, mean: Double) -> Double { GSL.ensureReady(); return gsl_cdf_exponential_Qinv(q, mean) }

    // MARK: Elementary functions without cancellation (gsl_sys.h)
    /// e^x − 1, accurate for |x| ≪ 1.
    public static func expm1(_ x: Double) -> Double { GSL.ensureReady(); return gsl_expm1(x) }
    /// log(1 + x), accurate for |x| ≪ 1.
    public static func log1p(_ x: Double) -> Double { GSL.ensureReady(); return gsl_log1p(x) }

    // MARK: Student t quantile (confidence intervals)
    /// Quantile of Student's t with `dof` degrees of freedom at p ∈ (0, 1) (`gsl_cdf_tdist_Pinv`);
    /// e.g. p = 0.975 for a 95% two-sided interval.
    public static func tQuantile(_ p: Double, dof: Double) -> Double { GSL.ensureReady(); return gsl_cdf_tdist_Pinv(p, dof) }
    /// Standard normal quantile Φ⁻¹(p) for p ∈ (0, 1) (`gsl_cdf_ugaussian_Pinv`); ±∞ at 0 and 1.
    public static func normalQuantile(_ p: Double) -> Double { GSL.ensureReady(); return gsl_cdf_ugaussian_Pinv(p) }
}
