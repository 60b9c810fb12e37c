import LabNumerics

/// A maximal stretch `[low, high]` on which the ironed virtual cost is the constant `value`.
public struct IronedInterval: Sendable, Equatable, Hashable {
    /// The stretch's ends (low < high) and the constant ironed virtual cost on it.
    public let low: Double, high: Double, value: Double
    /// A stretch [low, high] on which φ̄ equals `value`.
    public init(low: Double, high: Double, value: Double) { self.low = low; self.high = high; self.value = value }
}

/// Ironing on the cost side (Myerson 1981 §6), written once and mirrored for values.
///
/// In quantile space R(q) = q·F⁻¹(q), and φ(F⁻¹(q)) = R′(q) wherever the density is positive.
/// The ironed virtual cost φ̄ is the derivative of the lower convex envelope of R on [0, 1],
/// **with R's jumps**: across a zero-density gap [g₀, g₁) the generalised inverse F⁻¹ jumps
/// from g₀ to g₁, so R jumps up by F(g₀)·(g₁ − g₀). That jump is the rent every type below
/// the gap is paid; the envelope bridges it with a chord, which pools the types above the
/// gap (and possibly some below). Hulling ∫φ dq instead — continuous across the gap — misses
/// the jump: still truthful, but not payment-minimising.
///
/// The envelope is computed on the curve c ↦ (F(c), c·F(c)), c ∈ support. A gap is then a
/// vertical run of that curve (q constant, R rising), whose lowest point (g₀) is the one the
/// envelope can touch: exactly R with its jump.
///
/// 1. *Locate.* The curve is sampled densely (uniform in c and in q, the support's ends, every
///    breakpoint and gap edge exactly, each mixture component's quantiles, refined where φ turns);
///    its lower hull (monotone chain) gives candidate stretches. Differences of q and R are
///    taken from the survival function in the upper half (q near 1 loses every digit of a tiny
///    upper tail; 1 − F does not), and each turn of the hull is measured between neighbouring
///    points, so tails carrying 1e-12 of the mass and points a few ulps apart still resolve.
/// 2. *Refine.* Each candidate is tracked by its deepest sample; the cells next to both ends of
///    its hull edge are subdivided 64-fold and the hull recomputed until the cells are adjacent
///    doubles, so the chord's slope converges to the common tangent's (its error is second order
///    in the ends' distance from the true contacts).
/// 3. *Place the ends.* Each end is put where φ crosses the slope (a tangency, a density jump or
///    a gap edge) by bisection on the doubles near the hull vertex, so φ̄ cannot fall across it;
///    a chord that then misses R at an end is re-sampled there (a dip between samples).
/// 4. *Flat means equal.* Every point of a stretch returns the same stored slope, so
///    allocation ties on it are exact ties.
///
/// None of this throws; `VirtualCost` still checks the result for monotonicity and would refuse a
/// prior that failed. None does in the envelope tests' 1,000 random mixtures (2–4 components of
/// every kind, weights down to 1e-12, gaps, far tails, both sides; AUCTIONLAB_FULL_ENVELOPE=1).
/// Two details carry that: a knot where φ jumps down gets points at geometrically shrinking
/// distances on both sides (its non-convexity can be narrower than any grid cell), and a
/// stretch end never stops short of its hull vertex where the chord would miss R (see `Curve.stretch`).
enum CostSideIroning {
    static let gridPoints = 2048
    static let quantilePoints = 256

    /// Ironed intervals and zero-density gaps (as closed ranges) of a prior. Never fails.
    static func analyse(_ prior: any Prior) -> (intervals: [IronedInterval], gaps: [ClosedRange<Double>]) {
        if knownMonotone(prior) { return ([], []) }
        var curve = Curve(prior)
        // Candidate stretches: hull edges over more than one sample that hide a real non-convexity,
        // each remembered by its core — the sample lying deepest above the edge's chord, which
        // every refinement of the hull keeps strictly inside the same stretch.
        var hull = curve.lowerHull()
        let cores: [Double] = hull.indices.dropLast().compactMap { k in
            let a = hull[k], b = hull[k + 1]
            guard b - a > 1, curve.needsIroning(a, b) else { return nil }
            let s = curve.chordSlope(a, b)
            let deepest = ((a + 1)..<b).max { i, j in
                curve.depth(i, from: a, slope: s) < curve.depth(j, from: a, slope: s)
            }
            return deepest.map { curve.c[$0] }
        }
        if cores.isEmpty { return ([], curve.gaps.map { $0.start...$0.end }) }
        /// The hull edge holding each core, without repeats (two cores can end up on one chord).
        func stretchEdges() -> [(Int, Int)] {
            var out: [(Int, Int)] = []
            for core in cores {
                var lo = 0, hi = hull.count - 1
                while hi - lo > 1 { let m = (lo + hi) / 2; if curve.c[hull[m]] < core { lo = m } else { hi = m } }
                // Neighbouring edges on the same line (a vertex that rounding put a hair below a
                // straight chord, e.g. next to the top after a gap) belong to the same stretch.
                func slope(_ k: Int) -> Double { curve.chordSlope(hull[k], hull[k + 1]) }
                let s0 = slope(lo)
                func same(_ k: Int) -> Bool { abs(slope(k) - s0) <= 1e-10 * max(1, abs(s0)) }
                var first = lo, end = hi
                while first > 0 && same(first - 1) { first -= 1 }
                while end < hull.count - 1 && same(end) { end += 1 }
                let edge = (hull[first], hull[end])
                if out.last.map({ $0 != edge }) ?? true { out.append(edge) }
            }
            return out
        }
        // Refine: the cells next to both ends of every stretch are subdivided 64-fold and the hull
        // recomputed. Each round narrows the cell holding a true contact point 64-fold, until the
        // cells are adjacent doubles.
        func refineHull() {
            for _ in 0..<12 {
                var extra: [Double] = []
                for (a, b) in stretchEdges() {
                    // A support end needs no refining: it is the contact whatever the slope.
                    for v in [a, b] where v != 0 && v != curve.last {
                        for (x0, x1) in [(curve.c[max(0, v - 1)], curve.c[v]), (curve.c[v], curve.c[min(curve.last, v + 1)])] where x0 < x1 {
                            extra += (1..<64).map { x0 + (x1 - x0) * Double($0) / 64 }.filter { $0 > x0 && $0 < x1 }
                        }
                    }
                }
                guard curve.insert(extra) else { break }
                hull = curve.lowerHull()
            }
        }
        // Certify: each stretch's chord must touch the curve at both of its final ends. Where it
        // does not, R dips below the chord between two samples (a dip the sample missed): the
        // ends are added to the sample and the hull refined again.
        var out: [IronedInterval] = []
        for _ in 0..<4 {
            refineHull()
            out = stretchEdges().map { curve.stretch(a: $0.0, b: $0.1) }
            let missed = out.flatMap { iv -> [Double] in
                let p1 = curve.point(at: iv.low), p2 = curve.point(at: iv.high)
                let gap = Curve.dR(p1, p2) - iv.value * Curve.dq(p1, p2)
                let rise = (abs(iv.value) + abs(iv.low) + abs(iv.high)) * Curve.dq(p1, p2)
                return abs(gap) <= 1e-12 * rise ? [] : [iv.low, iv.high]
            }
            guard !missed.isEmpty, curve.insert(missed) else { break }
            hull = curve.lowerHull()
        }
        let gaps = curve.gaps
        return (out, gaps.map { $0.start...$0.end })
    }

    /// Families whose φ is provably increasing on both sides, so that the envelope is R itself and
    /// `analyse` and `VirtualCost.checkMonotone` skip the sampling, hull and grid check (the fast
    /// path; a truncated normal is then as cheap to build as a uniform).
    ///
    /// **Theorem** (Bagnoli & Bergstrom 2005, Thms 1–3; Prékopa 1973). If the density f is
    /// log-concave on its support [low, high], then F and 1 − F are log-concave there. Hence
    /// f/F = (log F)′ is non-increasing, so F/f is non-decreasing and the cost-side
    /// φ(c) = c + F(c)/f(c) is strictly increasing (the sum of c and a non-decreasing term);
    /// and −f/(1 − F) = (log(1 − F))′ is non-increasing, so (1 − F)/f is non-increasing and the
    /// value-side φ(v) = v − (1 − F(v))/f(v) is strictly increasing. A strictly increasing φ
    /// makes R(q) = q·F⁻¹(q) convex (R′ = φ∘F⁻¹), so its lower convex envelope is R and φ̄ = φ:
    /// there is nothing to iron, exactly, not approximately.
    ///
    /// Which kinds qualify. Uniform (log f constant), normal (log f = −z²/2 + const, concave)
    /// and exponential (log f = log λ − λx, linear) on the whole line. Truncating to an interval
    /// multiplies f by the indicator of [low, high] (log-concave) and divides by a constant, so a
    /// truncated normal or exponential is log-concave **wherever** it is cut, deep in a tail
    /// included. Beta(α, β) with α, β ≥ 1 ((α−1)·log u + (β−1)·log(1−u), concave). Not the
    /// lognormal (log f = −(log x − μ)²/(2σ²) − log x is convex for large x), a Beta with a
    /// shape below 1, an empirical ogive, nor any mixture: a mixture of log-concave densities is
    /// not log-concave in general (`PriorZoo`'s `ironing-mixture`, two uniforms, needs ironing).
    /// The envelope tests check the fast path against the full computation for these kinds.
    static func knownMonotone(_ prior: any Prior) -> Bool {
        switch prior {
        case is UniformPrior, is Truncated<NormalBase>, is Truncated<ExponentialBase>: return true
        case let b as ScaledBetaPrior: return b.alpha >= 1 && b.beta >= 1
        case let r as ReflectedPrior: return knownMonotone(r.base)
        default: return false
        }
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

    /// Stretches where the CDF is flat (zero density), as (start, end, F there).
    struct Gap { let start: Double, end: Double, level: Double }
}

/// The sampled curve c ↦ (F(c), c·F(c)) of one prior, with accurate differences.
struct Curve {
    let prior: any Prior
    /// Sample points, increasing; `q` = F(c), `u` = 1 − F(c) from the survival function.
    var c: [Double] = [], q: [Double] = [], u: [Double] = []
    var gaps: [CostSideIroning.Gap] = []

    init(_ p: any Prior) {
        prior = p
        var cs = (0...CostSideIroning.gridPoints).map { p.low + (p.high - p.low) * Double($0) / Double(CostSideIroning.gridPoints) }
        cs += (1..<CostSideIroning.quantilePoints).map { p.quantile(Double($0) / Double(CostSideIroning.quantilePoints)) }
        // The ends exactly (the uniform grid's last point can round an ulp short of `high`).
        cs += [p.low, p.high] + p.breakpoints + CostSideIroning.featurePoints(p)
        cs = Array(Set(cs.filter { $0 >= p.low && $0 <= p.high && $0.isFinite })).sorted()
        // A knot where φ jumps down (the density jumps up: an empirical sample, a component's
        // edge) is a concave kink of R. Its non-convexity can be far narrower than a grid cell
        // and shallower than the curvature the cells see, and φ at the knot itself shows only one
        // side, so points are added at geometrically shrinking distances on both sides: some pair
        // of them then straddles the kink at its own scale, whatever that is.
        let width = p.high - p.low
        var kinks: [Double] = []
        for k in p.breakpoints where k > p.low && k < p.high {
            let left = p.virtual(k.nextDown), right = p.virtual(k.nextUp)
            if left.isFinite && right.isFinite && right < left - 1e-12 * max(1, abs(left)) {
                kinks += (1...40).flatMap { j -> [Double] in
                    let d = width * 0x1p-4 * Double(sign: .plus, exponent: -j, significand: 1)
                    return [k - d, k + d]
                }
                kinks += [k.nextDown, k.nextUp]
            }
        }
        if !kinks.isEmpty { cs = Array(Set(cs + kinks.filter { $0 > p.low && $0 < p.high })).sorted() }
        // Local extrema of φ on the grid (where a non-convexity of R starts or ends, possibly
        // narrower than a cell): both neighbouring cells are subdivided 32-fold, up to 3 rounds.
        for _ in 0..<3 {
            let phi = cs.map { p.virtual($0) }
            var extra: [Double] = []
            for k in 1..<max(1, cs.count - 1) where phi[k - 1].isFinite && phi[k].isFinite && phi[k + 1].isFinite
                && (phi[k] - phi[k - 1]) * (phi[k + 1] - phi[k]) < 0 {
                let a = cs[k - 1], b = cs[k + 1]
                extra += (1..<32).map { a + (b - a) * Double($0) / 32 }
            }
            if extra.isEmpty || extra.count > 20_000 { break }
            let before = cs.count
            cs = Array(Set(cs + extra)).sorted()
            if cs.count == before { break }
        }
        for x in cs {
            let F = p.cdf(x), S = p.survival(x)
            // Interior points the arithmetic cannot tell from an end (F = 0 or 1 − F = 0 in
            // double) carry no mass anyone could bid with; keeping them would put a vertical
            // run at q = 0 or 1 and hide the ends' true R (0 and `high`).
            if (F <= 0 && x != p.low) || (S <= 0 && x != p.high) { continue }
            c.append(x); q.append(x == p.low ? 0 : F); u.append(x == p.high ? 0 : S)
        }
        enforceMonotone()
        // Zero-density gaps: consecutive samples at the same F with no density between them.
        for k in 1..<c.count where q[k] == q[k - 1] && u[k] == u[k - 1] && p.pdf((c[k] + c[k - 1]) / 2) == 0 {
            if let last = gaps.last, last.end == c[k - 1] {
                gaps[gaps.count - 1] = .init(start: last.start, end: c[k], level: q[k])
            } else {
                gaps.append(.init(start: c[k - 1], end: c[k], level: q[k]))
            }
        }
    }

    var last: Int { c.count - 1 }

    // MARK: Accurate differences

    /// F(c_j) − F(c_i) for two points (c, q, u): from q in the lower half, from u in the upper.
    static func dq(_ ci: (Double, Double, Double), _ cj: (Double, Double, Double)) -> Double {
        ci.1 + cj.1 <= 1 ? cj.1 - ci.1 : ci.2 - cj.2
    }
    /// R(c_j) − R(c_i), R = c·F(c) = c − c·(1 − F): the second form in the upper half.
    static func dR(_ ci: (Double, Double, Double), _ cj: (Double, Double, Double)) -> Double {
        ci.1 + cj.1 <= 1 ? cj.0 * cj.1 - ci.0 * ci.1 : (cj.0 - ci.0) - (cj.0 * cj.2 - ci.0 * ci.2)
    }
    func point(_ k: Int) -> (Double, Double, Double) { (c[k], q[k], u[k]) }
    /// The slope of the chord between samples a and b, in accurate differences.
    func chordSlope(_ a: Int, _ b: Int) -> Double { Curve.dR(point(a), point(b)) / Curve.dq(point(a), point(b)) }
    func point(at x: Double) -> (Double, Double, Double) {
        (x, x <= prior.low ? 0 : prior.cdf(x), x >= prior.high ? 0 : prior.survival(x))
    }

    /// Indices of the lower convex hull of the points (q, R), q non-decreasing (Andrew's monotone
    /// chain). In a vertical run (a gap) only the lowest point survives.
    func lowerHull() -> [Int] {
        var h: [Int] = []
        for k in c.indices {
            while h.count >= 2 {
                let i = point(h[h.count - 2]), j = point(h[h.count - 1]), n = point(k)
                // (j − i) × (n − j), equal to (j − i) × (n − i) but with n − j taken between the
                // two nearby points: refinement puts points a few ulps apart, whose differences
                // from a distant i would be lost in that difference's rounding.
                let cross = Curve.dq(i, j) * Curve.dR(j, n) - Curve.dR(i, j) * Curve.dq(j, n)
                if cross <= 0 { h.removeLast() } else { break }
            }
            h.append(k)
        }
        return h
    }

    /// How far sample k lies above the line of slope s through sample a (accurate differences).
    func depth(_ k: Int, from a: Int, slope s: Double) -> Double {
        Curve.dR(point(a), point(k)) - s * Curve.dq(point(a), point(k))
    }

    /// Whether the hull edge (a, b) hides a real non-convexity: a gap inside it, or φ falling
    /// somewhere on a dense set of [c_a, c_b] (points strictly above a chord with φ rising
    /// everywhere are the rounding of q, not a stretch).
    func needsIroning(_ a: Int, _ b: Int) -> Bool {
        if gaps.contains(where: { $0.start >= c[a] && $0.end <= c[b] }) { return true }
        let lo = c[a], hi = c[b]
        let xs = Array(Set(c[a...b] + (0...1024).map { lo + (hi - lo) * Double($0) / 1024 })).sorted()
        var prev = -Double.infinity
        for x in xs {
            let v = prior.virtual(x)
            guard v.isFinite else { continue }
            if v < prev - 1e-12 * max(1, abs(prev)) { return true }
            prev = max(prev, v)
        }
        return false
    }

    // MARK: Refinement

    /// Adds sample points (any order, duplicates ignored); `false` if none was new.
    mutating func insert(_ xs: [Double]) -> Bool {
        let fresh = Set(xs).subtracting(c).filter { $0 > prior.low && $0 < prior.high }
        guard !fresh.isEmpty else { return false }
        var merged: [(Double, Double, Double)] = zip(c, zip(q, u)).map { ($0, $1.0, $1.1) }
        for x in fresh {
            let F = prior.cdf(x), S = prior.survival(x)
            if F <= 0 || S <= 0 { continue }
            merged.append((x, F, S))
        }
        merged.sort { $0.0 < $1.0 }
        c = merged.map(\.0); q = merged.map(\.1); u = merged.map(\.2)
        enforceMonotone()
        return true
    }

    /// F is non-decreasing and 1 − F non-increasing, but a kind's formulas can round an ulp the
    /// wrong way across a knot (two linear pieces of an empirical CDF evaluated on either side).
    /// Points a few ulps apart then give chords of any slope and corrupt the hull, so the
    /// sampled values are made monotone (a change of at most those ulps).
    mutating func enforceMonotone() {
        for k in q.indices.dropFirst() {
            if q[k] < q[k - 1] { q[k] = q[k - 1] }
            if u[k] > u[k - 1] { u[k] = u[k - 1] }
        }
    }

    /// The stretch of the hull edge (a, b) at its chord's slope s.
    ///
    /// After refinement the chord's slope is accurate to rounding (its error is second order in
    /// the distance of the vertices from the true contact points), but the vertices themselves
    /// are not: near a tangency the curve is within rounding of the chord over a stretch of about
    /// √ε. So each end is placed where φ crosses s — a well-conditioned root, or a density jump —
    /// by bisection on the doubles, searching cells outward from the vertex: the left end is the
    /// first double with φ ≥ s, the right end the last with φ < s, so φ̄ cannot fall across either
    /// end. Where φ never crosses s on that side, the stretch runs to the support's end (φ stays
    /// below s up to the top, as above a gap) or stops at the vertex (a gap edge).
    func stretch(a: Int, b: Int) -> IronedInterval {
        let s = chordSlope(a, b)
        func psi(_ x: Double) -> Double { prior.virtual(x) - s }
        func bisect(_ x0: Double, _ x1: Double, left: Bool) -> Double {
            var lo = OrderedDouble.key(x0), hi = OrderedDouble.key(x1)
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2
                if psi(OrderedDouble.value(mid)) >= 0 { hi = mid } else { lo = mid }
            }
            return OrderedDouble.value(left ? hi : lo)
        }
        /// The nearest sample cell to vertex v where φ − s turns from negative to non-negative,
        /// cell by cell within `reach` of v — about how far a hull vertex can sit from a
        /// tangency (√ε of the support); refinement made the cells next to v small. Without a
        /// crossing there the vertex itself is the end (a density jump or a gap edge).
        let reach = 1e-6 * (c[last] - c[0])
        func crossing(from v: Int, left: Bool) -> Double {
            if psi(c[v]) < 0 {
                for j in (v + 1)..<(last + 1) {
                    if c[j] - c[v] > reach { break }
                    if psi(c[j]) >= 0 { return bisect(c[j - 1], c[j], left: left) }
                }
                return c[v]
            }
            for j in stride(from: v - 1, through: 0, by: -1) {
                if c[v] - c[j] > reach { break }
                if psi(c[j]) < 0 { return bisect(c[j], c[j + 1], left: left) }
            }
            return c[v]
        }
        // Each end is its φ-crossing, except where the crossing lies inside the vertex (the stretch
        // would shrink) and the chord misses R there: then the vertex, which is on the chord by
        // construction (the slope is the chord's). That happens where a density is infinite at a
        // component's end: F gains 1e-6 within the last double, where φ is +∞, so the crossing lands
        // one double short of the contact. A crossing outside the vertex is always kept: it is the
        // contact that rounding of R hid from the hull (in far tails R resolves the contact only to
        // ~1e-9 of φ), and at a smooth tangency the crossing is exact where the vertex is √ε off.
        // "Misses" is beyond 1e-9 of the chord's rise, the accuracy R itself has in far tails.
        func end(_ x: Double, vertex v: Int, outside: Bool) -> Double {
            if outside || x == c[v] { return x }
            let pv = point(v), px = point(at: x)
            let (lo, hi) = x < pv.0 ? (px, pv) : (pv, px)
            let off = Curve.dR(lo, hi) - s * Curve.dq(lo, hi)
            let rise = (abs(s) + abs(c[a]) + abs(c[b])) * Curve.dq(point(a), point(b))
            return abs(off) <= 1e-9 * rise ? x : c[v]
        }
        let crossA = crossing(from: a, left: true), crossB = crossing(from: b, left: false)
        var lowEnd = a == 0 && psi(c[0]) >= 0 ? c[0] : end(crossA, vertex: a, outside: crossA <= c[a])
        var highEnd = b == last && psi(c[last]) < 0 ? c[last] : end(crossB, vertex: b, outside: crossB >= c[b])
        // Where φ stays on the stretch's side of s all the way to a support end, the stretch runs
        // there (a vertex a few ulps from the end must not leave the end itself outside).
        if !c.contains(where: { $0 > highEnd && psi($0) >= 0 }) { highEnd = c[last] }
        if !c.contains(where: { $0 < lowEnd && psi($0) < 0 }) { lowEnd = c[0] }
        return IronedInterval(low: min(lowEnd, highEnd), high: max(lowEnd, highEnd), value: s)
    }
}
