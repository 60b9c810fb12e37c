import LabNumerics
import LabIO

/// Which side of the market a prior describes.
/// `cost`: procurement (STAR), φ(c) = c + F(c)/f(c), ironed by the lower convex envelope.
/// `value`: selling, φ(v) = v − (1−F(v))/f(v), ironed by the upper concave envelope.
public enum Side: String, Sendable, Codable, CaseIterable {
    /// `cost`: procurement, the side STAR uses; `value`: selling.
    case cost, value
}

/// A continuous distribution on a bounded support `[low, high]`.
///
/// Unbounded families (normal, lognormal, exponential) are always *truncated
/// explicitly* to a user-given `[low, high]`: an auction needs a top of support
/// (the reserve in STAR's payment, TheModel.md).
public protocol Prior: Sendable {
    /// `[low, high]`, with `low < high`.
    var support: ClosedRange<Double> { get }
    /// Points inside the support where the density may jump (component edges of a
    /// mixture, knots of an empirical CDF); integration and ironing split there.
    var breakpoints: [Double] { get }
    /// Density f(x) ≥ 0; 0 outside the support.
    func pdf(_ x: Double) -> Double
    /// CDF F(x) in [0, 1], non-decreasing; 0 below `low`, 1 above `high`.
    func cdf(_ x: Double) -> Double
    /// 1 − F(x), computed without cancellation where the family allows (upper tails).
    func survival(_ x: Double) -> Double
    /// F⁻¹(p) for p ∈ [0,1]; `quantile(0) = low`, `quantile(1) = high`.
    func quantile(_ p: Double) -> Double
    /// F(x)/f(x), the cost-side information rent: φ_cost(x) = x + costRatio(x).
    ///
    /// A requirement (not just an extension method) so that kinds whose F and f
    /// underflow together in a tail can override it with a stable form: the plain
    /// quotient is 0/0 = NaN there, or a ratio of two subnormals with a few bits
    /// left. `+∞` where f(x) = 0 (see `Prior.virtual`).
    func costRatio(_ x: Double) -> Double
    /// (1 − F(x))/f(x), the value-side rent: φ_value(x) = x − valueRatio(x).
    /// `+∞` where f(x) = 0.
    func valueRatio(_ x: Double) -> Double
    /// A closed-form φ⁻¹(p) on `side`, or nil (the default). A kind returns one only when its
    /// *computed* φ (`virtual(_:side:)` in floating point, not just the real function) is
    /// non-decreasing over the doubles of its support; `VirtualCost` then finds φ̄'s inverse by
    /// walking a few ulps from this guess instead of bisecting (same result, see
    /// `VirtualCost.walkedBoundary`). The guess may be off by some ulps; it need not be exact.
    func virtualInverseGuess(_ p: Double, side: Side) -> Double?
}

extension Prior {
    /// Bottom of the support.
    public var low: Double { support.lowerBound }
    /// Top of the support (the reserve in STAR's payment).
    public var high: Double { support.upperBound }
    /// Default: no interior breakpoints (a smooth density).
    public var breakpoints: [Double] { [] }
    /// Default: 1 − F(x) (cancels in the upper tail; kinds override it where they can).
    public func survival(_ x: Double) -> Double { 1 - cdf(x) }

    /// Default: no closed-form inverse of φ (bisection finds it).
    public func virtualInverseGuess(_ p: Double, side: Side) -> Double? { nil }

    /// Plain F/f; the zero-density test comes first so that 0/0 never happens.
    public func costRatio(_ x: Double) -> Double {
        let f = pdf(x)
        return f > 0 ? cdf(x) / f : .infinity
    }
    /// Plain (1 − F)/f; +∞ where f(x) = 0.
    public func valueRatio(_ x: Double) -> Double {
        let f = pdf(x)
        return f > 0 ? survival(x) / f : .infinity
    }

    /// A draw by inversion, `F⁻¹(U)` with `U` uniform on (0,1) from the caller's
    /// generator: the same seed gives the same draws on every machine and thread.
    public func sample<G: RandomNumberGenerator>(using rng: inout G) -> Double {
        quantile(rng.nextOpenUnit())
    }

    /// Unironed virtual cost (or value), TheModel.md, through the kind's stable
    /// `costRatio` / `valueRatio` (far tails of truncated families, see `Truncated`).
    ///
    /// `+∞` (cost side) or `−∞` (value side) wherever the density is zero, including
    /// a support edge where it vanishes: a scaled Beta with α > 1 at `low` and with
    /// β > 1 at `high`. At `high` (cost) and `low` (value) that is the true limit
    /// (F/f → ∞); at the other edge the limit is finite (φ → low, resp. high) but no
    /// type reports a zero-density point (`VirtualCost.checkedIroned` refuses it), and
    /// ∞ marks it as such instead of a NaN from 0/0.
    public func virtual(_ x: Double, side: Side = .cost) -> Double {
        switch side {
        case .cost: return x + costRatio(x)
        case .value: return x - valueRatio(x)
        }
    }

    /// φ at `x`, or its limit from inside the support where ``virtual(_:side:)`` is infinite
    /// only because the density vanishes at the edge: at `low` on the cost side (F(low) = 0)
    /// and at `high` on the value side (1 − F(high) = 0), the rent is 0/0 there, and its limit
    /// is 0 whenever the density is monotone next to the edge (F(x) ≤ f(x)·(x − low), so
    /// F/f → 0), as for a scaled Beta with α > 1 (β > 1): φ → low (high). At the other edge
    /// the rent truly diverges and the result stays infinite.
    public func virtualLimit(_ x: Double, side: Side = .cost) -> Double {
        let phi = virtual(x, side: side)
        guard !phi.isFinite, pdf(x) == 0 else { return phi }
        switch side {
        case .cost: return x == low ? x : phi
        case .value: return x == high ? x : phi
        }
    }
}

/// Generalised inverse of a CDF, min{x ∈ [low, high] : F(x) ≥ p}, for kinds
/// without a closed-form quantile (mixtures) and as the fallback of GSL's `_Pinv`.
///
/// Bisection on the *ordering of doubles* (`OrderedDouble`), not on their values:
/// each step halves the number of representable doubles left in the bracket, so at
/// most 64 CDF evaluations reach two neighbouring doubles, for any monotone F and any
/// bracket (a quantile of 1e-300 inside [0, 1] costs the same as one near 0.5).
/// F(low) < p ≤ F(high) holds for p ∈ (0, 1) by the `Prior` contract, so this cannot
/// fail; it replaces Brent with a silent linear-interpolation fallback, which gave
/// garbage whenever Brent threw. NaN only when F itself is not finite somewhere on
/// the path (kinds probe for that at construction, `checkNumerics`).
func invertCDF(_ prior: some Prior, _ p: Double) -> Double {
    if p.isNaN { return .nan }
    if p <= 0 { return prior.low }
    if p >= 1 { return prior.high }
    return bisectMonotone(prior.cdf, target: p, low: prior.low, high: prior.high)
}

/// Smallest double x in [low, high] with F(x) ≥ target, for non-decreasing F with
/// F(low) < target ≤ F(high) (the caller guarantees the bracket). NaN if F is NaN
/// at a probed point.
func bisectMonotone(_ F: (Double) -> Double, target: Double, low: Double, high: Double) -> Double {
    var lo = OrderedDouble.key(low), hi = OrderedDouble.key(high)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2
        let v = F(OrderedDouble.value(mid))
        if v.isNaN { return .nan }
        if v >= target { hi = mid } else { lo = mid }
    }
    return OrderedDouble.value(hi)
}

/// A monotone map between doubles and UInt64: x < y ⇔ key(x) < key(y) (−0 and +0
/// are neighbours). Bisection on keys visits each binade once.
enum OrderedDouble {
    static let sign: UInt64 = 1 << 63
    static func key(_ x: Double) -> UInt64 {
        let b = x.bitPattern
        return b & sign != 0 ? ~b : b | sign
    }
    static func value(_ k: UInt64) -> Double {
        Double(bitPattern: k & sign != 0 ? k & ~sign : ~k)
    }
}

/// Probes a freshly built prior where GSL is known to give up silently (NaN from a
/// failed `_Pinv`, underflowed tails), so that such a prior is refused at
/// construction with a typed error naming `field`, instead of returning garbage later.
/// Checks: quantiles at p from 1e-9 to 1 − 1e-9 finite, in the support and
/// non-decreasing; cdf, survival, pdf finite and in range on an interior grid;
/// φ on both sides never NaN.
func checkNumerics(_ prior: some Prior, field: String, what: String) throws {
    let ps = [1e-9, 1e-3, 0.1, 0.25, 0.5, 0.75, 0.9, 1 - 1e-3, 1 - 1e-9]
    var last = prior.low
    for p in ps {
        let q = prior.quantile(p)
        guard q.isFinite, q >= last, q <= prior.high else {
            throw FieldError(field: field, reason: "gives a distribution (\(what)) whose quantile at p = \(p) cannot be computed (got \(q)); GSL cannot handle these parameters")
        }
        last = q
    }
    for k in 0...16 {
        let x = prior.low + (prior.high - prior.low) * Double(k) / 16
        let F = prior.cdf(x), S = prior.survival(x), f = prior.pdf(x)
        guard F.isFinite, F >= 0, F <= 1, S.isFinite, S >= 0, S <= 1, !f.isNaN, f >= 0,
              !prior.costRatio(x).isNaN, !prior.valueRatio(x).isNaN else {
            throw FieldError(field: field, reason: "gives a distribution (\(what)) that GSL cannot evaluate at x = \(x) (cdf \(F), survival \(S), pdf \(f))")
        }
    }
}

/// Checks shared by every kind's initialiser.
func checkBounds(_ low: Double, _ high: Double, path: String) throws {
    guard low.isFinite else { throw FieldError(field: "\(path).low", reason: "must be a finite number") }
    guard high.isFinite else { throw FieldError(field: "\(path).high", reason: "must be a finite number") }
    guard low < high else { throw FieldError(field: "\(path).low", reason: "must be below `high` (got low \(low) ≥ high \(high))") }
    try checkWidth(low, high, field: "\(path).high")
}

/// Refuses a support whose width `high − low` is not a finite double (e.g. [−1e308, 1e308]):
/// every density, CDF and ironing step divides by or integrates over that width, and would
/// give NaN or infinity (or trap) instead of a distribution.
func checkWidth(_ low: Double, _ high: Double, field: String) throws {
    guard (high - low).isFinite else {
        throw FieldError(field: field, reason: "gives a support [\(low), \(high)] whose width high − low overflows a double; use a narrower support")
    }
}

func checkPositive(_ v: Double, _ field: String) throws {
    guard v.isFinite, v > 0 else { throw FieldError(field: field, reason: "must be a positive finite number (got \(v))") }
}
