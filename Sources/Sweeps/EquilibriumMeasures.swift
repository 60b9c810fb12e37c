import Equilibrium
import LabIO

/// The per-row numbers an equilibrium entry adds to a sweep row (`TrialRow.equilibrium`,
/// stored in row files after the seven measures), in this order; NaN for the other mechanisms
/// of a spec that has equilibrium entries. Money in $ like `total_payment`.
public enum EquilibriumMeasures {
    /// The CSV columns an equilibrium entry adds to `trials.csv` (money in $, ε relative to utility).
    public static let columns = ["epsilon", "relative_epsilon", "relative_epsilon_ci_high", "converged",
                                 "expected_payment_equilibrium", "expected_payment_truthful",
                                 "expected_payment_star", "myerson_gap", "myerson_gap_ci_low", "myerson_gap_ci_high", "epsilon_sum"]
    /// Stored values (`converged` is derived from `relative_epsilon` and the target).
    public static let stored = 10
    /// The stored values of one play: max ε over agents ($), max relative ε, the largest upper
    /// end of an agent's 95 % interval of relative ε, the expected total payments at
    /// equilibrium and at truthful bids on the certificate's fresh profiles ($), STAR's expected
    /// payment at truthful bids on the same profiles ($), the paired gap equilibrium − STAR with
    /// its 95 % interval over those profiles ($; Myerson's bound says it is ≥ 0 at an exact
    /// equilibrium), and the sum of the agents' ε ($: how far below STAR an ε-equilibrium's payment
    /// may fall). STAR's figures are NaN when the spec has no `star` entry.
    static func values(_ r: EquilibriumResult, star: (payment: Estimate, gap: Estimate)?, usd: (Double) -> Double) -> [Double] {
        let c = r.certificate
        return [usd(c.maxEpsilon), c.maxRelativeEpsilon, c.perAgent.map(\.relativeEpsilon.ciHigh).max() ?? 0,
                usd(r.payments.equilibrium.mean), usd(r.payments.truthful.mean),
                star.map { usd($0.payment.mean) } ?? .nan, star.map { usd($0.gap.mean) } ?? .nan,
                star.map { usd($0.gap.ciLow) } ?? .nan, star.map { usd($0.gap.ciHigh) } ?? .nan,
                usd(c.epsilonSum)]
    }
    static var none: [Double] { Array(repeating: .nan, count: stored) }

    /// The CSV cells of `columns` (empty for a row that is not an equilibrium entry's).
    public static func cells(_ v: [Double], target: Double) -> [String] {
        guard v.count == stored, !v[1].isNaN else { return Array(repeating: "", count: columns.count) }
        // +∞ relative ε (zero equilibrium utility, positive gain) has no number: an empty field
        // (CSVs hold no infinities), with `converged` 0.
        func rel(_ x: Double) -> String { x == .infinity ? "" : num(x) }
        func money(_ x: Double) -> String { x.isNaN ? "" : num(x) }
        return [num(v[0]), rel(v[1]), rel(v[2]), v[1] <= target ? "1" : "0", num(v[3]), num(v[4])] + v[5...].map(money)
    }
}
