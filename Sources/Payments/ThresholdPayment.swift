import Allocation
import Priors
import Workflows

/// How an agent's report z enters the allocation objective: STAR uses the ironed
/// virtual cost φ̄_i(z), VCG the bid itself.
public struct PriceMap: Sendable {
    public let price: @Sendable (Double) -> Double
    /// Smallest z with price(z) ≥ p (nil if none in the support).
    public let inverse: @Sendable (Double) -> Double?

    public static func virtual(_ curve: VirtualCost) -> PriceMap {
        PriceMap(price: { curve.ironed($0) }, inverse: { curve.inverseIroned($0) })
    }
    public static func identity(top: Double) -> PriceMap {
        PriceMap(price: { $0 }, inverse: { $0 <= top ? $0 : nil })
    }
}

/// Exact breakpoints by parametric search, or the paper's recursive bisection.
public enum PaymentMethod: Sendable, Hashable {
    case exact
    case bisection(epsilon: Double)
}

/// One agent's Myerson threshold payment (SPEC §3):
///     P_i = b_i·x_i(b_i) + ∫_{b_i}^{hi_i} x_i(z) dz
public struct ThresholdPayment: Sendable {
    public let payment: Double
    public let workload: Double
    /// Bids z at which x_i drops, with the workload just above each.
    public let breakpoints: [(bid: Double, workloadAbove: Double)]
    public let solverCalls: Int

    /// - Parameters: `prices` are every agent's current prices; agent `i` bids `bid`,
    ///   its support's top is `top`, `map` turns a bid into its price.
    public static func compute(agent i: Int, bid: Double, top: Double, prices: [Double], map: PriceMap,
                               model: CostModel, solver: any AllocationSolver, method: PaymentMethod) throws -> ThresholdPayment {
        var calls = 0
        var p = prices
        /// The optimal allocation's line at price q: slope x_i, intercept (objective − q·x_i).
        func line(_ q: Double) throws -> (x: Double, rest: Double) {
            p[i] = q
            calls += 1
            let a = try solver.solve(prices: p)
            let x = model.workloads(a.agents)[i]
            return (x, a.objective - q * x)
        }
        switch method {
        case .exact:
            let pa = map.price(bid), pb = map.price(top)
            let la = try line(pa)
            guard pb > pa, la.x > 0 else {
                return ThresholdPayment(payment: bid * la.x + la.x * (top - bid), workload: la.x, breakpoints: [], solverCalls: calls)
            }
            let lb = try line(pb)
            // Eisner–Severance: W(q) = min over allocations of lines is concave piecewise linear;
            // intersect the lines at two known prices, probe there, recurse on a new line.
            var found: [(price: Double, above: Double)] = []
            var stack = [(pa, la, pb, lb)]
            while let (qa, a, qb, b) = stack.popLast() {
                if a.x == b.x { continue }
                let q = (b.rest - a.rest) / (a.x - b.x)
                guard q > qa, q < qb, calls < 10_000 else { found.append((min(max(q, qa), qb), b.x)); continue }
                let m = try line(q)
                let onA = a.x * q + a.rest
                let tol = 1e-11 * max(1, abs(onA))
                if m.x * q + m.rest >= onA - tol || m.x == a.x || m.x == b.x {
                    found.append((q, b.x))
                } else {
                    stack.append((q, m, qb, b))
                    stack.append((qa, a, q, m))
                }
            }
            found.sort { $0.price < $1.price }
            // Back to bids: x is constant between consecutive breakpoint bids.
            var total = bid * la.x, z = bid, x = la.x
            var bps: [(bid: Double, workloadAbove: Double)] = []
            for (q, above) in found {
                let zk = min(top, max(bid, map.inverse(q) ?? top))
                total += x * (zk - z)
                z = zk; x = above
                bps.append((zk, above))
            }
            total += x * (top - z)
            return ThresholdPayment(payment: total, workload: la.x, breakpoints: bps, solverCalls: calls)

        case let .bisection(eps):
            // STAR Appendix C: keep intervals whose end workloads differ, split at the midpoint
            // until shorter than ε; a remaining drop is placed at the interval's midpoint.
            func x(_ z: Double) throws -> Double { try line(map.price(z)).x }
            let x0 = try x(bid)
            var total = bid * x0
            var bps: [(bid: Double, workloadAbove: Double)] = []
            var stack = [(bid, x0, top, try x(top))]
            while let (l, xl, r, xr) = stack.popLast() {
                if xl == xr { total += xl * (r - l); continue }
                let mid = (l + r) / 2
                if r - l < eps {
                    total += xl * (mid - l) + xr * (r - mid)
                    bps.append((mid, xr))
                    continue
                }
                let xm = try x(mid)
                stack.append((mid, xm, r, xr))
                stack.append((l, xl, mid, xm))
            }
            bps.sort { $0.bid < $1.bid }
            return ThresholdPayment(payment: total, workload: x0, breakpoints: bps, solverCalls: calls)
        }
    }
}
