import Allocation
import Workflows

/// Myerson's threshold payment P_i = b_i·x_i(b_i) + ∫_{b_i}^{hi_i} x_i(z) dz against *any*
/// deterministic allocation rule: x_i(z) is agent i's workload in the allocation that the
/// competition's solver returns at price `map.price(z)`, whatever that solver is.
///
/// ``ThresholdPayment``'s exact search cannot be used for an inexact allocator: it intersects
/// the lines of the optimal value W(q) = min_A Σ p·x (concave, piecewise linear), which exist
/// only for an exact minimiser. Its bisection starts from [b, hi] and splits only intervals
/// whose end workloads differ, which is exact for a monotone x_i but misses a bump of a
/// non-monotone one between two equal ends. Here x_i is sampled on `grid` + 1 evenly spaced
/// bids of [b, hi] first, then every neighbouring pair whose workloads differ is bisected down
/// to `resolution` × (hi − b); a step is placed at the middle of its last bracket. For a monotone
/// rule the result equals the threshold payment to that resolution; for a non-monotone one it is
/// the payment identity's integral of x_i as this search sees it (bumps narrower than the grid
/// spacing whose ends agree are missed — the DSIC harness probes independently).
///
/// A zero density at the top makes φ̄(hi) infinite; the integral then stops at the largest
/// bid below hi with a finite price (moved inward by (hi − b)·1e-16·2^k) and carries that
/// bid's workload over the sliver above it, as the DSIC harness does.
public struct OwnRuleThresholdRule: PaymentRule {
    /// Evenly spaced bids sampled before bisecting (default 16).
    public let grid: Int
    /// Bisection stops at this fraction of the integration range (default 1e-12).
    public let resolution: Double
    /// A rule sampling `grid` + 1 bids and bisecting to `resolution` × the range.
    public init(grid: Int = 16, resolution: Double = 1e-12) {
        precondition(grid >= 1 && resolution > 0, "OwnRuleThresholdRule needs grid ≥ 1 and resolution > 0")
        self.grid = grid; self.resolution = resolution
    }
    /// `.priorTop`: the integral runs to the winner's prior top.
    public var reserve: ReserveRule { .priorTop }

    /// The payment; (grid + 1 + ~42 per step of x_i) solves of the competition's solver.
    /// - Throws: the solver's errors.
    public func pay(_ w: Winner) throws -> PaymentQuote {
        guard case let .optimisation(prices, map, model, solver, _, _) = w.competition else {
            preconditionFailure("OwnRuleThresholdRule needs an optimisation allocation (prices, price map, solver)")
        }
        var calls = 0
        var p = prices
        func x(_ z: Double) throws -> Double {
            p[w.agent] = map.price(z)
            calls += 1
            return model.workloads(try solver.solve(prices: p).agents)[w.agent]
        }
        let lo = w.bid
        var hi = w.top
        var step = max(hi - lo, 1e-300) * 1e-16
        for _ in 0..<60 where !map.price(hi).isFinite && hi > lo {
            hi = max(lo, w.top - step)
            step *= 2
        }
        let x0 = try x(lo)
        guard hi > lo else { return PaymentQuote(amount: lo * x0 + x0 * (w.top - lo), solverCalls: calls) }
        let bids = (0...grid).map { k in k == grid ? hi : lo + (hi - lo) * Double(k) / Double(grid) }
        var values = [x0]
        for z in bids.dropFirst() { values.append(try x(z)) }
        let width = resolution * (hi - lo)
        var integral = 0.0
        for k in 0..<grid {
            var stack = [(bids[k], values[k], bids[k + 1], values[k + 1])]
            while let (l, xl, r, xr) = stack.popLast() {
                if xl == xr { integral += xl * (r - l); continue }
                let mid = (l + r) / 2
                if r - l <= width || mid <= l || mid >= r { integral += xl * (mid - l) + xr * (r - mid); continue }
                let xm = try x(mid)
                stack.append((mid, xm, r, xr))
                stack.append((l, xl, mid, xm))
            }
        }
        integral += values[grid] * (w.top - hi)
        return PaymentQuote(amount: lo * x0 + integral, solverCalls: calls)
    }
}
