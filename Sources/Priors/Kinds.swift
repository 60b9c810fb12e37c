import LabNumerics

// MARK: - Uniform

/// U[low, high]. Cost side: φ(c) = 2c − low, regular (no ironing).
public struct UniformPrior: Prior, Hashable {
    public let support: ClosedRange<Double>
    public init(low: Double, high: Double, path: String = "prior") throws {
        try checkBounds(low, high, path: path)
        support = low...high
    }
    /// GSL's flat density is zero at `high` (half-open support); the support here is
    /// closed so that φ(high) is finite — the density is evaluated at `low`.
    public func pdf(_ x: Double) -> Double { support.contains(x) ? GSLDist.flatPDF(low, low, high) : 0 }
    public func cdf(_ x: Double) -> Double { x <= low ? 0 : (x >= high ? 1 : GSLDist.flatP(x, low, high)) }
    public func survival(_ x: Double) -> Double { x <= low ? 1 : (x >= high ? 0 : GSLDist.flatQ(x, low, high)) }
    public func quantile(_ p: Double) -> Double { p <= 0 ? low : (p >= 1 ? high : GSLDist.flatPinv(p, low, high)) }
}

// MARK: - Truncation of an unbounded base family

/// A base distribution on the real line (or half-line), given by GSL functions.
public protocol BaseDistribution: Sendable {
    func basePDF(_ x: Double) -> Double
    func baseCDF(_ x: Double) -> Double
    func baseQuantile(_ p: Double) -> Double
    /// Upper tail 1 − F(x) from GSL's `_Q` functions (no cancellation near 1).
    func baseSurvival(_ x: Double) -> Double
}

/// A base distribution conditioned on `[low, high]`:
/// F_T(x) = (F(x) − F(low)) / (F(high) − F(low)).
public struct Truncated<Base: BaseDistribution>: Prior {
    public let base: Base
    public let support: ClosedRange<Double>
    let cdfLow: Double, mass: Double, survivalHigh: Double

    public init(_ base: Base, low: Double, high: Double, path: String) throws {
        try checkBounds(low, high, path: path)
        self.base = base
        support = low...high
        cdfLow = base.baseCDF(low)
        survivalHigh = base.baseSurvival(high)
        // The mass is taken from whichever tail is more accurate.
        mass = cdfLow < 0.5 ? base.baseCDF(high) - cdfLow : base.baseSurvival(low) - survivalHigh
        guard mass > 1e-300, mass.isFinite else {
            throw PriorError.invalid(field: "\(path).low", reason: "and `high` enclose no probability mass of the distribution (it is numerically zero on [\(low), \(high)])")
        }
    }
    public func pdf(_ x: Double) -> Double { support.contains(x) ? base.basePDF(x) / mass : 0 }
    public func cdf(_ x: Double) -> Double {
        if x <= low { return 0 }
        if x >= high { return 1 }
        return min(1, max(0, (base.baseCDF(x) - cdfLow) / mass))
    }
    public func survival(_ x: Double) -> Double {
        if x <= low { return 1 }
        if x >= high { return 0 }
        return min(1, max(0, (base.baseSurvival(x) - survivalHigh) / mass))
    }
    public func quantile(_ p: Double) -> Double {
        if p <= 0 { return low }
        if p >= 1 { return high }
        let x = base.baseQuantile(cdfLow + p * mass)
        return x.isFinite ? min(high, max(low, x)) : invertCDF(self, p)
    }
}

public struct NormalBase: BaseDistribution, Hashable {
    public let mean: Double, sd: Double
    public func basePDF(_ x: Double) -> Double { GSLDist.gaussianPDF(x - mean, sd) }
    public func baseCDF(_ x: Double) -> Double { GSLDist.gaussianP(x - mean, sd) }
    public func baseQuantile(_ p: Double) -> Double { mean + GSLDist.gaussianPinv(p, sd) }
    public func baseSurvival(_ x: Double) -> Double { GSLDist.gaussianQ(x - mean, sd) }
}

public struct LognormalBase: BaseDistribution, Hashable {
    public let mu: Double, sigma: Double
    public func basePDF(_ x: Double) -> Double { x > 0 ? GSLDist.lognormalPDF(x, mu, sigma) : 0 }
    public func baseCDF(_ x: Double) -> Double { x > 0 ? GSLDist.lognormalP(x, mu, sigma) : 0 }
    public func baseQuantile(_ p: Double) -> Double { GSLDist.lognormalPinv(p, mu, sigma) }
    public func baseSurvival(_ x: Double) -> Double { x > 0 ? GSLDist.lognormalQ(x, mu, sigma) : 1 }
}

public struct ExponentialBase: BaseDistribution, Hashable {
    public let rate: Double
    public func basePDF(_ x: Double) -> Double { x >= 0 ? GSLDist.exponentialPDF(x, mean: 1 / rate) : 0 }
    public func baseCDF(_ x: Double) -> Double { x > 0 ? GSLDist.exponentialP(x, mean: 1 / rate) : 0 }
    public func baseQuantile(_ p: Double) -> Double { GSLDist.exponentialPinv(p, mean: 1 / rate) }
    public func baseSurvival(_ x: Double) -> Double { x > 0 ? GSLDist.exponentialQ(x, mean: 1 / rate) : 1 }
}

public typealias TruncatedNormalPrior = Truncated<NormalBase>
public typealias TruncatedLognormalPrior = Truncated<LognormalBase>
public typealias TruncatedExponentialPrior = Truncated<ExponentialBase>

extension Truncated where Base == NormalBase {
    public init(mean: Double, sd: Double, low: Double, high: Double, path: String = "prior") throws {
        guard mean.isFinite else { throw PriorError.invalid(field: "\(path).mean", reason: "must be a finite number") }
        try checkPositive(sd, "\(path).sd")
        try self.init(NormalBase(mean: mean, sd: sd), low: low, high: high, path: path)
    }
}
extension Truncated where Base == LognormalBase {
    public init(mu: Double, sigma: Double, low: Double, high: Double, path: String = "prior") throws {
        guard mu.isFinite else { throw PriorError.invalid(field: "\(path).mu", reason: "must be a finite number") }
        try checkPositive(sigma, "\(path).sigma")
        guard low >= 0 else { throw PriorError.invalid(field: "\(path).low", reason: "must be ≥ 0 for a lognormal (got \(low))") }
        try self.init(LognormalBase(mu: mu, sigma: sigma), low: low, high: high, path: path)
    }
}
extension Truncated where Base == ExponentialBase {
    public init(rate: Double, low: Double, high: Double, path: String = "prior") throws {
        try checkPositive(rate, "\(path).rate")
        guard low >= 0 else { throw PriorError.invalid(field: "\(path).low", reason: "must be ≥ 0 for an exponential (got \(low))") }
        try self.init(ExponentialBase(rate: rate), low: low, high: high, path: path)
    }
}

// MARK: - Scaled beta

/// Beta(α, β) scaled from [0,1] to [low, high].
public struct ScaledBetaPrior: Prior, Hashable {
    public let alpha: Double, beta: Double
    public let support: ClosedRange<Double>
    public init(alpha: Double, beta: Double, low: Double, high: Double, path: String = "prior") throws {
        try checkPositive(alpha, "\(path).alpha")
        try checkPositive(beta, "\(path).beta")
        try checkBounds(low, high, path: path)
        self.alpha = alpha; self.beta = beta
        support = low...high
    }
    var width: Double { high - low }
    public func pdf(_ x: Double) -> Double {
        guard support.contains(x) else { return 0 }
        return GSLDist.betaPDF((x - low) / width, alpha, beta) / width
    }
    public func cdf(_ x: Double) -> Double {
        x <= low ? 0 : (x >= high ? 1 : GSLDist.betaP((x - low) / width, alpha, beta))
    }
    public func quantile(_ p: Double) -> Double {
        p <= 0 ? low : (p >= 1 ? high : low + width * GSLDist.betaPinv(p, alpha, beta))
    }
    public func survival(_ x: Double) -> Double {
        x <= low ? 1 : (x >= high ? 0 : GSLDist.betaQ((x - low) / width, alpha, beta))
    }
}
