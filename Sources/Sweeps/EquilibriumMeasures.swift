import Equilibrium
import LabIO

/// The per-row numbers an equilibrium entry adds to a sweep row (`TrialRow.equilibrium`,
/// stored in row files after the seven measures), in this order; NaN for the other mechanisms
/// of a spec that has equilibrium entries. Money in $ like `total_payment`.
public enum EquilibriumMeasures {
    /// The CSV columns an equilibrium entry adds to `trials.csv` (money in $, ε relative to utility).
    public static let columns = ["epsilon", "relative_epsilon", "relative_epsilon_ci_high", "converged",
                                 "expected_payment_equilibrium", "expected_payment_truthful"]
    /// Stored values (`converged` is derived from `relative_epsilon` and the target).
    public static let stored = 5
    /// The stored values of one play: max ε over agents ($), max relative ε, the largest upper
    /// end of an agent's 95 % interval of relative ε, and the expected total payments at
    /// equilibrium and at truthful bids on the certificate's fresh profiles ($).
    static func values(_ r: EquilibriumResult, usd: (Double) -> Double) -> [Double] {
        let c = r.certificate
        return [usd(c.maxEpsilon), c.maxRelativeEpsilon, c.perAgent.map(\.relativeEpsilon.ciHigh).max() ?? 0,
                usd(r.payments.equilibrium.mean), usd(r.payments.truthful.mean)]
    }
    static var none: [Double] { Array(repeating: .nan, count: stored) }

    /// The CSV cells of `columns` (empty for a row that is not an equilibrium entry's).
    public static func cells(_ v: [Double], target: Double) -> [String] {
        guard v.count == stored, !v[1].isNaN else { return Array(repeating: "", count: columns.count) }
        // +∞ relative ε (zero equilibrium utility, positive gain) has no number: an empty field
        // (CSVs hold no infinities), with `converged` 0.
        func rel(_ x: Double) -> String { x == .infinity ? "" : num(x) }
        return [num(v[0]), rel(v[1]), rel(v[2]), v[1] <= target ? "1" : "0", num(v[3]), num(v[4])]
    }
}
