import LabNumerics
import LabIO

/// A finite mixture Σ w_k F_k. Components may overlap or leave gaps (density zero
/// between them); the support is the hull of the components' supports.
/// Quantiles are found by bisection on the mixture CDF (`invertCDF`, at most 64 evaluations).
public struct MixturePrior: Prior {
    /// Component weights, each > 0, normalised to sum to 1.
    public let weights: [Double]
    /// The component priors, in the order of `weights`.
    public let components: [any Prior]
    /// The hull [min low_k, max high_k] of the components' supports.
    public let support: ClosedRange<Double>

    /// A mixture of `components` with `weights`.
    /// - Throws: a `FieldError` naming the field of `path`: an empty or mismatched list, a
    ///   weight that is not positive and finite, or weights not summing to 1 (within 1e-9).
    public init(weights: [Double], components: [any Prior], path: String = "prior") throws {
        guard !components.isEmpty, components.count == weights.count else {
            throw FieldError(field: "\(path).components", reason: "must be a non-empty list of {weight, prior}")
        }
        for (k, w) in weights.enumerated() where !(w.isFinite && w > 0) {
            throw FieldError(field: "\(path).components[\(k)].weight", reason: "must be a positive number (got \(w))")
        }
        let total = weights.reduce(0, +)
        guard abs(total - 1) <= 1e-9 else {
            throw FieldError(field: "\(path).components", reason: "weights must sum to 1 (they sum to \(total))")
        }
        try checkWidth(components.map(\.low).min()!, components.map(\.high).max()!, field: "\(path).components")
        self.weights = weights.map { $0 / total }
        self.components = components
        support = components.map(\.low).min()!...components.map(\.high).max()!
    }

    /// Every component's edges and breakpoints strictly inside the support, sorted, without duplicates.
    public var breakpoints: [Double] {
        var pts = components.flatMap { [$0.low, $0.high] + $0.breakpoints }
        pts = pts.filter { $0 > low && $0 < high }
        return Array(Set(pts)).sorted()
    }
    /// Half-open convention: each component's density counts on [low_k, high_k), except at the
    /// mixture's own top where it is closed. So at a shared edge (U[0,3] and U[3,8] at 3) f is the
    /// right-hand density, not the sum of both sides, and f, φ, φ̄ are single-valued there; at the
    /// top of a component followed by a gap the density is zero (the gap [high_k, low_{k+1}) starts).
    public func pdf(_ x: Double) -> Double {
        guard support.contains(x) else { return 0 }
        var f = 0.0
        for (w, c) in zip(weights, components) where x < c.high || x == high { f += w * c.pdf(x) }
        return f
    }
    /// Σ w_k F_k(x), capped at 1; 0 at or below `low`, 1 at or above `high`.
    public func cdf(_ x: Double) -> Double {
        if x <= low { return 0 }
        if x >= high { return 1 }
        return min(1, zip(weights, components).reduce(0) { $0 + $1.0 * $1.1.cdf(x) })
    }
    /// Σ w_k (1 − F_k(x)) from each component's own upper tail, capped at 1.
    public func survival(_ x: Double) -> Double {
        if x <= low { return 1 }
        if x >= high { return 0 }
        return min(1, zip(weights, components).reduce(0) { $0 + $1.0 * $1.1.survival(x) })
    }
    /// Generalised inverse of the CDF by bisection on the ordering of doubles (≤ 64 CDF evaluations).
    public func quantile(_ p: Double) -> Double { invertCDF(self, p) }
}
