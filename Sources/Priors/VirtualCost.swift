import LabNumerics
import LabIO

/// φ and ironed φ̄ of one prior on one side of the market, with the ironed
/// intervals computed once at construction (value type, `Sendable`).
///
/// Cost side: φ(c) = c + F(c)/f(c); value side: φ(v) = v − (1 − F(v))/f(v).
/// φ̄ is non-decreasing on either side, equals φ outside `intervals`, and is
/// exactly constant (one stored `Double`) inside each interval.
public struct VirtualCost: Sendable {
    /// The prior F.
    public let prior: any Prior
    /// Cost side (procurement, φ = c + F/f) or value side (φ = v − (1−F)/f).
    public let side: Side
    /// The ironed stretches, where φ̄ is flat, in increasing order.
    public let intervals: [IronedInterval]
    /// Stretches inside the support where the density is zero. No type lies there, so a
    /// bid there is rejected; for the payment integral φ̄ is extended across each gap by
    /// its value at the gap's right end (any non-decreasing extension keeps DSIC).
    public let gaps: [ClosedRange<Double>]

    /// Irons `prior` (the lower convex envelope of R(q) = q·F⁻¹(q) with its jumps, see
    /// `CostSideIroning`) and checks the result: φ̄ must be non-decreasing on a dense grid that
    /// includes every knot, stretch end and gap edge. The envelope computation itself cannot
    /// fail on a valid prior; the check throws a `FieldError` naming `path` only if the
    /// arithmetic could not resolve the prior (never a silent non-monotone φ̄).
    public init(prior: any Prior, side: Side = .cost, path: String = "prior") throws {
        self.prior = prior
        self.side = side
        switch side {
        case .cost:
            (intervals, gaps) = CostSideIroning.analyse(prior)
        case .value:
            let r = CostSideIroning.analyse(ReflectedPrior(base: prior))
            intervals = r.intervals.map { IronedInterval(low: -$0.high, high: -$0.low, value: -$0.value) }.reversed()
            gaps = r.gaps.map { (-$0.upperBound)...(-$0.lowerBound) }.reversed()
        }
        try checkMonotone(path: path)
    }

    /// The curve of the prior `spec` describes; errors name `path`.
    public init(spec: PriorSpec, side: Side = .cost, path: String = "prior") throws {
        try self.init(prior: try spec.make(path: path), side: side, path: path)
    }

    /// φ̄ must be non-decreasing before anything uses it (allocation monotonicity rests on it).
    /// Checked on the ironing grid, the prior's knots and both sides of every stretch end.
    func checkMonotone(path: String) throws {
        if CostSideIroning.knownMonotone(prior) { return }  // log-concave density: φ monotone, proved
        let lo = prior.low, hi = prior.high
        var xs = (0...4096).map { lo + (hi - lo) * Double($0) / 4096 }
        xs += prior.breakpoints + CostSideIroning.featurePoints(prior)
        for iv in intervals { xs += [iv.low, iv.high, iv.low.nextDown, iv.high.nextUp] }
        for g in gaps { xs += [g.lowerBound, g.upperBound, g.lowerBound.nextDown, g.upperBound.nextDown] }
        xs = Array(Set(xs.filter { $0 >= lo && $0 <= hi })).sorted()
        var prev = -Double.infinity, prevX = lo
        for x in xs {
            // Points with no density are not types: skipped unless inside a gap, where φ̄ is the
            // gap's extension. Tiny but positive densities (a component of weight 1e-12) are types.
            if prior.pdf(x) == 0 && !gaps.contains(where: { x >= $0.lowerBound && x < $0.upperBound }) { continue }
            let v = ironed(x)
            guard !v.isNaN else {
                throw FieldError(field: path, reason: "its ironed virtual cost is undefined (NaN) at \(x)")
            }
            // Values on either side of a refined stretch end agree to rounding of φ itself.
            if v < prev - 1e-9 * max(1, abs(prev)) {
                throw FieldError(field: path, reason: "ironing failed: φ̄ decreases from \(prev) at \(prevX) to \(v) at \(x)")
            }
            if v > prev || !prev.isFinite { prev = v; prevX = x }
        }
    }

    /// The prior's support [low, high].
    public var support: ClosedRange<Double> { prior.support }

    /// Unironed φ(x).
    public func virtual(_ x: Double) -> Double { prior.virtual(x, side: side) }

    /// Ironed φ̄(x).
    ///
    /// Inside a zero-density gap [g.low, g.high) (half-open: the density is zero from the top of the
    /// component below up to the bottom of the one above, see `MixturePrior`) φ̄ is extended by its
    /// value at the gap's top, so φ̄ stays finite and non-decreasing across the gap.
    ///
    /// At an isolated zero-density point (the bottom edge of a Beta with α > 1, the top of a mixture
    /// component whose neighbour's density has underflowed) φ̄ takes its one-sided value.
    public func ironed(_ x: Double) -> Double {
        for iv in intervals where x >= iv.low && x <= iv.high { return iv.value }
        for g in gaps where x >= g.lowerBound && x < g.upperBound { return ironed(g.upperBound) }
        var z = x, v = virtual(x)
        // 0/0 where no mass lies beyond the point (a density vanishing at the bottom edge on the cost
        // side, the top on the value side): F/f (resp. (1−F)/f) → 0, so φ = x there.
        if !v.isFinite && prior.pdf(x) == 0 && (side == .cost ? prior.cdf(x) == 0 : prior.survival(x) == 0) { return x }
        // Zero density at a single interior point (a component's top where the neighbour's density
        // has underflowed): take the value next to it, towards the side where φ stays finite (up on
        // the cost side, down on the value side); the top (cost) / bottom (value) edge keeps its
        // infinite value.
        for _ in 0..<4 where !v.isFinite {
            switch side {
            case .cost: guard z < prior.high else { return v }; z = z.nextUp
            case .value: guard z > prior.low else { return v }; z = z.nextDown
            }
            v = virtual(z)
        }
        return v
    }

    /// φ̄(x) after checking that x is a valid report: inside the support and at a
    /// point of positive density. `field` names the input in the error.
    public func checkedIroned(_ x: Double, field: String) throws -> Double {
        guard x.isFinite else { throw FieldError(field: field, reason: "must be a finite number (got \(x))") }
        guard prior.support.contains(x) else {
            throw FieldError(field: field, reason: "= \(x) is outside the prior's support [\(prior.low), \(prior.high)]")
        }
        let zeroDensity = FieldError(field: field, reason: "= \(x): the prior's density is zero there, so its virtual cost is undefined")
        guard prior.pdf(x) > 0 else { throw zeroDensity }
        let v = ironed(x)
        guard v.isFinite else { throw zeroDensity }
        return v
    }

    /// Generalised inverse of φ̄ on the support: the smallest z with φ̄(z) ≥ p,
    /// `low` if φ̄(low) ≥ p, and `nil` if φ̄ < p on the whole support.
    /// Used to turn breakpoints in virtual price into breakpoints in bid (the Payments article).
    public func inverseIroned(_ p: Double) -> Double? { bidStretch(p)?.low }

    /// The bids whose ironed price is exactly `p`, as [smallest z with φ̄(z) ≥ p, largest z with
    /// φ̄(z) ≤ p] ∩ support (a single point where φ̄ is strictly increasing; a whole ironed
    /// stretch or zero-density gap where it is flat at p). `nil` when φ̄ < p everywhere.
    ///
    /// This is what turns a breakpoint in price into one in bid (the Payments article): on a stretch the
    /// allocation at price p holds for every bid of the stretch, so an agent that wins the tie
    /// at p keeps its work up to `high`, one that loses it only up to `low` (STAR, issue 13).
    ///
    /// Exact: stored stretch ends are returned as stored; elsewhere bisection on the monotone φ̄
    /// runs until the bracket is two adjacent doubles. Complexity O(64) evaluations of φ̄.
    public func bidStretch(_ p: Double) -> (low: Double, high: Double)? {
        guard ironed(prior.high) >= p else { return nil }  // +∞ at a zero-density top counts as ≥ p
        let low = firstAtLeast(p)
        let high = lastAtMost(p) ?? low
        return (low, max(low, high))
    }

    /// Smallest z in the support with φ̄(z) ≥ p (the support's top if none).
    func firstAtLeast(_ p: Double) -> Double {
        let lo = prior.low
        if ironed(lo) >= p { return lo }
        for iv in intervals where iv.value >= p && iv.low > lo && ironed(iv.low.nextDown) < p { return iv.low }
        let below = { (z: Double) in self.ironed(z) < p }
        return (walkedBoundary(p, below) ?? boundary(below)).firstFalse
    }

    /// Largest z in the support with φ̄(z) ≤ p (`nil` if φ̄(low) > p).
    func lastAtMost(_ p: Double) -> Double? {
        let lo = prior.low, hi = prior.high
        if ironed(lo) > p { return nil }
        if ironed(hi) <= p { return hi }
        for iv in intervals where iv.value <= p && iv.high < hi && ironed(iv.high.nextUp) > p { return iv.high }
        let atMost = { (z: Double) in self.ironed(z) <= p }
        return (walkedBoundary(p, atMost) ?? boundary(atMost)).lastTrue
    }

    /// `boundary(holds)` found by walking ulps from the prior's closed-form φ⁻¹(p)
    /// (`Prior.virtualInverseGuess`), or nil: no guess, a stretch or gap to respect, the walk
    /// leaving the support, or more than 64 steps (the caller then bisects).
    /// Why it returns the same pair as `boundary`: the kinds that offer a guess have a computed
    /// φ that is non-decreasing over the doubles, so `holds` switches exactly once, at the one
    /// pair of adjacent doubles both searches stop at. Why: the bid stream's payments turn
    /// every price breakpoint into a bid with two of these searches; bisection took ~60
    /// evaluations of φ̄ each, the walk ~2 (S2 profiles: 18 % of the stream's CPU was here).
    func walkedBoundary(_ p: Double, _ holds: (Double) -> Bool) -> (lastTrue: Double, firstFalse: Double)? {
        guard intervals.isEmpty, gaps.isEmpty, let guess = prior.virtualInverseGuess(p, side: side), guess.isFinite else { return nil }
        let lo = prior.low, hi = prior.high
        var z = min(hi, max(lo, guess))
        if holds(z) {
            for _ in 0..<64 {
                let up = z.nextUp
                guard up <= hi else { return nil }
                if !holds(up) { return (z, up) }
                z = up
            }
        } else {
            for _ in 0..<64 {
                let down = z.nextDown
                guard down >= lo else { return nil }
                if holds(down) { return (down, z) }
                z = down
            }
        }
        return nil
    }

    /// Where a predicate that is true on [low, t) and false on [t, high] (φ̄ is monotone) switches:
    /// bisection until the bracket is two adjacent doubles (≤ ~2100 halvings on any support).
    func boundary(_ holds: (Double) -> Bool) -> (lastTrue: Double, firstFalse: Double) {
        var a = prior.low, b = prior.high
        for _ in 0..<2100 {
            let m = a + (b - a) / 2
            if m <= a || m >= b { break }
            if holds(m) { a = m } else { b = m }
        }
        return (a, b)
    }

    /// E[φ(X)] by GSL adaptive quadrature (QAGP split at the prior's breakpoints).
    /// Equals `high` on the cost side and `low` on the value side (a sanity identity).
    public func expectedVirtual() throws -> Double {
        let p = prior
        // φ·f = x·f + F (cost) or x·f − (1 − F) (value): finite even where f → 0.
        let integrand: (Double) -> Double = side == .cost
            ? { x in x * p.pdf(x) + p.cdf(x) }
            : { x in x * p.pdf(x) - (1 - p.cdf(x)) }
        return try Integrate.integral(integrand, from: p.low, to: p.high, breakpoints: p.breakpoints, epsRel: 1e-12).value
    }
}
