import Priors

/// A monotone bid function b(c) of one agent: piecewise linear through `(costs[k], bids[k])`,
/// extended linearly beyond the outer knots (first and last segment's slope), and clamped to
/// `[floor, ceiling]` (the agent's support).
///
/// Why piecewise linear on a grid: the symmetric first-price equilibria the tests pin are smooth,
/// so a handful of knots represent them to well under 1 % of the support, and a grid makes the
/// best-response step a finite computation (one best response per knot).
/// Why linear (not constant) beyond the outer knots: a constant would put an atom in the bid
/// distribution, which every best response then undercuts.
public struct BidFunction: Sendable, Codable, Equatable {
    /// Own-cost knots, strictly increasing, inside the agent's support.
    public let costs: [Double]
    /// Bid at each knot, non-decreasing.
    public let bids: [Double]
    /// Bids are kept in [floor, ceiling] (the support's valid ends).
    public let floor: Double
    /// Upper clamp of every bid (the support's valid top).
    public let ceiling: Double

    /// A bid function through the knots `(costs[k], bids[k])`, clamped to [floor, ceiling].
    /// - Precondition: `costs` and `bids` have the same length, at least 2.
    public init(costs: [Double], bids: [Double], floor: Double, ceiling: Double) {
        precondition(costs.count == bids.count && costs.count >= 2, "a bid function needs ≥ 2 knots, one bid per knot")
        self.costs = costs
        self.bids = bids
        self.floor = floor
        self.ceiling = ceiling
    }

    /// Truthful bidding b(c) = c on `costs`.
    public static func truthful(_ costs: [Double], floor: Double, ceiling: Double) -> BidFunction {
        BidFunction(costs: costs, bids: costs, floor: floor, ceiling: ceiling)
    }

    /// The bid of an agent whose cost is `c`.
    public func bid(_ c: Double) -> Double { min(ceiling, max(floor, unclamped(c))) }

    /// This bid function carried to the support [`floor`, `ceiling`] by the affine map of
    /// [self.floor, self.ceiling] onto it, applied to costs and bids alike.
    /// Why: when every cost, prior and bid of a game is multiplied by k > 0 (a trial's diurnal
    /// price factor in the paper's market) the mechanisms' allocations are unchanged and their
    /// payments scale by k, so b is an equilibrium of the first game exactly when its map is one
    /// of the second (`EquilibriumScalingTests`). Trials that also differ in token counts are
    /// not scaled copies; there the map is a warm start, and the certificate decides.
    public func mapped(floor lo: Double, ceiling hi: Double) -> BidFunction {
        let s = (hi - lo) / (ceiling - floor)
        let f = { (x: Double) in lo + (x - self.floor) * s }
        return BidFunction(costs: costs.map(f), bids: bids.map(f), floor: lo, ceiling: hi)
    }

    func unclamped(_ c: Double) -> Double {
        let n = costs.count
        if c <= costs[0] { return bids[0] + (c - costs[0]) * (bids[1] - bids[0]) / (costs[1] - costs[0]) }
        if c >= costs[n - 1] { return bids[n - 1] + (c - costs[n - 1]) * (bids[n - 1] - bids[n - 2]) / (costs[n - 1] - costs[n - 2]) }
        // Binary search for the knot interval containing c.
        var lo = 0, hi = costs.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if costs[mid] <= c { lo = mid } else { hi = mid }
        }
        let t = (c - costs[lo]) / (costs[hi] - costs[lo])
        return bids[lo] + t * (bids[hi] - bids[lo])
    }
}

/// The solver's K knots: the midpoints of K equal cells of [a, b].
///
/// Why midpoints, not the ends: in first-price-like games the lowest type is indifferent at
/// equilibrium (its best response sits exactly at the kink "just below the others' lowest bid",
/// with zero slope on the right), so a knot there has no restoring force and a sampled best
/// response ratchets it upward, dragging the types above with it. At the cell midpoint the best
/// response is interior with ordinary curvature. The certificate still checks the ends.
///
/// With `lowerEnd`, the first knot is the support's lower end and the other K−1 are the midpoints
/// of K−1 cells. Why an option: on S4 (pay-as-bid) the largest deviation gains sat at the lowest
/// types, below the first midpoint, where the bid function is extrapolated across a jump; a knot
/// there cut the max relative ε from 2.3 % to 1.8 % (same settings) — but on one-node first price
/// it is the ratcheting knot described above (n = 5: 3.5 % of the support off the closed form).
func knotGrid(_ a: Double, _ b: Double, _ k: Int, lowerEnd: Bool = false) -> [Double] {
    let cells = lowerEnd ? k - 1 : k
    let mids: [Double] = (0..<cells).map { (j: Int) -> Double in a + (b - a) * (Double(j) + 0.5) / Double(cells) }
    return lowerEnd ? [a] + mids : mids
}

/// `n` evenly spaced points from `a` to `b` (both ends included), for n ≥ 2.
func evenGrid(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
    (0..<n).map { k in k == n - 1 ? b : a + (b - a) * Double(k) / Double(n - 1) }
}

/// The support's ends, each moved inward to the nearest point with positive density and a finite
/// ironed virtual cost. Why: a mechanism that prices by φ̄ (STAR) cannot take a bid where φ̄ is
/// infinite, and no type ever sits at a zero-density end, so bids and knots stay inside.
/// (Same rule as the DSIC harness's `validEnds`, which is internal to Truthfulness.)
func validEnds(_ curve: VirtualCost) -> (Double, Double) {
    var lo = curve.support.lowerBound, hi = curve.support.upperBound
    let w = hi - lo
    var step = w * 1e-16
    var k = 0
    while !(curve.ironed(lo).isFinite && curve.prior.pdf(lo) > 0) && k < 40 { k += 1; step *= 2; lo = curve.support.lowerBound + step }
    step = w * 1e-16
    k = 0
    while !(curve.ironed(hi).isFinite && curve.prior.pdf(hi) > 0) && k < 40 { k += 1; step *= 2; hi = curve.support.upperBound - step }
    return (lo, hi)
}
