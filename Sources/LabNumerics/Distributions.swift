import CGSL

/// Thin wrappers over GSL's `gsl_ran_*_pdf` and `gsl_cdf_*` families.
/// Every function here is pure and thread-safe (none touches a GSL object).
public enum GSLDist {
    // MARK: Uniform (flat)
    public static func flatPDF(_ x: Double, _ a: Double, _ b: Double) -> Double { gsl_ran_flat_pdf(x, a, b) }
    public static func flatP(_ x: Double, _ a: Double, _ b: Double) -> Double { gsl_cdf_flat_P(x, a, b) }
    public static func flatQ(_ x: Double, _ a: Double, _ b: Double) -> Double { gsl_cdf_flat_Q(x, a, b) }
    public static func flatPinv(_ p: Double, _ a: Double, _ b: Double) -> Double { gsl_cdf_flat_Pinv(p, a, b) }

    // MARK: Gaussian (location handled by the caller: x − mean)
    public static func gaussianPDF(_ x: Double, _ sd: Double) -> Double { gsl_ran_gaussian_pdf(x, sd) }
    public static func gaussianP(_ x: Double, _ sd: Double) -> Double { gsl_cdf_gaussian_P(x, sd) }
    public static func gaussianQ(_ x: Double, _ sd: Double) -> Double { gsl_cdf_gaussian_Q(x, sd) }
    public static func gaussianPinv(_ p: Double, _ sd: Double) -> Double { gsl_cdf_gaussian_Pinv(p, sd) }
    public static func gaussianQinv(_ q: Double, _ sd: Double) -> Double { gsl_cdf_gaussian_Qinv(q, sd) }

    // MARK: Lognormal
    public static func lognormalPDF(_ x: Double, _ mu: Double, _ sigma: Double) -> Double { gsl_ran_lognormal_pdf(x, mu, sigma) }
    public static func lognormalP(_ x: Double, _ mu: Double, _ sigma: Double) -> Double { gsl_cdf_lognormal_P(x, mu, sigma) }
    public static func lognormalQ(_ x: Double, _ mu: Double, _ sigma: Double) -> Double { gsl_cdf_lognormal_Q(x, mu, sigma) }
    public static func lognormalPinv(_ p: Double, _ mu: Double, _ sigma: Double) -> Double { gsl_cdf_lognormal_Pinv(p, mu, sigma) }

    // MARK: Beta on [0,1]
    public static func betaPDF(_ x: Double, _ a: Double, _ b: Double) -> Double { gsl_ran_beta_pdf(x, a, b) }
    public static func betaP(_ x: Double, _ a: Double, _ b: Double) -> Double { gsl_cdf_beta_P(x, a, b) }
    public static func betaQ(_ x: Double, _ a: Double, _ b: Double) -> Double { gsl_cdf_beta_Q(x, a, b) }
    public static func betaPinv(_ p: Double, _ a: Double, _ b: Double) -> Double { gsl_cdf_beta_Pinv(p, a, b) }

    // MARK: Exponential (GSL parametrises by the mean μ = 1/rate)
    public static func exponentialPDF(_ x: Double, mean: Double) -> Double { gsl_ran_exponential_pdf(x, mean) }
    public static func exponentialP(_ x: Double, mean: Double) -> Double { gsl_cdf_exponential_P(x, mean) }
    public static func exponentialQ(_ x: Double, mean: Double) -> Double { gsl_cdf_exponential_Q(x, mean) }
    public static func exponentialPinv(_ p: Double, mean: Double) -> Double { gsl_cdf_exponential_Pinv(p, mean) }

    // MARK: Student t quantile (confidence intervals)
    public static func tQuantile(_ p: Double, dof: Double) -> Double { gsl_cdf_tdist_Pinv(p, dof) }
    public static func normalQuantile(_ p: Double) -> Double { gsl_cdf_ugaussian_Pinv(p) }
}
