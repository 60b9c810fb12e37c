import CGSL

/// Summary statistics with a Student-t 95% confidence interval for the mean.
public struct Summary: Sendable, Equatable {
    /// Number of samples.
    public let count: Int
    /// Sample mean; NaN with no samples.
    public let mean: Double
    /// Sample standard deviation (n − 1 denominator); 0 for one sample, NaN for none.
    public let std: Double
    /// Lower end of the Student-t confidence interval of the mean (the mean itself for one sample).
    public let ciLow: Double
    /// Upper end of the Student-t confidence interval of the mean.
    public let ciHigh: Double

    /// `level` is the two-sided confidence level (default 0.95). With one sample
    /// the interval is the point itself; with none every field is NaN.
    public init(_ xs: [Double], level: Double = 0.95) {
        guard !xs.isEmpty else { self.init(count: 0, mean: .nan, std: .nan, level: level); return }
        let m = xs.withUnsafeBufferPointer { gsl_stats_mean($0.baseAddress, 1, xs.count) }
        guard xs.count > 1 else { self.init(count: 1, mean: m, std: 0, level: level); return }
        let s = xs.withUnsafeBufferPointer { gsl_stats_sd_m($0.baseAddress, 1, xs.count, m) }
        self.init(count: xs.count, mean: m, std: s, level: level)
    }

    /// From a mean and standard deviation computed elsewhere (streaming accumulators): the
    /// same interval as ``init(_:level:)`` gives for those values.
    public init(count n: Int, mean m: Double, std s: Double, level: Double = 0.95) {
        count = n
        guard n > 0 else { mean = .nan; std = .nan; ciLow = .nan; ciHigh = .nan; return }
        mean = m
        guard n > 1 else { std = 0; ciLow = m; ciHigh = m; return }
        std = s
        let t = GSLDist.tQuantile(0.5 + level / 2, dof: Double(n - 1))
        let half = t * s / Double(n).squareRoot()
        ciLow = m - half
        ciHigh = m + half
    }
}

/// Paired relative saving 1 − a/b with a CI: per-trial ratios summarised by `Summary`.
public func relativeSaving(ours a: [Double], baseline b: [Double], level: Double = 0.95) -> Summary {
    precondition(a.count == b.count, "paired samples must have equal length")
    return Summary(zip(a, b).map { 1 - $0 / $1 }, level: level)
}
