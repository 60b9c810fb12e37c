import Foundation
import LabIO

/// Named prior families, each scaled to a given support [low, high]: one per kind the library
/// offers and per trap the mechanisms must survive (issue 13). Tests and the `dsic-priors`
/// experiment run every mechanism claim on all of them, because uniform priors hide bugs.
///
/// | name | what it exercises |
/// |---|---|
/// | `uniform` | the regular baseline (φ = 2c − low) |
/// | `ironing-mixture` | ¼·U[lo, lo+⅝w] + ¾·U[lo+⅝w, hi]: the textbook irregular prior mirrored to costs; needs ironing, so identical agents tie on the stretch |
/// | `gap-mixture` | ½·U[lo, lo+0.3w] + ½·U[lo+0.7w, hi]: a zero-density gap (rent across it) |
/// | `beta-zero-both` | Beta(2,3): density zero at both edges (φ = +∞ at the top) |
/// | `beta-zero-top` | Beta(1,3): density zero at the top only |
/// | `beta-zero-bottom` | Beta(3,1): density zero at the bottom only |
/// | `normal-far-tail` | N(lo − 1.5w, 0.4w) truncated: all mass 3.75–6.25 sd out in the upper tail |
/// | `lognormal-far-tail` | lognormal with median lo + 0.05w, σ = 0.5: the top is ≈ 6σ out |
/// | `exponential` | rate 10/w truncated: density falls by e⁻¹⁰ across the support |
/// | `empirical` | piecewise-linear CDF through 40 quantiles of `gap-mixture`: knots, steep and flat segments |
/// | `narrow-dip` | 0.9·N(mid, w/4) + 0.1·N(lo+0.8w, w/100), both truncated: a narrow spike ironed over a short stretch |
/// | `gap-tail` | 0.6·U[lo, lo+w/4] + 0.4·N(lo+¾w, w/10) on [lo+w/2, hi]: a gap whose far side starts in a thin normal tail (φ falls after the gap; the chord over R's jump pools it) |
/// | `tiny-weight` | (1 − 10⁻¹¹)·N(lo+0.3w, 0.08w) + 10⁻¹¹·N(lo+0.85w, 0.02w), both truncated: a bump of mass 10⁻¹¹ far in the upper tail, where φ ≈ 10¹² falls and rises again |
public enum PriorZoo {
    /// The family names, in the order of the table above.
    public static let names = ["uniform", "ironing-mixture", "gap-mixture", "beta-zero-both", "beta-zero-top", "beta-zero-bottom",
                               "normal-far-tail", "lognormal-far-tail", "exponential", "empirical", "narrow-dip", "gap-tail", "tiny-weight"]

    /// The family `name` on [low, high] (low ≥ 0 for the lognormal and exponential families).
    public static func spec(_ name: String, low lo: Double, high hi: Double) throws -> PriorSpec {
        let w = hi - lo
        switch name {
        case "uniform": return .uniform(low: lo, high: hi)
        case "ironing-mixture":
            return .mixture([.init(weight: 0.25, prior: .uniform(low: lo, high: lo + 0.625 * w)),
                             .init(weight: 0.75, prior: .uniform(low: lo + 0.625 * w, high: hi))])
        case "gap-mixture":
            return .mixture([.init(weight: 0.5, prior: .uniform(low: lo, high: lo + 0.3 * w)),
                             .init(weight: 0.5, prior: .uniform(low: lo + 0.7 * w, high: hi))])
        case "beta-zero-both": return .beta(alpha: 2, beta: 3, low: lo, high: hi)
        case "beta-zero-top": return .beta(alpha: 1, beta: 3, low: lo, high: hi)
        case "beta-zero-bottom": return .beta(alpha: 3, beta: 1, low: lo, high: hi)
        case "normal-far-tail": return .normal(mean: lo - 1.5 * w, sd: 0.4 * w, low: lo, high: hi)
        case "lognormal-far-tail":
            return .lognormal(mu: (lo + 0.05 * w).logarithm, sigma: 0.5, low: lo, high: hi)
        case "exponential": return .exponential(rate: 10 / w, low: lo, high: hi)
        case "empirical":
            let base = try spec("gap-mixture", low: lo, high: hi).make()
            return .empirical(samples: (0...40).map { base.quantile(Double($0) / 40) })
        case "narrow-dip":
            return .mixture([.init(weight: 0.9, prior: .normal(mean: lo + 0.5 * w, sd: 0.25 * w, low: lo, high: hi)),
                             .init(weight: 0.1, prior: .normal(mean: lo + 0.8 * w, sd: 0.01 * w, low: lo, high: hi))])
        case "gap-tail":
            return .mixture([.init(weight: 0.6, prior: .uniform(low: lo, high: lo + 0.25 * w)),
                             .init(weight: 0.4, prior: .normal(mean: lo + 0.75 * w, sd: 0.1 * w, low: lo + 0.5 * w, high: hi))])
        case "tiny-weight":
            return .mixture([.init(weight: 1 - 1e-11, prior: .normal(mean: lo + 0.3 * w, sd: 0.08 * w, low: lo, high: hi)),
                             .init(weight: 1e-11, prior: .normal(mean: lo + 0.85 * w, sd: 0.02 * w, low: lo, high: hi))])
        default:
            throw FieldError(field: "prior family", reason: "\"\(name)\" is not one of \(names.joined(separator: ", "))")
        }
    }
}

extension Double {
    fileprivate var logarithm: Double { Foundation.log(self) }
}
