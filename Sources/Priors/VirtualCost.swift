import LabNumerics

/// φ and ironed φ̄ of one prior on one side of the market, with the ironed
/// intervals computed once at construction (value type, `Sendable`).
///
/// Cost side: φ(c) = c + F(c)/f(c); value side: φ(v) = v − (1 − F(v))/f(v).
/// φ̄ is non-decreasing on either side, equals φ outside `intervals`, and is
/// exactly constant (one stored `Double`) inside each interval.
public struct VirtualCost: Sendable {
    public let prior: any Prior
    public let side: Side
    public let intervals: [IronedInterval]
    /// Stretches inside the support where the density is zero. No type lies there, so a
    /// bid there is rejected; for the payment integral φ̄ is extended across each gap by
    /// its value at the gap's right end (any non-decreasing extension keeps DSIC).
    public let gaps: [ClosedRange<Double>]

    public init(prior: any Prior, side: Side = .cost) {
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
    }

    public init(spec: PriorSpec, side: Side = .cost, path: String = "prior") throws {
        self.init(prior: try spec.make(path: path), side: side)
    }

    public var support: ClosedRange<Double> { prior.support }

    /// Unironed φ(x).
    public func virtual(_ x: Double) -> Double { prior.virtual(x, side: side) }

    /// Ironed φ̄(x).
    public func ironed(_ x: Double) -> Double {
        for iv in intervals where x >= iv.low && x <= iv.high { return iv.value }
        for g in gaps where x > g.lowerBound && x < g.upperBound { return ironed(g.upperBound) }
        return virtual(x)
    }

    /// φ̄(x) after checking that x is a valid report: inside the support and at a
    /// point of positive density. `field` names the input in the error.
    public func checkedIroned(_ x: Double, field: String) throws -> Double {
        guard x.isFinite else { throw PriorError.invalid(field: field, reason: "must be a finite number (got \(x))") }
        guard prior.support.contains(x) else {
            throw PriorError.outsideSupport(field: field, value: x, low: prior.low, high: prior.high)
        }
        guard prior.pdf(x) > 0 else { throw PriorError.zeroDensity(field: field, value: x) }
        let v = ironed(x)
        guard v.isFinite else { throw PriorError.zeroDensity(field: field, value: x) }
        return v
    }

    /// Generalised inverse of φ̄ on the support: the smallest z with φ̄(z) ≥ p,
    /// `low` if φ̄(low) ≥ p, and `nil` if φ̄ < p on the whole support.
    /// Used to turn breakpoints in virtual price into breakpoints in bid (SPEC §3).
    public func inverseIroned(_ p: Double) -> Double? {
        let lo = prior.low, hi = prior.high
        if ironed(lo) >= p { return lo }
        if ironed(hi) < p { return nil }
        for iv in intervals where iv.value == p { return iv.low }
        // Zero-density gaps make φ infinite; clamp so Brent sees finite values.
        let big = 1e300
        let h: (Double) -> Double = { z in
            let v = self.ironed(z)
            return v.isFinite ? v - p : (v > 0 ? big : -big)
        }
        return (try? Root.brent(h, low: lo, high: hi, epsRel: 1e-15)) ?? hi
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
