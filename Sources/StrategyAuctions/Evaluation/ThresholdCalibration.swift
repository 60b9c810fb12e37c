import Foundation

/// A threshold-calibration target (RouteLLM's "calibrate the threshold to a share of strong-model
/// calls", or a budget): `share-<AGENT>=x` asks for the share x ∈ [0, 1] of test tasks run by
/// AGENT, which must be the dearest agent; `budget=x` asks for at most x dollars per task.
public enum ThresholdTarget: Sendable, Hashable, CustomStringConvertible {
    /// The share, in [0, 1], of test tasks run by the named agent (the dearest one).
    case share(agent: String, Double)
    /// At most this many dollars per task (> 0).
    case budget(Double)

    /// The target's number: a share in [0, 1] or dollars per task.
    public var value: Double {
        switch self { case let .share(_, x), let .budget(x): return x }
    }
    /// The target as written in a spec (`share-AGENT=x` or `budget=x`).
    public var description: String {
        switch self {
        case let .share(agent, x): return "share-\(agent)=\(x)"
        case let .budget(x): return "budget=\(x)"
        }
    }

    /// Parses `share-32b=0.3` or `budget=0.008`; the error names `field` and says what is wrong.
    public static func parse(_ text: String, field: String) throws -> ThresholdTarget {
        func bad(_ why: String) -> SaleError { .invalid("\(field) `\(text)`: \(why)") }
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[1].isEmpty else { throw bad("expected share-AGENT=x (e.g. share-32b=0.3) or budget=x (dollars per task)") }
        guard let x = Double(parts[1]), x.isFinite else { throw bad("`\(parts[1])` is not a finite number") }
        let key = parts[0].lowercased()
        if key == "budget" {
            guard x > 0 else { throw bad("a budget must be positive dollars per task (got \(x))") }
            return .budget(x)
        }
        guard key.hasPrefix("share-"), key.count > 6 else {
            throw bad("unknown target `\(parts[0])`: use share-AGENT (e.g. share-32b) or budget")
        }
        guard (0...1).contains(x) else { throw bad("a share must be in [0, 1] (got \(x))") }
        return .share(agent: String(parts[0].dropFirst(6)), x)
    }

    /// Checks a share target's agent against the data: it must name the dearest agent
    /// (case-insensitive), whose share every knob moves monotonically.
    public func validate(agents: [SaleAgent], largest: Int, field: String) throws {
        guard case let .share(agent, _) = self else { return }
        guard let a = agents.firstIndex(where: { $0.name.lowercased() == agent.lowercased() }) else {
            throw SaleError.invalid("\(field) `\(self)`: no agent named `\(agent)` (agents: \(agents.map(\.name).joined(separator: ", ")))")
        }
        guard a == largest else {
            throw SaleError.invalid("\(field) `\(self)`: only the dearest agent's share (\(agents[largest].name)) can be targeted; every knob moves it monotonically")
        }
    }

    /// The targeted quantity of some executions: the dearest agent's share, or $ per task.
    public func measure(_ m: MethodMetrics) -> Double {
        switch self { case .share: return m.largestShare; case .budget: return m.costPerTask }
    }
}

/// A calibrated knob: `lo` on a task with probability `pLo`, else `hi` (per-task coin). Mixing
/// two knob values reaches any point on the chord between their operating points, so a target
/// between two steps of a step-shaped knob response (many tasks flipping at once) is met in
/// expectation instead of being missed by a whole step.
public struct KnobMix: Sendable, Hashable {
    /// The two knob values and the probability in [0, 1] of using `lo` on a task.
    public let lo: Double, hi: Double, pLo: Double
    /// A mix that uses `lo` with probability `pLo` and `hi` otherwise.
    public init(lo: Double, hi: Double, pLo: Double) { self.lo = lo; self.hi = hi; self.pLo = pLo }
    /// Always the knob value `k`.
    public static func fixed(_ k: Double) -> KnobMix { KnobMix(lo: k, hi: k, pLo: 1) }
    /// The knob for one task given its uniform coin `u` in [0, 1): `lo` when u < `pLo`, else `hi`.
    public func knob(coin u: Double) -> Double { u < pLo ? lo : hi }
    /// The mean knob value (for reports).
    public var mean: Double { pLo * lo + (1 - pLo) * hi }
}

/// Meets a target with a knob whose effect `f` is non-increasing in it (a higher knob never buys
/// a dearer agent): the grid brackets the target, bisection narrows the bracket to two knobs
/// `lo` (f above the target) and `hi` (f at or below it), and the mix of the two whose
/// expected effect equals the target is returned. A target above every f gets the grid's first
/// knob, one below every f its last (the miss is then reported, not hidden).
public enum KnobSearch {
    /// The knob mix whose expected effect meets `target` (see the type): evaluates `f` on every
    /// grid value (sorted ascending), then at most `steps` bisection points, geometric when the
    /// bracket is positive. O((grid + steps) · cost of f).
    /// - Precondition: `grid` is not empty.
    public static func solve(grid: [Double], target: Double, steps: Int = 24, _ f: (Double) -> Double) -> KnobMix {
        precondition(!grid.isEmpty, "a knob grid is not empty")
        let values = grid.map(f)
        guard let i = values.firstIndex(where: { $0 <= target }) else { return .fixed(grid.last!) }
        if i == 0 { return .fixed(grid[0]) }
        var lo = (grid[i - 1], values[i - 1]), hi = (grid[i], values[i])
        for _ in 0..<steps {
            let mid = lo.0 > 0 ? (lo.0 * hi.0).squareRoot() : (lo.0 + hi.0) / 2
            guard mid > lo.0, mid < hi.0 else { break }
            let v = f(mid)
            if v <= target { hi = (mid, v) } else { lo = (mid, v) }
        }
        return KnobMix(lo: lo.0, hi: hi.0, pLo: min(1, max(0, (target - hi.1) / (lo.1 - hi.1))))
    }
}
