import Allocation
import Priors
import Workflows

/// How an agent's report z enters the allocation objective: STAR uses the ironed
/// virtual cost φ̄_i(z), VCG the bid itself.
public struct PriceMap: Sendable {
    /// The price of a report z (non-decreasing in z on the support).
    public let price: @Sendable (Double) -> Double
    /// The bids whose price is exactly p: `[smallest z with price(z) ≥ p, largest z with price(z) ≤ p]`
    /// (one point where the map is strictly increasing, a whole stretch where it is flat);
    /// `nil` when the price stays below p on the whole support.
    public let stretch: @Sendable (Double) -> (low: Double, high: Double)?
    /// The flat values of the map (ironed values, values across zero-density gaps): a breakpoint
    /// in price computed by intersecting two lines lands within rounding of one of these when
    /// the tie is between an agent and a competitor on the same stretch, and is snapped to it.
    public let flatValues: [Double]

    /// A price map from its three parts. `price` must be non-decreasing on the support (that is
    /// what makes the allocation monotone and the threshold payment truthful); `stretch` must be
    /// its generalised inverse as described above; `flatValues` lists the prices of its flat parts.
    public init(price: @escaping @Sendable (Double) -> Double, stretch: @escaping @Sendable (Double) -> (low: Double, high: Double)?,
                flatValues: [Double]) {
        self.price = price; self.stretch = stretch; self.flatValues = flatValues
    }

    /// Smallest z with price(z) ≥ p (nil if none in the support).
    public func inverse(_ p: Double) -> Double? { stretch(p)?.low }

    /// The map z ↦ w·price(z) for a weight w > 0 (still non-decreasing; same stretches).
    public func scaled(by w: Double) -> PriceMap {
        precondition(w > 0 && w.isFinite, "PriceMap.scaled(by:) needs a finite positive weight, got \(w)")
        let base = self
        return PriceMap(price: { w * base.price($0) }, stretch: { base.stretch($0 / w) }, flatValues: base.flatValues.map { w * $0 })
    }

    /// STAR's map: z ↦ φ̄(z), flat on ironed stretches and zero-density gaps.
    public static func virtual(_ curve: VirtualCost) -> PriceMap {
        PriceMap(price: { curve.ironed($0) }, stretch: { curve.bidStretch($0) },
                 flatValues: curve.intervals.map(\.value) + curve.gaps.map { curve.ironed($0.upperBound) })
    }
    /// VCG's and pay-as-bid's map: z ↦ z on the support up to `top`.
    public static func identity(top: Double) -> PriceMap {
        PriceMap(price: { $0 }, stretch: { $0 <= top ? ($0, $0) : nil }, flatValues: [])
    }

    /// `q` moved onto a flat value within 1e-12 relative, else `q`.
    func snapped(_ q: Double) -> Double {
        flatValue(near: q) ?? q
    }

    /// The flat value within 1e-12 relative of `q` (a price shared by a whole stretch of bids), if any.
    func flatValue(near q: Double) -> Double? {
        flatValues.first { abs($0 - q) <= 1e-12 * max(1, abs($0)) }
    }
}

/// Exact breakpoints by parametric search, or the paper's recursive bisection.
public enum PaymentMethod: Sendable, Hashable {
    /// Every breakpoint of x_i(z) on [b_i, hi_i] located exactly by parametric search (TheModel.md).
    case exact
    /// The paper's recursive bisection, resolving breakpoints to `epsilon` (in bid units, > 0).
    case bisection(epsilon: Double)
}

/// An allocation's objective as a function of agent i's price q: the line q·x + Σ_{j≠i} p_j·w_j
/// (the other prices fixed). The workloads `w` of every agent are kept rather than the intercept,
/// so two lines are compared by `CostModel.costChange` (agent by agent, exact zeros where a
/// workload does not move) instead of by intercepts of the size of the whole objective.
struct PriceLine {
    /// Agent i's workload: the slope.
    let x: Double
    /// Every agent's workload in the allocation (`CostModel.workloads`).
    let w: [Double]
    /// A line with slope `x` and the allocation's workloads `w`.
    init(x: Double, w: [Double]) { self.x = x; self.w = w }
    /// Agent `i`'s line of an allocation with workloads `w`.
    init(_ w: [Double], agent i: Int) { self.init(x: w[i], w: w) }
}

/// One agent's Myerson threshold payment (TheModel.md):
///     P_i = b_i·x_i(b_i) + ∫_{b_i}^{hi_i} x_i(z) dz
///
/// x_i(z) is the workload the allocation gives agent i at price `map.price(z)`. Two traps
/// are handled here, both of which used to break truthfulness (issue 13):
/// - **Flat stretches.** Where the price map is flat (an ironed stretch, a zero-density gap)
///   every bid of the stretch has the same price, so x_i is the allocation *at that price*
///   (under the solvers' single tie rule, `TieRule`) across the whole stretch: a tie-winner keeps
///   its work to the stretch's top, a tie-loser only to its bottom.
/// - **Infinite price at the top** (density zero at `hi`, so φ(hi) = +∞): prices are never
///   infinite inside the solver (0·∞ is NaN); the last breakpoint is found below a finite price
///   at which x_i already equals its minimum over all allocations (`saturation`).
public struct ThresholdPayment: Sendable {
    /// P_i: the threshold payment (money).
    public let payment: Double
    /// x_i at the agent's bid (work units).
    public let workload: Double
    /// Bids z at which x_i drops, with the workload just above each.
    public let breakpoints: [(bid: Double, workloadAbove: Double)]
    /// Allocation problems solved: one per price vector probed (a probe that first asks for the
    /// optimal value and then for the allocation at the same prices counts once).
    public let solverCalls: Int
    /// Solves of a single piece of the prepared problem by the piece-by-piece search
    /// (`PiecewiseRangeSearch`; a piece's value and then its allocation at one price count once),
    /// not counted in `solverCalls`.
    public let pieceProbes: Int

    /// A result; `pieceProbes` 0 unless the search went piece by piece.
    init(payment: Double, workload: Double, breakpoints: [(bid: Double, workloadAbove: Double)], solverCalls: Int, pieceProbes: Int = 0) {
        self.payment = payment; self.workload = workload; self.breakpoints = breakpoints
        self.solverCalls = solverCalls; self.pieceProbes = pieceProbes
    }

    /// Where the saturation search stops doubling (its last line is used as the top line).
    public static let farPrice = 1e200

    /// - Parameters: `prices` are every agent's current prices; agent `i` bids `bid`,
    ///   its support's top is `top`, `map` turns a bid into its price. `atBid`, when given, is
    ///   agent i's workload and the objective of `solver`'s allocation at `prices` (the outcome's),
    ///   and `allocationAtBid` that allocation: together they are used instead of solving again
    ///   when `prices[i]` is the bid's price (exact search only). The search's line at the bid is
    ///   built from the allocation's workloads, not from the objective, so `atBid` without
    ///   `allocationAtBid` solves at the bid's price once more.
    ///
    /// The exact search's breakpoints: when `solver`, prepared for agent i's price range, is a
    /// `PiecewiseRangeSearch` (pruned elimination, `RangeProbes.incremental`), piece by piece,
    /// each probe one piece's optimum; otherwise (or when the ends' allocations lie outside the
    /// prepared domains) by the whole-instance search below, each probe one allocation solve.
    public static func compute(agent i: Int, bid: Double, top: Double, prices: [Double], map: PriceMap,
                               model: CostModel, solver: any AllocationSolver, method: PaymentMethod,
                               atBid: (workload: Double, objective: Double)? = nil,
                               allocationAtBid: [Int]? = nil) throws -> ThresholdPayment {
        var calls = 0, pieceProbes = 0
        var p = prices
        /// The allocation of the last line solved (the piece-by-piece search starts from the ends').
        var lastAgents: [Int] = []
        // The solver of the probes: `solver`, or once the search's price range is known, the same
        // solver prepared for prices that move agent i's entry only (`PriceRangeSpecialising`).
        var active: any AllocationSolver = solver
        /// The optimal allocation's line at price q: slope x_i; its intercept Σ_{j≠i} p_j·x_j is
        /// kept as the workloads `w` of every agent (see `PriceLine`). `tieRule: false` takes any
        /// optimum: only where a tie at q cannot change the payment (a probe strictly below the two
        /// lines it splits; a top price on no flat stretch).
        func line(_ q: Double, tieRule: Bool = true) throws -> PriceLine {
            p[i] = q
            calls += 1
            return try lineAtCurrentPrices(tieRule: tieRule)
        }
        /// The line at `p` as it stands (agent i's price already set), not counted again.
        func lineAtCurrentPrices(tieRule: Bool) throws -> PriceLine {
            let a = try tieRule ? active.solve(prices: p) : active.anyOptimum(prices: p)
            lastAgents = a.agents
            return PriceLine(model.workloads(a.agents), agent: i)
        }
        /// How much `b`'s intercept exceeds `a`'s (Σ_{j≠i} p_j·(x_j(b) − x_j(a))), and that sum's scale.
        func interceptChange(_ a: PriceLine, _ b: PriceLine) -> (change: Double, magnitude: Double) {
            CostModel.costChange(from: a.w, to: b.w, prices: prices, excluding: i)
        }
        func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(1, abs(a), abs(b)) }
        /// x_i's minimum over capable allocations (prices: 1 for agent i, 0 for the others, so the
        /// objective *is* x_i), then the first price pa + 2^k·max(1, |pa|) at which the allocation
        /// already gives that minimum: no breakpoint of x_i lies beyond it. Prices stay moderate,
        /// which GLPK needs (a 1e200 coefficient wrecks its simplex).
        func saturation() throws -> (price: Double, line: PriceLine) {
            var unit = [Double](repeating: 0, count: prices.count)
            unit[i] = 1
            calls += 1
            let xMin = try solver.solve(prices: unit).objective
            let pa = map.price(bid)
            var step = max(1, abs(pa)), q = pa + step
            var l = try line(q)
            while !same(l.x, xMin) && q < farPrice {
                step *= 2; q = pa + step
                l = try line(q)
            }
            return (q, l)
        }
        switch method {
        case .exact:
            let pa = map.price(bid)
            let la: PriceLine
            var laAgents: [Int]?
            if let atBid, let allocationAtBid, pa == prices[i] {
                la = PriceLine(x: atBid.workload, w: model.workloads(allocationAtBid))
                laAgents = allocationAtBid
            } else {
                la = try line(pa)
                laAgents = lastAgents
            }
            if la.x == 0 { return ThresholdPayment(payment: 0, workload: 0, breakpoints: [], solverCalls: calls) }
            // The top line: at φ̄(top) when finite, else at the first doubling of the price whose
            // workload equals the minimum workload (no breakpoint of x_i lies beyond it).
            var pb = map.price(top), lb: PriceLine
            var lbTieRule = true
            if pb.isFinite {
                guard pb > pa else {
                    return ThresholdPayment(payment: bid * la.x + la.x * (top - bid), workload: la.x, breakpoints: [], solverCalls: calls)
                }
                // The tie rule's x_i at pb matters only when a whole stretch of bids is priced pb (a
                // flat value of the map, as the back-to-bids step below snaps it); elsewhere only the
                // single bid `top` has price pb.
                lbTieRule = map.flatValue(near: pb) != nil
                lb = try line(pb, tieRule: lbTieRule)
            } else {
                (pb, lb) = try saturation()
            }
            var lbAgents = lastAgents
            // Every probe from here on moves agent i's price only, within [pa, pb]: a solver that
            // can prepare for that (pruned elimination: one dominance reduction for the range) does.
            if let s = solver as? any PriceRangeSpecialising, let prepared = s.specialised(agent: i, prices: prices, range: pa...pb) {
                active = prepared
            }
            var found: [(price: Double, above: Double)] = []
            var piecewise = false
            if let search = active as? any PiecewiseRangeSearch {
                // Piece by piece, from the ends' allocations (at the bid: the outcome's, else solved
                // again). An end solved without the tie rule before the preparation may lie outside
                // the prepared domains (an interchangeable agent): it is replaced by the prepared
                // solver's optimum at the same price (any optimum serves there, as for `lb` itself).
                if laAgents == nil { p[i] = pa; calls += 1; laAgents = try active.solve(prices: p).agents }
                if let laAgents {
                    var f = search.pieceBreakpoints(low: (pa, laAgents), high: (pb, lbAgents), probes: &pieceProbes)
                    if f == nil && !lbTieRule {
                        p[i] = pb; calls += 1
                        lbAgents = try active.anyOptimum(prices: p).agents
                        f = search.pieceBreakpoints(low: (pa, laAgents), high: (pb, lbAgents), probes: &pieceProbes)
                    }
                    if let f { found = f; piecewise = true }
                }
            }
            // Eisner–Severance: W(q) = min over allocations of lines is concave piecewise linear;
            // intersect the lines at two known prices, probe there, recurse on a new line.
            //
            // Lines are compared by differences only, summed agent by agent (`interceptChange`):
            // never by an intercept formed as objective − q·x_i, nor by the optimal value W(q)
            // against a line's value. Both are of the size of the whole objective (q·x_i is ~10¹⁹
            // with tiny-weight priors, whose φ̄ reaches ~3·10¹⁶), whose rounding swamps the
            // differences that place a breakpoint (payments were off by up to 7.6 % on the tests'
            // tiny-weight instances). So the probe at q takes an optimum's allocation
            // m (any optimum: a tie at q confirms the breakpoint whichever side wins) and asks
            // whether m lies below a at q by more than 1e-11 of the terms that differ between them.
            var stack = piecewise ? [] : [(pa, la, pb, lb)]
            while let (qa, a, qb, b) = stack.popLast() {
                if a.x == b.x { continue }
                let q = interceptChange(a, b).change / (a.x - b.x)
                guard q > qa, q < qb, calls < 10_000 else { found.append((min(max(q, qa), qb), b.x)); continue }
                p[i] = q
                calls += 1
                let m = try lineAtCurrentPrices(tieRule: false)
                // m's value at q minus a's: (m.x − a.x)·q + Σ_{j≠i} p_j·(x_j(m) − x_j(a)).
                let rest = interceptChange(a, m), own = (m.x - a.x) * q
                let below = -(own + rest.change), tol = 1e-11 * max(1, abs(own) + rest.magnitude)
                if below <= tol {
                    found.append((q, b.x))
                } else if m.x == a.x || m.x == b.x {
                    // Parallel to an end's line and below it at q, hence everywhere: that end was
                    // optimal at its price only within the solver's rounding (at φ̄ ≈ 10¹⁶ the
                    // objective's ulp exceeds what the other agents' allocations differ by, so the
                    // tie rule may pick a costlier one with the same x_i). Its x_i is right but its
                    // intercept is not: search again with m in its place (each replacement lowers
                    // that end's line, so this ends).
                    stack.append(m.x == a.x ? (qa, m, qb, b) : (qa, a, qb, m))
                } else {
                    stack.append((q, m, qb, b))
                    stack.append((qa, a, q, m))
                }
            }
            if !piecewise { found.sort { $0.price < $1.price } }
            // Back to bids. Between breakpoints x is constant; at a breakpoint q the bids priced
            // exactly q (a point, or a flat stretch) get the allocation at q itself. Pieces meeting
            // at one price (the agent ties with the same competitor in several pieces) report it
            // once each, apart by the rounding of their own intersections: breakpoints within 1e-12
            // relative of a group's first price (as `PriceMap.snapped` treats prices) are one
            // breakpoint at that price, with the workload above the last of them (the
            // whole-instance search finds such a price once, within its tolerance).
            var merged: [(price: Double, above: Double)] = []
            for (raw, above) in found {
                let q = map.snapped(raw)
                if piecewise, let last = merged.last, abs(q - last.price) <= 1e-12 * max(1, abs(last.price)) { merged[merged.count - 1].above = above } else { merged.append((q, above)) }
            }
            var total = bid * la.x, z = bid, x = la.x
            var bps: [(bid: Double, workloadAbove: Double)] = []
            for (q, above) in merged {
                guard let st = map.stretch(q) else { break }  // priced beyond the support's top
                let zl = min(top, max(z, st.low)), zh = min(top, max(zl, st.high))
                // The piece-by-piece search skips the tie rule's solve where the stretch is not a flat
                // part of the map but a rounding plateau of its computed values (a price off
                // `flatValues` shared by bids at most 64 ulps apart): x on it is x or `above`, and
                // either moves the integral by less than 64 ulps of the bid times the step.
                let plateau = piecewise && map.flatValue(near: q) == nil && zh - zl <= 64 * zh.ulp
                let xq = zh > zl && !plateau ? (q == pa ? la.x : try line(q).x) : above
                total += x * (zl - z) + xq * (zh - zl)
                if xq != x { bps.append((zl, xq)) }
                if above != xq { bps.append((zh, above)) }
                z = zh; x = above
            }
            total += x * (top - z)
            return ThresholdPayment(payment: total, workload: la.x, breakpoints: bps, solverCalls: calls, pieceProbes: pieceProbes)

        case let .bisection(eps):
            // STAR Appendix C: keep intervals whose end workloads differ, split at the midpoint
            // until shorter than ε; a remaining drop is placed at the interval's midpoint.
            // Prices above the saturation price give the minimum workload without a solve.
            var sat: (price: Double, x: Double)?
            if !map.price(top).isFinite { let s = try saturation(); sat = (s.price, s.line.x) }
            func x(_ z: Double) throws -> Double {
                let q = map.price(z)
                if let sat, q >= sat.price { return sat.x }
                return try line(q).x
            }
            let x0 = try x(bid)
            var total = bid * x0
            var bps: [(bid: Double, workloadAbove: Double)] = []
            var stack = [(bid, x0, top, try x(top))]
            while let (l, xl, r, xr) = stack.popLast() {
                if xl == xr { total += xl * (r - l); continue }
                let mid = (l + r) / 2
                if r - l < eps || mid <= l || mid >= r {
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
