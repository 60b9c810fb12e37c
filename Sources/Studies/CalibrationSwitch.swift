import Experiments
import Foundation

/// A switch of the paper's market that `auctionlab calibrate` may free: a number read from
/// and written to a `MarketSpec` (continuous, fitted by Nelder–Mead within bounds) or one
/// of a few named options (discrete, enumerated).
public struct CalibrationSwitch: Sendable {
    /// A number fitted within bounds (`continuous`), or one of the named options (`discrete`).
    public enum Kind: Sendable, Equatable { case continuous, discrete(options: [String]) }
    /// The switch's name in specs and fit.csv (e.g. `scarcity_low`).
    public let name: String
    /// Continuous or discrete (with its options).
    public let kind: Kind
    /// What the switch means, for `--help`, fit.csv and the Calibration article.
    public let meaning: String
    /// The switch's value in a market (a number, or an option name for a discrete switch).
    let get: @Sendable (MarketSpec) -> String
    /// The market with the switch set; nil when the value is not allowed (the reason).
    let set: @Sendable (MarketSpec, String) -> Result<MarketSpec, SwitchValueError>

    /// Why a value cannot be set (e.g. "must be > 0 (got -1)").
    public struct SwitchValueError: Error, Sendable { public let reason: String }

    /// Whether the switch is a number (fitted) rather than an option (enumerated).
    public var isContinuous: Bool { kind == .continuous }

    /// The switch's current value in `market`, as text (`%.10g` for numbers, the option name otherwise).
    public func value(in market: MarketSpec) -> String { get(market) }
    /// The switch's value in `market` as a number; NaN for a discrete switch.
    public func number(in market: MarketSpec) -> Double { Double(get(market)) ?? .nan }
    /// `market` with the switch set to `value` (a number as text, or an option name).
    /// - Throws: ``SwitchValueError`` when the value is not a finite number in the switch's range,
    ///   or not one of its options.
    public func setting(_ value: String, in market: MarketSpec) throws(SwitchValueError) -> MarketSpec { try set(market, value).get() }

    /// Every switch, in the order of fit.csv.
    public static let all: [CalibrationSwitch] = [
        number("payment_scale", "unit / token scale multiplying every $ column (the paper does not state its unit); fitted in closed form",
               get: { $0.assumed.scale }, set: { m, x in
                   guard x > 0 else { return "must be > 0" }
                   m.assumptions = m.assumed.with { $0.paymentScale = x }; return nil }),
        number("scarcity_low", "a in S_i ~ U(a, b) (paper: a = 0.1)", get: { $0.scarcity[0] }, set: { m, x in
            guard x > 0, x <= m.scarcity[1] else { return "must be in (0, scarcity high = \(m.scarcity[1])]" }
            m.scarcity[0] = x; return nil }),
        number("prior_low_fraction", "prior U[f·k·C, k·C] (paper: f = 0.1)", get: { $0.priorLowFraction }, set: { m, x in
            guard (0..<1).contains(x) else { return "must be in [0, 1)" }
            m.priorLowFraction = x; return nil }),
        parameter("beta", "diurnal amplitude β in k = 1 + β·E(t) (paper: 1.5)"),
        parameter("rho", "input/output price ratio ρ (paper: 0.25)"),
        parameter("kappa", "cache discount κ on same-agent context (paper: 0)"),
        parameter("noise", "token-count noise ±noise (paper: 0.1)"),
        number("diurnal_hour", "the hour t when `diurnal: fixed`", get: { $0.assumed.hour }, set: { m, x in
            guard (0...24).contains(x) else { return "must be in [0, 24]" }
            m.assumptions = m.assumed.with { $0.diurnalHour = x }; return nil }),
        options("edge_tokens", "context per edge: split (default) | full-input | parent-output",
                MarketAssumptions.EdgeTokens.self, get: { $0.assumed.edgeMode }, set: { a, v in a.edgeTokens = v }),
        options("diurnal", "t drawn per trial, or fixed at diurnal_hour", MarketAssumptions.Diurnal.self,
                get: { $0.assumed.diurnalMode }, set: { a, v in a.diurnal = v }),
        options("bundle_bidders", "who may bid for the Homogeneous bundle: capable (default) | tier-2-up | all",
                MarketAssumptions.BundleBidders.self, get: { $0.assumed.bundle }, set: { a, v in a.bundleBidders = v }),
        options("baseline_cap", "baselines' second price uncapped (paper) or capped at hi_i·x_i (prior-top)",
                MarketAssumptions.BaselineCap.self, get: { $0.assumed.cap }, set: { a, v in a.baselineCap = v }),
    ]

    /// Every switch's name, in ``all``'s order.
    public static var names: [String] { all.map(\.name) }
    /// The switch called `name`, or nil.
    public static func named(_ name: String) -> CalibrationSwitch? { all.first { $0.name == name } }

    // MARK: builders

    static func format(_ x: Double) -> String { String(format: "%.10g", x) }

    static func number(_ name: String, _ meaning: String, get: @escaping @Sendable (MarketSpec) -> Double,
                       set: @escaping @Sendable (inout MarketSpec, Double) -> String?) -> CalibrationSwitch {
        CalibrationSwitch(name: name, kind: .continuous, meaning: meaning, get: { format(get($0)) }, set: { m, text in
            guard let x = Double(text), x.isFinite else { return .failure(.init(reason: "must be a finite number (got \(text))")) }
            var copy = m
            if let why = set(&copy, x) { return .failure(.init(reason: "\(why) (got \(text))")) }
            return .success(copy)
        })
    }

    /// A parameter of `ExperimentSpec.defaults`, stored in the market's `defaults`.
    static func parameter(_ name: String, _ meaning: String) -> CalibrationSwitch {
        let def = ExperimentSpec.defaults.first { $0.0 == name }!.1
        return number(name, meaning, get: { $0.defaults[name] ?? def }, set: { m, x in
            if let why = ExperimentSpec.parameterProblem(name, x) { return why }
            m.defaults[name] = x; return nil })
    }

    static func options<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ meaning: String, _: E.Type, get: @escaping @Sendable (MarketSpec) -> E,
        set: @escaping @Sendable (inout MarketAssumptions, E) -> Void) -> CalibrationSwitch where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        return CalibrationSwitch(name: name, kind: .discrete(options: names), meaning: meaning, get: { get($0).rawValue }, set: { m, text in
            guard let v = E(rawValue: text) else { return .failure(.init(reason: "is not an option (got \(text)); expected one of \(names.joined(separator: ", "))")) }
            var copy = m, a = m.assumed
            set(&a, v)
            copy.assumptions = a
            return .success(copy)
        })
    }
}

extension MarketAssumptions {
    func with(_ change: (inout MarketAssumptions) -> Void) -> MarketAssumptions { var c = self; change(&c); return c }
}
