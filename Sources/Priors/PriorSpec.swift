import Foundation
import LabIO

/// The JSON form of a prior (FileFormats.md, issue 3), decoded and validated with
/// field paths in every error, then turned into a `Prior` by `make()`.
///
///     {"kind":"uniform","low":…,"high":…}
///     {"kind":"normal","mean":…,"sd":…,"low":…,"high":…}
///     {"kind":"lognormal","mu":…,"sigma":…,"low":…,"high":…}
///     {"kind":"beta","alpha":…,"beta":…,"low":…,"high":…}
///     {"kind":"exponential","rate":…,"low":…,"high":…}
///     {"kind":"mixture","components":[{"weight":…,"prior":{…}},…]}
///     {"kind":"empirical","samples":[…]}
public indirect enum PriorSpec: Hashable, Sendable, Codable {
    /// U[low, high].
    case uniform(low: Double, high: Double)
    /// N(mean, sd²) truncated to [low, high] (sd > 0).
    case normal(mean: Double, sd: Double, low: Double, high: Double)
    /// Lognormal(μ, σ) truncated to [low, high] (σ > 0, low ≥ 0).
    case lognormal(mu: Double, sigma: Double, low: Double, high: Double)
    /// Beta(α, β) scaled to [low, high] (α, β > 0).
    case beta(alpha: Double, beta: Double, low: Double, high: Double)
    /// Exponential(rate) truncated to [low, high] (rate > 0, low ≥ 0).
    case exponential(rate: Double, low: Double, high: Double)
    /// A mixture of weighted components (weights > 0, summing to 1).
    case mixture([Component])
    /// A piecewise-linear CDF through the samples (at least two distinct finite values).
    case empirical(samples: [Double])

    /// One weighted component of a mixture.
    public struct Component: Hashable, Sendable, Codable {
        /// The component's weight (> 0; the mixture's weights sum to 1 within 1e-9).
        public var weight: Double
        /// The component's prior.
        public var prior: PriorSpec
        /// A component with a weight and a prior spec.
        public init(weight: Double, prior: PriorSpec) { self.weight = weight; self.prior = prior }
    }

    /// The `kind` values the JSON form accepts.
    public static let kinds = ["uniform", "normal", "lognormal", "beta", "exponential", "mixture", "empirical"]

    // MARK: Building

    /// Validates every field and builds the prior. `path` prefixes field names in errors.
    public func make(path: String = "prior") throws -> any Prior {
        switch self {
        case let .uniform(lo, hi): return try UniformPrior(low: lo, high: hi, path: path)
        case let .normal(m, s, lo, hi): return try TruncatedNormalPrior(mean: m, sd: s, low: lo, high: hi, path: path)
        case let .lognormal(m, s, lo, hi): return try TruncatedLognormalPrior(mu: m, sigma: s, low: lo, high: hi, path: path)
        case let .beta(a, b, lo, hi): return try ScaledBetaPrior(alpha: a, beta: b, low: lo, high: hi, path: path)
        case let .exponential(r, lo, hi): return try TruncatedExponentialPrior(rate: r, low: lo, high: hi, path: path)
        case let .mixture(cs):
            let parts = try cs.enumerated().map { k, c in try c.prior.make(path: "\(path).components[\(k)].prior") }
            return try MixturePrior(weights: cs.map(\.weight), components: parts, path: path)
        case let .empirical(s): return try EmpiricalPrior(samples: s, path: path)
        }
    }

    /// Support without building the prior.
    public var support: ClosedRange<Double>? {
        switch self {
        case let .uniform(lo, hi), let .normal(_, _, lo, hi), let .lognormal(_, _, lo, hi),
             let .beta(_, _, lo, hi), let .exponential(_, lo, hi):
            return lo < hi ? lo...hi : nil
        case let .mixture(cs):
            let s = cs.compactMap(\.prior.support)
            guard s.count == cs.count, !s.isEmpty else { return nil }
            return s.map(\.lowerBound).min()!...s.map(\.upperBound).max()!
        case let .empirical(xs):
            guard let a = xs.min(), let b = xs.max(), a < b else { return nil }
            return a...b
        }
    }

    /// Whether this is a `uniform` prior.
    public var isUniform: Bool { if case .uniform = self { return true } else { return false } }

    // MARK: Codable (flat objects with a `kind` discriminator)

    enum Key: String, CodingKey { case kind, low, high, mean, sd, mu, sigma, alpha, beta, rate, components, samples }

    /// Decodes the flat JSON object with its `kind` discriminator.
    /// - Throws: a `FieldError` naming the JSON path of the field: a missing or unknown
    ///   `kind`, a missing required number, a non-number or non-finite value. Ranges are checked
    ///   by ``make(path:)``.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let kind: String
        do { kind = try c.decode(String.self, forKey: .kind) } catch {
            throw FieldError(field: Self.path(decoder, "kind"), reason: "is missing or not a string; expected one of \(Self.kinds.joined(separator: ", "))")
        }
        func num(_ k: Key) throws -> Double {
            guard c.contains(k) else { throw FieldError(field: Self.path(decoder, k.rawValue), reason: "is missing (required for kind \"\(kind)\")") }
            guard let v = try? c.decode(Double.self, forKey: k) else {
                throw FieldError(field: Self.path(decoder, k.rawValue), reason: "must be a number")
            }
            guard v.isFinite else { throw FieldError(field: Self.path(decoder, k.rawValue), reason: "must be finite (got \(v))") }
            return v
        }
        switch kind {
        case "uniform": self = .uniform(low: try num(.low), high: try num(.high))
        case "normal": self = .normal(mean: try num(.mean), sd: try num(.sd), low: try num(.low), high: try num(.high))
        case "lognormal": self = .lognormal(mu: try num(.mu), sigma: try num(.sigma), low: try num(.low), high: try num(.high))
        case "beta": self = .beta(alpha: try num(.alpha), beta: try num(.beta), low: try num(.low), high: try num(.high))
        case "exponential": self = .exponential(rate: try num(.rate), low: try num(.low), high: try num(.high))
        case "mixture":
            guard c.contains(.components) else { throw FieldError(field: Self.path(decoder, "components"), reason: "is missing (required for kind \"mixture\")") }
            self = .mixture(try c.decode([Component].self, forKey: .components))
        case "empirical":
            guard c.contains(.samples) else { throw FieldError(field: Self.path(decoder, "samples"), reason: "is missing (required for kind \"empirical\")") }
            guard let s = try? c.decode([Double].self, forKey: .samples) else {
                throw FieldError(field: Self.path(decoder, "samples"), reason: "must be a list of numbers")
            }
            self = .empirical(samples: s)
        default:
            throw FieldError(field: Self.path(decoder, "kind"), reason: "has unknown value \"\(kind)\"; expected one of \(Self.kinds.joined(separator: ", "))")
        }
    }

    /// Encodes the flat JSON form (`kind` plus the kind's fields), the inverse of ``init(from:)``.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case let .uniform(lo, hi):
            try c.encode("uniform", forKey: .kind); try c.encode(lo, forKey: .low); try c.encode(hi, forKey: .high)
        case let .normal(m, s, lo, hi):
            try c.encode("normal", forKey: .kind); try c.encode(m, forKey: .mean); try c.encode(s, forKey: .sd)
            try c.encode(lo, forKey: .low); try c.encode(hi, forKey: .high)
        case let .lognormal(m, s, lo, hi):
            try c.encode("lognormal", forKey: .kind); try c.encode(m, forKey: .mu); try c.encode(s, forKey: .sigma)
            try c.encode(lo, forKey: .low); try c.encode(hi, forKey: .high)
        case let .beta(a, b, lo, hi):
            try c.encode("beta", forKey: .kind); try c.encode(a, forKey: .alpha); try c.encode(b, forKey: .beta)
            try c.encode(lo, forKey: .low); try c.encode(hi, forKey: .high)
        case let .exponential(r, lo, hi):
            try c.encode("exponential", forKey: .kind); try c.encode(r, forKey: .rate)
            try c.encode(lo, forKey: .low); try c.encode(hi, forKey: .high)
        case let .mixture(cs):
            try c.encode("mixture", forKey: .kind); try c.encode(cs, forKey: .components)
        case let .empirical(s):
            try c.encode("empirical", forKey: .kind); try c.encode(s, forKey: .samples)
        }
    }

    static func path(_ decoder: Decoder, _ leaf: String) -> String {
        let parts = decoder.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        let base = parts.hasPrefix(".") ? String(parts.dropFirst()) : parts
        return base.isEmpty ? leaf : "\(base).\(leaf)"
    }
}

extension PriorSpec {
    /// A coding path as `components[0].prior` (indices in brackets, not Foundation's "Index 0").
    static func dotted(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// Decodes a prior from JSON text, turning decoding failures into `FieldError`s naming the field.
    public static func parse(json: String) throws -> PriorSpec {
        do {
            return try JSONDecoder().decode(PriorSpec.self, from: Data(json.utf8))
        } catch let e as FieldError {
            throw e
        } catch let DecodingError.dataCorrupted(ctx) {
            throw FieldError(field: dotted(ctx.codingPath).ifEmpty("prior"),
                             reason: "is not valid JSON (\(ctx.underlyingError.map { "\($0)" } ?? ctx.debugDescription))")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            throw FieldError(field: dotted(ctx.codingPath).ifEmpty("prior"), reason: ctx.debugDescription)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw FieldError(field: dotted(ctx.codingPath + [key]), reason: "is missing")
        }
    }
}

extension String {
    func ifEmpty(_ alt: String) -> String { isEmpty ? alt : self }
}
