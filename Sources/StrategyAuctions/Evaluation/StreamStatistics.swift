import Foundation

/// Statistics of a per-task stream (one value per task, in the order the tasks arrived): the
/// trailing rolling mean a learning curve plots, the least-squares slope against the task index,
/// and the mean of a leading or trailing fraction of the stream.
public enum StreamStatistics {
    /// Trailing rolling means: element k is the mean of `xs[k ..< k + window]`, so the result has
    /// `xs.count − window + 1` elements (none when the stream is shorter than the window). O(n).
    /// - Precondition: `window ≥ 1`.
    public static func rollingMean(_ xs: [Double], window: Int) -> [Double] {
        precondition(window >= 1, "window must be at least 1")
        guard xs.count >= window else { return [] }
        var out: [Double] = [], sum = xs[..<window].reduce(0, +)
        out.reserveCapacity(xs.count - window + 1)
        out.append(sum / Double(window))
        for k in window..<xs.count {
            sum += xs[k] - xs[k - window]
            out.append(sum / Double(window))
        }
        return out
    }

    /// Ordinary least-squares slope of `ys` against the index 0, 1, …, n − 1 (change per task);
    /// NaN with fewer than two values. O(n).
    public static func slope(_ ys: [Double]) -> Double {
        let n = Double(ys.count)
        guard ys.count >= 2 else { return .nan }
        let xMean = (n - 1) / 2, yMean = ys.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (i, y) in ys.enumerated() {
            let dx = Double(i) - xMean
            sxy += dx * (y - yMean); sxx += dx * dx
        }
        return sxy / sxx
    }

    /// Mean of the first (`last == false`) or last `fraction` of the stream (at least one value);
    /// NaN for an empty stream. O(n).
    public static func partMean(_ xs: [Double], fraction: Double, last: Bool) -> Double {
        guard !xs.isEmpty else { return .nan }
        let n = max(1, Int((fraction * Double(xs.count)).rounded(.down)))
        let part = last ? xs.suffix(n) : xs.prefix(n)
        return part.reduce(0, +) / Double(part.count)
    }
}
