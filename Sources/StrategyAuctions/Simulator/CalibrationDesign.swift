import Foundation

/// The calibration fields a design search varies, each a named axis with a range, and how a point
/// of the design maps onto a ``Calibration``. The axes are the levers the calibrated simulator
/// (`Experiments/sale-calibrated.yaml`) was fitted with, plus the plan signal's strength:
///
/// - `pq32`: the largest agent's plan-quality offset (`plan_quality: [0, …, 0, pq32]`);
/// - `kappa`: shape of the smaller agents' relative success over bins 2–4, bins 1 and 5 kept:
///   r_b = r_1·(r_5/r_1)^(((b−1)/4)^κ) (κ = 1 geometric, small κ falls to the hard-bin level early);
/// - `rho`: `success_correlation`; `refine_gain`: `refine_gain`; `signal_strength`: `signal_strength`;
/// - `tok`: the smaller agents' `token_multiplier` times tok (the largest's stays).
public struct CalibrationDesign: Sendable, Hashable {
    /// One axis: a field name and its range.
    public struct Axis: Sendable, Hashable {
        /// Field name (see the type's description).
        public let name: String
        /// Lowest and highest value searched.
        public let low: Double, high: Double
        /// An axis over [low, high].
        public init(_ name: String, _ low: Double, _ high: Double) { self.name = name; self.low = low; self.high = high }
    }
    /// The axes, in design-column order.
    public let axes: [Axis]
    /// Names an axis may have.
    public static let fields = ["pq32", "kappa", "rho", "refine_gain", "signal_strength", "tok"]

    /// A design over `axes`.
    /// - Throws: `SaleError.invalid` for an unknown field, a repeated one or an empty or reversed range.
    public init(axes: [Axis]) throws {
        for (i, a) in axes.enumerated() {
            guard Self.fields.contains(a.name) else { throw SaleError.invalid("unknown design field `\(a.name)` (known: \(Self.fields.joined(separator: ", ")))") }
            guard !axes[..<i].contains(where: { $0.name == a.name }) else { throw SaleError.invalid("design field `\(a.name)` given twice") }
            guard a.low.isFinite, a.high.isFinite, a.low <= a.high else { throw SaleError.invalid("design field `\(a.name)`: need low ≤ high, both finite") }
        }
        self.axes = axes
    }

    /// The default search box: pq32 ∈ [0, 9], κ ∈ [0.05, 1], ρ ∈ [0.5, 0.95], refine_gain ∈ [0, 0.3],
    /// signal_strength ∈ [1, 3], tok ∈ [0.4, 1.2].
    public static let standard = try! CalibrationDesign(axes: [
        .init("pq32", 0, 9), .init("kappa", 0.05, 1), .init("rho", 0.5, 0.95),
        .init("refine_gain", 0, 0.3), .init("signal_strength", 1, 3), .init("tok", 0.4, 1.2),
    ])

    /// A design point in unit coordinates (each in [0, 1]) scaled to the axes' ranges.
    public func scale(_ unit: [Double]) -> [Double] { zip(axes, unit).map { $0.low + $1 * ($0.high - $0.low) } }

    /// `base` with the design `point` (one value per axis, in field units) applied.
    public func apply(_ point: [Double], to base: Calibration) -> Calibration {
        var c = base
        let defaults = Calibration()
        for (axis, v) in zip(axes, point) {
            switch axis.name {
            case "pq32":
                let m = c.tokenMultiplier.count
                c.planQuality = (0..<m).map { $0 == m - 1 ? v : (c.planQuality.isEmpty ? 0 : c.planQuality[$0]) }
            case "kappa":
                c.relativeSuccess = defaults.relativeSuccess.map { row in
                    let r1 = row[0], r5 = row[4]
                    return (0..<5).map { b in r1 * pow(r5 / r1, pow(Double(b) / 4, v)) }
                }
            case "rho": c.successCorrelation = v
            case "refine_gain": c.refineGain = v
            case "signal_strength": c.signalStrength = v
            case "tok":
                let m = defaults.tokenMultiplier
                c.tokenMultiplier = m.indices.map { $0 == m.count - 1 ? m[$0] : m[$0] * v }
            default: break
            }
        }
        return c
    }
}
