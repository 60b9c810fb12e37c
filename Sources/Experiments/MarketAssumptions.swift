import Foundation
import Yams
import Mechanisms
import Workflows
import LabIO

/// The STAR paper's market leaves these choices open (its units and several modelling details;
/// ReadingTheSTARPaper.md). Each is a named switch of a market file's `assumptions:` block;
/// an absent key means today's reading in ReadingTheSTARPaper.md, so `Results/table1/` does not change.
///
///     assumptions:
///       payment_scale: 1          # unit / token scale multiplying every $ column
///       edge_tokens: split        # split | full-input | parent-output
///       diurnal: per-trial        # per-trial (t ~ U(0,24) each trial) | fixed (t = diurnal_hour)
///       diurnal_hour: 8           # the fixed hour; E(8) = 0.5 is E's mean over the day
///       bundle_bidders: capable   # capable (tier ≥ max difficulty) | tier-2-up | all
///       baseline_cap: none        # none | prior-top (Myopic/Homogeneous paid ≤ hi_i·x_i)
///
/// Together with the market's own numbers — `scarcity` [a, b] (S_i ~ U(a, b)),
/// `prior_low_fraction`, and the `defaults` ρ, κ, β, noise — these are the switches that
/// `auctionlab calibrate` may free (`CalibrationSwitch` in Studies).
public struct MarketAssumptions: Codable, Sendable, Hashable {
    /// How context tokens on an edge u → v are counted.
    public enum EdgeTokens: String, Codable, Sendable, CaseIterable {
        /// TheModel.md: v's input split among its parents in proportion to their outputs.
        case split
        /// Every edge carries v's whole input L_v^in (the context is re-sent per parent).
        case fullInput = "full-input"
        /// Every edge carries the parent's whole output L_u^out.
        case parentOutput = "parent-output"
    }
    /// Whether the hour t of the diurnal factor k = 1 + β·E(t) is drawn per trial.
    public enum Diurnal: String, Codable, Sendable, CaseIterable {
        /// `per-trial`: t ~ U(0, 24) drawn each trial; `fixed`: t = ``diurnalHour`` in every trial.
        case perTrial = "per-trial", fixed
    }
    /// Which agents may bid for the Homogeneous bundle.
    public enum BundleBidders: String, Codable, Sendable, CaseIterable {
        /// Tier ≥ the workflow's maximum difficulty (TheModel.md).
        case capable
        /// Tier ≥ min(2, maximum difficulty): mid-tier agents may take the bundle.
        case tier2Up = "tier-2-up"
        /// Every agent (capability ignored for the bundle).
        case all
    }
    /// Whether the baselines' second-price payments are capped at the winner's prior top.
    public enum BaselineCap: String, Codable, Sendable, CaseIterable {
        /// The paper's definition: second-lowest competing price, uncapped.
        case none
        /// P_i ≤ hi_i·x_i(A), the reserve STAR and VCG use (TheModel.md).
        case priorTop = "prior-top"
    }

    /// `payment_scale` (> 0): unit/token scale multiplying every $ column; nil = 1.
    public var paymentScale: Double?
    /// `edge_tokens`: how context tokens on an edge are counted; nil = ``EdgeTokens/split``.
    public var edgeTokens: EdgeTokens?
    /// `diurnal`: whether the diurnal hour is drawn per trial or fixed; nil = per trial.
    public var diurnal: Diurnal?
    /// `diurnal_hour`: the fixed hour, in [0, 24]; nil = 8 (E(8) = 0.5, E's mean over the day).
    public var diurnalHour: Double?
    /// `bundle_bidders`: who may bid for the Homogeneous bundle; nil = ``BundleBidders/capable``.
    public var bundleBidders: BundleBidders?
    /// `baseline_cap`: whether baselines' second-price payments are capped; nil = ``BaselineCap/none``.
    public var baselineCap: BaselineCap?

    /// Assumptions with the given switches; nil keeps today's reading in ReadingTheSTARPaper.md.
    public init(paymentScale: Double? = nil, edgeTokens: EdgeTokens? = nil, diurnal: Diurnal? = nil, diurnalHour: Double? = nil,
                bundleBidders: BundleBidders? = nil, baselineCap: BaselineCap? = nil) {
        self.paymentScale = paymentScale; self.edgeTokens = edgeTokens; self.diurnal = diurnal; self.diurnalHour = diurnalHour
        self.bundleBidders = bundleBidders; self.baselineCap = baselineCap
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case paymentScale = "payment_scale", edgeTokens = "edge_tokens", diurnal, diurnalHour = "diurnal_hour"
        case bundleBidders = "bundle_bidders", baselineCap = "baseline_cap"
    }
    /// The keys an `assumptions:` block may hold.
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// The payment scale in effect (1 when unset).
    public var scale: Double { paymentScale ?? 1 }
    /// The edge-token rule in effect (`split` when unset).
    public var edgeMode: EdgeTokens { edgeTokens ?? .split }
    /// The diurnal mode in effect (per trial when unset).
    public var diurnalMode: Diurnal { diurnal ?? .perTrial }
    /// The fixed diurnal hour in effect, in hours (8 when unset).
    public var hour: Double { diurnalHour ?? 8 }
    /// The bundle bidders in effect (`capable` when unset).
    public var bundle: BundleBidders { bundleBidders ?? .capable }
    /// The baseline cap in effect (`none` when unset).
    public var cap: BaselineCap { baselineCap ?? .none }

    /// The first out-of-range value (key and reason), or nil.
    public func problem() -> (field: String, reason: String)? {
        if let s = paymentScale, !(s.isFinite && s > 0) { return ("payment_scale", "must be a positive finite number (got \(s))") }
        if let h = diurnalHour, !(h.isFinite && (0...24).contains(h)) { return ("diurnal_hour", "must be an hour in [0, 24] (got \(h))") }
        return nil
    }

    /// Refuses keys of `assumptions:` that are not switches (Yams ignores unknown keys).
    static func checkKeys(yaml text: String, file: String) throws {
        guard let node = try? Yams.compose(yaml: text), let block = node["assumptions"]?.mapping else { return }
        for key in block.keys.compactMap(\.string).sorted() where !keys.contains(key) {
            throw FieldError(file: file, field: "assumptions.\(key)",
                             reason: "is not an assumption; expected one of \(keys.joined(separator: ", "))")
        }
    }

    /// The topology's edges with tokens set by `edge_tokens` (unchanged for `split`, which the
    /// cost model computes itself). `nodes` are this trial's (noised) nodes.
    func edges(_ edges: [EdgeSpec], nodes: [NodeSpec]) -> [EdgeSpec] {
        guard edgeMode != .split else { return edges }
        let byID = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) })
        return edges.map { e in
            guard e.tokens == nil, let u = byID[e.from], let v = byID[e.to] else { return e }
            return EdgeSpec(from: e.from, to: e.to, tokens: edgeMode == .fullInput ? v.inputTokens : u.outputTokens)
        }
    }

    /// Runs `mechanism` on the trial's instance under these assumptions: the Homogeneous bundle
    /// open to `bundle_bidders`, the baselines' payments capped per `baseline_cap`. Returns the
    /// outcome and its total payment in the instance's units (before `payment_scale`).
    public func run(_ mechanism: any Mechanism, on inst: Instance, spec: InstanceSpec) throws -> (outcome: Outcome, paid: Double) {
        var o: Outcome
        if mechanism.name == "homogeneous", bundle != .capable {
            let needed = spec.nodes.map(\.difficulty).max() ?? 1
            let floor = bundle == .all ? 1 : min(2, needed)
            var open = spec
            for i in open.agents.indices where open.agents[i].tier >= floor { open.agents[i].tier = max(open.agents[i].tier, needed) }
            // Same agents and priors, only tiers differ: reuse the trial's built priors.
            o = try mechanism.run(Instance(spec: open, priors: inst.priors), options: .init())
        } else {
            o = try mechanism.run(inst, options: .init())
        }
        guard cap == .priorTop, o.reserve == .secondPriceUncapped else { return (o, o.totalPayment) }
        let paid = o.payments.indices.reduce(0.0) { $0 + min(o.payments[$1], inst.priors[$1].support.upperBound * o.workloads[$1]) }
        return (o, paid)
    }
}
