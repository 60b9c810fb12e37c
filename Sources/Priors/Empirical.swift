import LabIO

/// A prior estimated from samples with a **piecewise-linear CDF** (an ogive).
///
/// Knots are the distinct sample values x₁ < … < x_m. At an interior knot the
/// CDF is the mid-rank `(#{s < x_j} + ½·#{s = x_j}) / n`, rescaled so that
/// F(x₁) = 0 and F(x_m) = 1. Between knots F is linear, so the density is
/// piecewise constant and strictly positive on the support: atoms (repeated
/// samples) are spread over the neighbouring segments instead of creating a
/// point mass whose virtual cost would be undefined.
public struct EmpiricalPrior: Prior, Hashable {
    /// The distinct sample values x₁ < … < x_m (m ≥ 2).
    public let knots: [Double]
    /// F at each knot, in [0, 1]: 0 at the first, 1 at the last, rescaled mid-ranks between.
    public let levels: [Double]
    /// [x₁, x_m].
    public var support: ClosedRange<Double> { knots.first!...knots.last! }

    /// The ogive of `samples` (any order, repeats allowed). O(n log n).
    /// - Throws: a `FieldError` naming the field of `path` for a non-finite sample or fewer
    ///   than two distinct values.
    public init(samples: [Double], path: String = "prior") throws {
        for (k, s) in samples.enumerated() where !s.isFinite {
            throw FieldError(field: "\(path).samples[\(k)]", reason: "must be a finite number")
        }
        let sorted = samples.sorted()
        var xs: [Double] = [], mids: [Double] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j < sorted.count && sorted[j] == sorted[i] { j += 1 }
            xs.append(sorted[i])
            mids.append(Double(i) + Double(j - i) / 2)
            i = j
        }
        guard xs.count >= 2 else {
            throw FieldError(field: "\(path).samples", reason: "needs at least two distinct values (got \(xs.count))")
        }
        try checkWidth(xs.first!, xs.last!, field: "\(path).samples")
        let a = mids.first!, b = mids.last!
        knots = xs
        levels = mids.enumerated().map { k, m in k == 0 ? 0 : (k == mids.count - 1 ? 1 : (m - a) / (b - a)) }
    }

    /// The interior knots (the density jumps there).
    public var breakpoints: [Double] { Array(knots.dropFirst().dropLast()) }

    /// Index j with knots[j] ≤ x < knots[j+1] (clamped), by binary search.
    func segment(_ x: Double) -> Int {
        var lo = 0, hi = knots.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if knots[mid] <= x { lo = mid } else { hi = mid }
        }
        return lo
    }
    /// The constant slope of F on the knot segment containing x; 0 outside the support. O(log m).
    public func pdf(_ x: Double) -> Double {
        guard support.contains(x) else { return 0 }
        let j = segment(x)
        return (levels[j + 1] - levels[j]) / (knots[j + 1] - knots[j])
    }
    /// Linear interpolation of the levels between knots; 0 at or below x₁, 1 at or above x_m. O(log m).
    public func cdf(_ x: Double) -> Double {
        if x <= low { return 0 }
        if x >= high { return 1 }
        let j = segment(x)
        return levels[j] + (x - knots[j]) * (levels[j + 1] - levels[j]) / (knots[j + 1] - knots[j])
    }
    /// The inverse of the piecewise-linear CDF, by binary search on the levels. O(log m).
    public func quantile(_ p: Double) -> Double {
        if p <= 0 { return low }
        if p >= 1 { return high }
        var lo = 0, hi = levels.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if levels[mid] <= p { lo = mid } else { hi = mid }
        }
        return knots[lo] + (p - levels[lo]) * (knots[lo + 1] - knots[lo]) / (levels[lo + 1] - levels[lo])
    }
}
