import LabNumerics

/// A maximal stretch `[low, high]` on which the ironed virtual cost is the constant `value`.
public struct IronedInterval: Sendable, Equatable, Hashable {
    /// The stretch's ends (low < high) and the constant ironed virtual cost on it.
    public let low: Double, high: Double, value: Double
    /// A stretch [low, high] on which φ̄ equals `value`.
    public init(low: Double, high: Double, value: Double) { self.low = low; self.high = high; self.value = value }
}

/// Ironing on the cost side (SPEC §1, Myerson 1981 §6).
///
/// In quantile space R(q) = q·F⁻¹(q) and φ(F⁻¹(q)) = R′(q). The ironed virtual
/// cost is the derivative of the lower convex envelope of R on [0,1].
///
/// 1. *Locate.* R is sampled at a dense grid (uniform in c, uniform in q, plus the
///    prior's breakpoints); the lower hull of the points (monotone chain) gives
///    candidate stretches where R lies strictly above its envelope.
/// 2. *Refine exactly.* On a stretch the envelope is the common tangent of R at
///    c₁ < c₂: φ(c₁) = φ(c₂) = s and R(c₂) − R(c₁) = s·(F(c₂) − F(c₁)).
///    For a slope s, c₁(s), c₂(s) are GSL Brent roots of φ − s near the hull
///    vertices; g(s) = R(c₂) − R(c₁) − s(F(c₂) − F(c₁)) is strictly decreasing
///    (g′ = −(q₂ − q₁)), so a second Brent solve gives s to machine precision.
/// 3. *Flat means equal.* Every point of a stretch returns the same stored `s`,
///    so allocation ties on it are exact ties (SPEC §1).
enum CostSideIroning {
    static let gridPoints = 2048
    static let quantilePoints = 256
    /// Densities below this fraction of the uniform level 1/(high − low) are numerically unreliable
    /// for φ (F/f of two underflowing numbers, q = F(c) resolved to ε while 1 − q ≈ 1e-12); such a
    /// region carries at most 1e-9 of the mass. The same floor as the property tests' tail cut.
    static let reliableDensity = 1e-9

    static func intervals(of prior: any Prior) throws -> [IronedInterval] { try analyse(prior).intervals }

    /// Ironed intervals and zero-density gaps (as closed ranges) of a prior. Throws
    /// `PriorError.invalid(field: path, …)` when a located stretch cannot be refined exactly.
    static func analyse(_ prior: any Prior, path: String = "prior") throws -> (intervals: [IronedInterval], gaps: [ClosedRange<Double>]) {
        if prior is UniformPrior { return ([], []) }  // R(q) = q(lo + q(hi−lo)) is strictly convex
        let (qs, cs) = grid(prior)
        let gaps = zeroDensityGaps(prior, qs, cs)
        let rs = cs.map { H(prior, $0, gaps) }
        let hull = lowerHull(qs, rs)
        let scale = max(1, abs(prior.low), abs(prior.high))
        var out: [IronedInterval] = []
        for (a, b) in zip(hull, hull.dropFirst()) where b - a > 1 && qs[b] - qs[a] > 1e-12 {
            let slope = (rs[b] - rs[a]) / (qs[b] - qs[a])
            var depth = 0.0
            // Only points strictly inside in q count: a vertical run (zero-density gap,
            // q constant while c grows) lies above the hull but carries no mass.
            for k in (a + 1)..<b where qs[k] > qs[a] && qs[k] < qs[b] {
                depth = max(depth, rs[k] - (rs[a] + slope * (qs[k] - qs[a])))
            }
            // Rounding of q (≈ ε) moves R by ε·|slope|: a dip shallower than that is noise, which
            // matters in far tails where R′ = φ is huge and neighbouring q differ by 1e-12.
            guard depth > 1e-14 * scale + 16 * Double.ulpOfOne * abs(slope) else { continue }
            // Where the density is below `reliableDensity` of the uniform level on the whole
            // stretch, φ = c + F/f is a ratio of underflowing numbers and an apparent dip is noise
            // (a far tail): no stretch is made there, and `VirtualCost.checkMonotone` skips it too.
            if (a...b).allSatisfy({ prior.pdf(cs[$0]) * (prior.high - prior.low) < reliableDensity }) { continue }
            // A hull dip with φ itself non-decreasing across it (checked densely, φ is computed
            // directly and accurately) is an artefact of q's rounding near 0 or 1, not a stretch.
            if phiIsMonotone(prior, from: cs[a], to: cs[b], including: Array(cs[a...b])) { continue }
            guard let iv = refine(prior, cs: cs, gaps: gaps, a: a, b: b, last: cs.count - 1, coarse: slope) else {
                throw PriorError.invalid(field: path, reason: "ironing failed: the non-convex stretch near [\(cs[a]), \(cs[b])] could not be refined to an exact common tangent")
            }
            out.append(iv)
        }
        return (merged(out), gaps.map { $0.start...$0.end })
    }

    /// Sample points sorted by q (ties by c), deduplicated.
    ///
    /// Uniform in c and in q, plus the prior's knots and `featurePoints`; then refined
    /// adaptively: around every local extremum of φ on the grid (where a non-convexity of R begins
    /// or ends, possibly narrower than the grid) the two neighbouring cells are subdivided 128-fold,
    /// up to 3 rounds, so a narrow dip is located by the hull rather than slipping between points.
    static func grid(_ p: any Prior) -> ([Double], [Double]) {
        var cs = (0...gridPoints).map { p.low + (p.high - p.low) * Double($0) / Double(gridPoints) }
        cs += (1..<quantilePoints).map { p.quantile(Double($0) / Double(quantilePoints)) }
        cs += p.breakpoints + featurePoints(p)
        cs = Array(Set(cs.filter { $0 >= p.low && $0 <= p.high })).sorted()
        for _ in 0..<3 {
            let phi = cs.map { p.virtual($0) }
            var extra: [Double] = []
            // Local extrema of φ on the grid (where it turns from rising to falling or back): a
            // non-convexity of R starts or ends there; resolve both neighbouring cells 64-fold.
            for k in 1..<max(1, cs.count - 1) where phi[k - 1].isFinite && phi[k].isFinite && phi[k + 1].isFinite
                && (phi[k] - phi[k - 1]) * (phi[k + 1] - phi[k]) < 0 {
                let a = cs[k - 1], b = cs[k + 1]
                extra += (1..<128).map { a + (b - a) * Double($0) / 128 }
            }
            if extra.isEmpty || extra.count > 50_000 { break }
            let before = cs.count
            cs = Array(Set(cs + extra)).sorted()
            if cs.count == before { break }
        }
        let qs = cs.map { p.cdf($0) }
        // cdf is non-decreasing in c, so sorting by c sorts by q as well.
        return (qs, cs)
    }

    /// Whether φ is non-decreasing on `points` ∪ 4096 evenly spaced points of [a, b] (where finite).
    static func phiIsMonotone(_ p: any Prior, from a: Double, to b: Double, including points: [Double]) -> Bool {
        let xs = Array(Set(points + (0...4096).map { a + (b - a) * Double($0) / 4096 })).sorted()
        var prev = -Double.infinity
        for x in xs {
            let v = p.virtual(x)
            guard v.isFinite else { continue }
            if v < prev - 1e-12 * max(1, abs(prev)) { return false }
            prev = max(prev, v)
        }
        return true
    }

    /// Points where a prior's shape can change faster than the uniform grids resolve: for a
    /// mixture, each component's own quantiles (a narrow component gets points where its mass is).
    static func featurePoints(_ p: any Prior) -> [Double] {
        if let m = p as? MixturePrior {
            return m.components.flatMap { c in (1..<64).map { c.quantile(Double($0) / 64) } + featurePoints(c) }
        }
        if let r = p as? ReflectedPrior { return featurePoints(r.base).map { -$0 }.reversed() }
        return []
    }

    /// Indices of the lower convex hull of (x, y), x non-decreasing (Andrew's monotone chain).
    static func lowerHull(_ x: [Double], _ y: [Double]) -> [Int] {
        var h: [Int] = []
        for k in x.indices {
            while h.count >= 2 {
                let i = h[h.count - 2], j = h[h.count - 1]
                let cross = (x[j] - x[i]) * (y[k] - y[i]) - (y[j] - y[i]) * (x[k] - x[i])
                if cross <= 0 { h.removeLast() } else { break }
            }
            h.append(k)
        }
        return h
    }

    /// Stretches where the CDF is flat (zero density), as (start, end, F there).
    struct Gap { let start: Double, end: Double, level: Double }

    /// A cell is a gap when the density is exactly zero inside it. A density that is
    /// tiny but positive (a far normal tail) is not a gap: there φ·f = c·f + F still
    /// integrates to a real rise of H, and E[φ] = high counts it.
    static func zeroDensityGaps(_ p: any Prior, _ qs: [Double], _ cs: [Double]) -> [Gap] {
        var out: [Gap] = []
        for k in 1..<cs.count where qs[k] == qs[k - 1] && qs[k] > 0 && qs[k] < 1 && p.pdf((cs[k] + cs[k - 1]) / 2) == 0 {
            if let last = out.last, last.end == cs[k - 1], last.level == qs[k] {
                out[out.count - 1] = Gap(start: last.start, end: cs[k], level: qs[k])
            } else {
                out.append(Gap(start: cs[k - 1], end: cs[k], level: qs[k]))
            }
        }
        return out
    }

    /// H(F(c)) = ∫₀^{F(c)} φ(F⁻¹(t)) dt = c·F(c) − ∫_{lo}^{c} F·𝟙(f = 0).
    /// Equal to R(q) = q·F⁻¹(q) when the density is positive; across a zero-density gap
    /// R jumps (F⁻¹ does) while H, the integral of φ, does not.
    static func H(_ p: any Prior, _ c: Double, _ gaps: [Gap]) -> Double {
        var h = c * p.cdf(c)
        for g in gaps where c > g.start { h -= g.level * (min(c, g.end) - g.start) }
        return h
    }

    /// The exact stretch, or `nil` when the tangent equations cannot be solved (never a coarse guess).
    static func refine(_ p: any Prior, cs: [Double], gaps: [Gap], a: Int, b: Int, last: Int, coarse: Double) -> IronedInterval? {
        let leftFixed = a == 0, rightFixed = b == last
        func R(_ c: Double) -> Double { H(p, c, gaps) }
        let knots = p.breakpoints
        func snap(_ c: Double) -> Double {
            let tol = 1e-12 * max(1, abs(c))
            return knots.first { abs($0 - c) <= tol } ?? c
        }
        /// Root of φ − s bracketed by widening windows of grid points around `idx`.
        func tangent(_ idx: Int, _ s: Double) -> Double? {
            for w in [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] {
                let lo = cs[max(0, idx - w)], hi = cs[min(last, idx + w)]
                let hl = p.virtual(lo) - s, hh = p.virtual(hi) - s
                guard hl.isFinite, hh.isFinite, hl <= 0, hh >= 0 else { continue }
                if let r = try? Root.brent({ p.virtual($0) - s }, low: lo, high: hi) { return r }
            }
            return nil
        }
        func ends(_ s: Double) -> (Double, Double)? {
            guard let c1 = leftFixed ? p.low : tangent(a, s), let c2 = rightFixed ? p.high : tangent(b, s), c1 < c2 else { return nil }
            return (c1, c2)
        }
        func g(_ s: Double) -> Double {
            guard let (c1, c2) = ends(s) else { return .nan }
            return R(c2) - R(c1) - s * (p.cdf(c2) - p.cdf(c1))
        }
        var delta = 1e-7 * max(1, abs(coarse))
        for _ in 0..<30 {
            let gl = g(coarse - delta), gh = g(coarse + delta)
            if gl.isNaN || gh.isNaN { break }
            if gl >= 0 && gh <= 0 {
                guard let s = try? Root.brent(g, low: coarse - delta, high: coarse + delta, epsRel: 1e-15),
                      let (c1, c2) = ends(s) else { return nil }
                // A tangent at a kink of H (a density jump: mixture edge, empirical knot) is the
                // kink itself; Brent lands within an ulp or two of it. Snap to the knot so the knot
                // point belongs to the stretch (φ there is one-sided and would break monotonicity).
                return IronedInterval(low: snap(c1), high: snap(c2), value: s)
            }
            delta *= 2
        }
        return nil
    }

    /// Neighbouring stretches share a hull vertex; their refined ends may cross by
    /// rounding. Clamp such touches; a real overlap keeps the wider stretch.
    static func merged(_ xs: [IronedInterval]) -> [IronedInterval] {
        var out: [IronedInterval] = []
        for iv in xs.sorted(by: { $0.low < $1.low }) {
            guard let last = out.last else { out.append(iv); continue }
            let noise = 1e-9 * max(1, abs(last.high))
            if iv.low > last.high + noise { out.append(iv); continue }
            if abs(last.high - iv.low) <= noise, iv.high > last.high {
                // Touching stretches (a shared hull vertex): make them meet exactly.
                out.append(IronedInterval(low: last.high, high: iv.high, value: iv.value))
            } else if iv.high - iv.low > last.high - last.low {
                out[out.count - 1] = iv
            }
        }
        return out
    }
}
