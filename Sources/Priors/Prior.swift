import LabNumerics

/// Which side of the market a prior describes.
/// `cost`: procurement (STAR), φ(c) = c + F(c)/f(c), ironed by the lower convex envelope.
/// `value`: selling, φ(v) = v − (1−F(v))/f(v), ironed by the upper concave envelope.
public enum Side: String, Sendable, Codable, CaseIterable {
    case cost, value
}

/// A continuous distribution on a bounded support `[low, high]`.
///
/// Unbounded families (normal, lognormal, exponential) are always *truncated
/// explicitly* to a user-given `[low, high]`: an auction needs a top of support
/// (the reserve in STAR's payment, SPEC §3).
public protocol Prior: Sendable {
    /// `[low, high]`, with `low < high`.
    var support: ClosedRange<Double> { get }
    /// Points inside the support where the density may jump (component edges of a
    /// mixture, knots of an empirical CDF); integration and ironing split there.
    var breakpoints: [Double] { get }
    func pdf(_ x: Double) -> Double
    func cdf(_ x: Double) -> Double
    /// 1 − F(x), computed without cancellation where the family allows (upper tails).
    func survival(_ x: Double) -> Double
    /// F⁻¹(p) for p ∈ [0,1]; `quantile(0) = low`, `quantile(1) = high`.
    func quantile(_ p: Double) -> Double
}

extension Prior {
    public var low: Double { support.lowerBound }
    public var high: Double { support.upperBound }
    public var breakpoints: [Double] { [] }
    public func survival(_ x: Double) -> Double { 1 - cdf(x) }

    /// A draw by inversion, `F⁻¹(U)` with `U` uniform on (0,1) from the caller's
    /// generator: the same seed gives the same draws on every machine and thread.
    public func sample<G: RandomNumberGenerator>(using rng: inout G) -> Double {
        quantile(rng.nextOpenUnit())
    }

    /// Unironed virtual cost (or value), SPEC §1.
    /// `+∞` (cost side) or `−∞` (value side) where the density is zero.
    public func virtual(_ x: Double, side: Side = .cost) -> Double {
        let f = pdf(x)
        switch side {
        case .cost: return f > 0 ? x + cdf(x) / f : .infinity
        case .value: return f > 0 ? x - survival(x) / f : -.infinity
        }
    }
}

/// Bad prior parameters or a point outside the support. Messages name the field.
public enum PriorError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalid(field: String, reason: String)
    case outsideSupport(field: String, value: Double, low: Double, high: Double)
    case zeroDensity(field: String, value: Double)

    public var description: String {
        switch self {
        case let .invalid(field, reason): return "invalid prior: `\(field)` \(reason)"
        case let .outsideSupport(field, v, lo, hi): return "`\(field)` = \(v) is outside the prior's support [\(lo), \(hi)]"
        case let .zeroDensity(field, v): return "`\(field)` = \(v): the prior's density is zero there, so its virtual cost is undefined"
        }
    }
}

/// Generalised inverse of a continuous CDF by Brent's method (GSL), for kinds
/// without a closed-form quantile (mixtures).
func invertCDF(_ prior: some Prior, _ p: Double) -> Double {
    if p <= 0 { return prior.low }
    if p >= 1 { return prior.high }
    return (try? Root.brent({ prior.cdf($0) - p }, low: prior.low, high: prior.high)) ?? prior.low + p * (prior.high - prior.low)
}

/// Checks shared by every kind's initialiser.
func checkBounds(_ low: Double, _ high: Double, path: String) throws {
    guard low.isFinite else { throw PriorError.invalid(field: "\(path).low", reason: "must be a finite number") }
    guard high.isFinite else { throw PriorError.invalid(field: "\(path).high", reason: "must be a finite number") }
    guard low < high else { throw PriorError.invalid(field: "\(path).low", reason: "must be below `high` (got low \(low) ≥ high \(high))") }
}

func checkPositive(_ v: Double, _ field: String) throws {
    guard v.isFinite, v > 0 else { throw PriorError.invalid(field: field, reason: "must be a positive finite number (got \(v))") }
}
