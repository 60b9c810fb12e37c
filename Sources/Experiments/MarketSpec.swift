import Foundation
import Yams
import LabIO
import LabNumerics
import Priors
import Workflows

/// A market file of `Experiments/markets/` (YAML): base prices per tier, the scarcity
/// range, the prior's lower end as a fraction of its top, and parameter defaults.
public struct MarketSpec: Codable, Sendable, Hashable {
    /// Market name.
    public var name: String
    /// Base output prices C in $ per 1M tokens: three tiers of three positive prices.
    public var basePrices: [[Double]]
    /// Scarcity range [a, b], 0 < a ≤ b: each agent's S_i ~ U(a, b).
    public var scarcity: [Double]
    /// The prior's lower end as a fraction of its top, in [0, 1): prior U[f·k·C, k·C].
    public var priorLowFraction: Double
    /// Values of the unswept parameters (`rho`, `kappa`, `beta`, …; see ``ExperimentSpec/defaults``).
    public var defaults: [String: Double]
    /// The paper's unstated modelling choices (`assumptions:` in the file); absent → today's
    /// reading in ReadingTheSTARPaper.md (see ``MarketAssumptions``).
    public var assumptions: MarketAssumptions? = nil

    enum CodingKeys: String, CodingKey {
        case name, basePrices = "base_prices", scarcity, priorLowFraction = "prior_low_fraction", defaults, assumptions
    }

    /// The assumptions in force (defaults filled in).
    public var assumed: MarketAssumptions { assumptions ?? MarketAssumptions() }

    /// ThePaperMarket.md, identical to `Experiments/markets/paper.yaml`.
    public static let paper = MarketSpec(name: "paper", basePrices: PaperMarket.basePrices, scarcity: [0.1, 1.0], priorLowFraction: 0.1,
                                         defaults: Dictionary(uniqueKeysWithValues: ExperimentSpec.defaults))

    /// Reads and validates the market file at `path`; `field` of `specFile` is the spec field
    /// that named it.
    /// - Throws: a `FieldError`: naming `field` of `specFile` when the file cannot be
    ///   read, or the market file's own field when it is invalid.
    public static func load(_ path: String, field: String, specFile: String) throws -> MarketSpec {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw FieldError(file: specFile, field: field, reason: "names a market file that cannot be read: \(path)")
        }
        let m: MarketSpec
        do { m = try decodeYAML(MarketSpec.self, from: text, file: path) } catch let e as FieldError {
            throw e
        } catch {
            throw FieldError(file: path, field: "(document)", reason: "is not a valid market: \(error)")
        }
        guard m.basePrices.count == 3, m.basePrices.allSatisfy({ $0.count == 3 && $0.allSatisfy { $0 > 0 } }) else {
            throw FieldError(file: path, field: "base_prices", reason: "must be three tiers of three positive prices")
        }
        guard m.scarcity.count == 2, m.scarcity[0] > 0, m.scarcity[0] <= m.scarcity[1] else {
            throw FieldError(file: path, field: "scarcity", reason: "must be [low, high] with 0 < low ≤ high")
        }
        guard (0..<1).contains(m.priorLowFraction) else {
            throw FieldError(file: path, field: "prior_low_fraction", reason: "must be in [0, 1)")
        }
        try MarketAssumptions.checkKeys(yaml: text, file: path)
        if let why = m.assumed.problem() {
            throw FieldError(file: path, field: "assumptions.\(why.field)", reason: why.reason)
        }
        for key in m.defaults.keys.sorted() {
            guard ExperimentSpec.parameterNames.contains(key) else {
                throw FieldError(file: path, field: "defaults.\(key)", reason: "is not a parameter")
            }
            if let why = ExperimentSpec.parameterProblem(key, m.defaults[key]!) {
                throw FieldError(file: path, field: "defaults.\(key)", reason: why)
            }
        }
        return m
    }
}
