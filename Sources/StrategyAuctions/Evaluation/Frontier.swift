import Foundation

// MARK: - Cost–quality frontiers and the router-research metrics over them
//
// Definitions (our reading of RouterBench, Hu et al. 2024, and RouteLLM, Ong et al. 2024):
//
// * A method with a knob gives one operating point (x, y) per knob value: x a cost (RouterBench:
//   $ per task) or the share of calls to the strongest agent (RouteLLM), y the quality (pass@1).
// * Its **non-decreasing convex hull** is the upper concave envelope of the points (any two
//   operating points can be mixed by randomising the knob per task, so every point below a chord
//   is reachable), cut at its highest point and continued flat to the right (spending more never
//   has to lose quality: keep the best knob and waste the rest). Left of the cheapest point the
//   hull is undefined — the method cannot operate there.
// * **AIQ** (RouterBench's average improvement in quality): the area under the hull over a cost
//   range [lo, hi] common to the compared methods, divided by hi − lo: the hull's mean height.
// * **PGR** (RouteLLM's performance gap recovered) of a point: (y − y_weak)/(y_strong − y_weak),
//   with the cheapest and the strongest single agent as weak and strong. **APGR** is the mean
//   height of the PGR hull drawn against the share of strong-agent calls over [lo, 1], and
//   **CPT(p)** the smallest strong-agent share at which the PGR hull reaches p.

/// One operating point: `x` (cost or strong-agent share) and `y` (quality).
public struct FrontierPoint: Sendable, Hashable {
    /// Cost in dollars per task, or the share in [0, 1] of calls to the strongest agent.
    public var x: Double
    /// Quality: pass@1, in [0, 1].
    public var y: Double
    /// An operating point at cost (or share) `x` and quality `y`.
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// The non-decreasing convex hull of a set of operating points (see the file comment).
public struct Hull: Sendable, Hashable {
    /// Vertices by increasing x and non-decreasing y; the hull is linear between them and flat
    /// after the last one.
    public let vertices: [FrontierPoint]

    /// The hull of `points`; points with a NaN or infinite coordinate are dropped. A monotone-chain
    /// upper hull cut at its first highest vertex. O(n log n).
    public init(_ points: [FrontierPoint]) {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        // Sorted by x; at equal x only the best y matters.
        let sorted = finite.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y > $1.y }
        var upper: [FrontierPoint] = []
        for p in sorted {
            if let last = upper.last, last.x == p.x { continue }
            // Pop while the last vertex lies on or below the chord from the one before it to p.
            while upper.count >= 2 {
                let a = upper[upper.count - 2], b = upper[upper.count - 1]
                if (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) >= 0 { upper.removeLast() } else { break }
            }
            upper.append(p)
        }
        // Concave: the vertices rise, peak, then fall. Keep them up to the (first) peak.
        if let best = upper.map(\.y).max(), let peak = upper.firstIndex(where: { $0.y == best }) {
            upper = Array(upper[...peak])
        }
        vertices = upper
    }

    /// x of the first (cheapest) vertex, left of which the hull is undefined; nil when empty.
    public var minX: Double? { vertices.first?.x }
    /// The hull's highest y (its last vertex's); nil when empty.
    public var maxY: Double? { vertices.last?.y }

    /// The hull's height at x: nil left of its first vertex (or when empty), flat after the last.
    public func value(at x: Double) -> Double? {
        guard let first = vertices.first, x >= first.x else { return nil }
        for (a, b) in zip(vertices, vertices.dropFirst()) where x <= b.x {
            return a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)
        }
        return vertices.last!.y
    }

    /// The smallest x at which the hull reaches `y`, or nil when it never does.
    public func firstX(reaching y: Double) -> Double? {
        guard let first = vertices.first else { return nil }
        if first.y >= y { return first.x }
        for (a, b) in zip(vertices, vertices.dropFirst()) where b.y >= y {
            return a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y)
        }
        return nil
    }

    /// The hull's mean height over [lo, hi] (exact integral of the piecewise-linear function),
    /// or nil when the range is empty or starts left of the hull.
    public func meanHeight(from lo: Double, to hi: Double) -> Double? {
        guard hi > lo, let first = vertices.first, lo >= first.x else { return nil }
        // Breakpoints inside (lo, hi), then the trapezoids between consecutive ones.
        let xs = [lo] + vertices.map(\.x).filter { $0 > lo && $0 < hi } + [hi]
        var area = 0.0
        for (a, b) in zip(xs, xs.dropFirst()) { area += (b - a) * (value(at: a)! + value(at: b)!) / 2 }
        return area / (hi - lo)
    }
}

/// The router-research metrics of one method on one slice in one task order.
public enum FrontierMetrics {
    /// AIQ over [lo, hi] of the cost–pass@1 points.
    public static func aiq(_ points: [FrontierPoint], lo: Double, hi: Double) -> Double? {
        Hull(points).meanHeight(from: lo, to: hi)
    }

    /// PGR of quality y between the weak and strong references; nil when the gap is not positive.
    public static func pgr(_ y: Double, weak: Double, strong: Double) -> Double? {
        strong > weak ? (y - weak) / (strong - weak) : nil
    }

    /// The (strong-agent share, PGR) points of (share, pass@1) points.
    public static func pgrPoints(_ points: [FrontierPoint], weak: Double, strong: Double) -> [FrontierPoint]? {
        guard strong > weak else { return nil }
        return points.map { FrontierPoint(x: $0.x, y: pgr($0.y, weak: weak, strong: strong)!) }
    }

    /// APGR: mean height of the PGR hull over strong-agent shares [lo, 1].
    public static func apgr(_ sharePoints: [FrontierPoint], weak: Double, strong: Double, lo: Double = 0) -> Double? {
        pgrPoints(sharePoints, weak: weak, strong: strong).flatMap { Hull($0).meanHeight(from: lo, to: 1) }
    }

    /// CPT(p): the smallest strong-agent share at which the PGR hull reaches p.
    public static func cpt(_ sharePoints: [FrontierPoint], weak: Double, strong: Double, recovering p: Double) -> Double? {
        pgrPoints(sharePoints, weak: weak, strong: strong).flatMap { Hull($0).firstX(reaching: p) }
    }
}
