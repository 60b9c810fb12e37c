import Mechanisms
import Workflows

/// Agent i's payment and workload as functions of its own bid b, the others' bids fixed:
/// x_i(b) is a non-increasing step function (monotone allocation), and on each step the payment
/// is affine in b — b·x for pay-as-bid, a constant for threshold payments and for the
/// second-price baselines (Myopic, Homogeneous).
///
/// Why this representation: with it the *sample-average* utility ū(b) = mean_p P_p(b) − c·x_p(b)
/// is piecewise linear in b for every own cost c, so a best response over **all** bids in the
/// support is exact (a maximum over interval ends), not limited to a bid grid, and is shared by
/// every own cost on the grid (P and x do not depend on c).
///
/// Steps come from the mechanism's own exact parametric search (`allocationBreakpoints`); each
/// piece is probed at ⅓ and ⅔ of its width with `run`, and a piece whose two probes disagree
/// on the workload (a step the search missed) is split in halves, so a wrong breakpoint list
/// costs runs, not correctness.
struct OwnBidProfile: Sendable {
    struct Piece: Sendable {
        let low: Double
        let high: Double
        /// P(b) = alpha + beta·b on [low, high).
        let alpha: Double
        let beta: Double
        let workload: Double
    }
    let pieces: [Piece]
    let runs: Int

    init(_ mechanism: any Mechanism, instance: Instance, agent i: Int, range: ClosedRange<Double>,
         options: MechanismOptions) throws {
        let lo = range.lowerBound, hi = range.upperBound
        let width = hi - lo
        let inner = try mechanism.allocationBreakpoints(instance.withBid(i, lo), agent: i, options: options)
            .filter { $0 > lo && $0 < hi }
        let cuts = [lo] + Array(Set(inner)).sorted() + [hi]
        var out: [Piece] = []
        var runs = 0
        func probe(_ b: Double) throws -> (p: Double, x: Double) {
            runs += 1
            let o = try mechanism.run(instance.withBid(i, b), options: options)
            return (o.payments[i], o.workloads[i])
        }
        func add(_ a: Double, _ b: Double, depth: Int) throws {
            let w = b - a
            guard w > 0 else { return }
            let b1 = a + w / 3, b2 = a + 2 * w / 3
            let p1 = try probe(b1)
            // Below ~1e-12 of the support a piece's slope cannot be fitted reliably; its payment
            // is taken as constant (error ≤ x·width, negligible at that width).
            if w <= 1e-12 * width || b2 <= b1 {
                out.append(Piece(low: a, high: b, alpha: p1.p, beta: 0, workload: p1.x)); return
            }
            let p2 = try probe(b2)
            if p1.x != p2.x && depth < 40 {
                let m = a + w / 2
                try add(a, m, depth: depth + 1)
                try add(m, b, depth: depth + 1)
                return
            }
            let beta = (p2.p - p1.p) / (b2 - b1)
            out.append(Piece(low: a, high: b, alpha: p1.p - beta * b1, beta: beta, workload: (p1.x + p2.x) / 2))
        }
        for (a, b) in zip(cuts, cuts.dropFirst()) { try add(a, b, depth: 0) }
        pieces = out
        self.runs = runs
    }

    /// (P_i(b), x_i(b)) from the piece containing b (the last piece is closed at the top).
    func outcome(at b: Double) -> (payment: Double, workload: Double) {
        var lo = 0, hi = pieces.count - 1
        while lo < hi { let mid = (lo + hi + 1) / 2; if pieces[mid].low <= b { lo = mid } else { hi = mid - 1 } }
        return (pieces[lo].alpha + pieces[lo].beta * b, pieces[lo].workload)
    }

    /// The highest bid whose workload differs from the top bid's (the top of the highest piece
    /// with another workload), nil when the workload is the same at every bid: above it the
    /// agent gets what it gets by bidding the top, so a type whose cost is above it cannot gain
    /// from winning more in this profile.
    var highestResponsiveBid: Double? {
        guard let top = pieces.last else { return nil }
        return pieces.last { $0.workload != top.workload }?.high
    }

    /// Whether the agent is never paid more than its bid times its workload here (pay-as-bid:
    /// exactly that). Only then does a cost above `highestResponsiveBid` rule out a profitable
    /// win; a mechanism that can pay more than the bid (Myopic's per-node second price) rewards
    /// underbidding, so a high type can still gain by winning below its cost.
    var paysAtMostBid: Bool {
        pieces.allSatisfy { p in
            [p.low, p.high].allSatisfy { b in p.alpha + p.beta * b <= b * p.workload + 1e-12 * max(1, abs(b * p.workload)) }
        }
    }

    /// Whether the agent's payment is constant on every piece (threshold and second-price
    /// payments, Myopic), not moved by its own bid as under pay-as-bid. Only such agents are
    /// polished (`EquilibriumSolver.polish`): where the payment is the bid, the exact best
    /// response sits just below a rival's bid and simultaneous best responses undercut each
    /// other (pay-as-bid, S1/S4: mean largest relative ε 1.84 % → 16 % after one round).
    /// The tolerance (1e-9 of the payment over the support's width) absorbs the rounding of the
    /// slope fitted from two probes.
    var paymentIgnoresBid: Bool {
        guard let first = pieces.first, let last = pieces.last else { return true }
        let width = last.high - first.low
        return pieces.allSatisfy { abs($0.beta) * width <= 1e-9 * max(1, abs($0.alpha + $0.beta * $0.low)) }
    }

    /// Whether the agent's bid matters at all between `a` and `b` in this profile: its workload
    /// or its payment differs (a type that loses at both, paid nothing, learns nothing here).
    func responds(between a: Double, and b: Double) -> Bool {
        let (u, v) = (outcome(at: a), outcome(at: b))
        return u.workload != v.workload || u.payment != v.payment
    }
}

/// The sample average of many `OwnBidProfile`s of one agent: on each elementary interval
/// [z_k, z_{k+1}) of the union of their pieces, ū(b) = (A_k + B_k·b − c·X_k) / N.
struct AverageUtility: Sendable {
    /// Interval ends z_0 < z_1 < … < z_m (z_0 = low, z_m = high of the bid range).
    let ends: [Double]
    let a: [Double], b: [Double], x: [Double]
    let count: Double

    init(_ profiles: [OwnBidProfile]) {
        var zs = Set<Double>()
        for p in profiles { for piece in p.pieces { zs.insert(piece.low); zs.insert(piece.high) } }
        let ends = zs.sorted()
        let m = max(0, ends.count - 1)
        var da = Array(repeating: 0.0, count: m + 1), db = da, dx = da
        func index(_ z: Double) -> Int {
            var lo = 0, hi = ends.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if ends[mid] < z { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        for p in profiles {
            for piece in p.pieces {
                let l = index(piece.low), r = index(piece.high)
                da[l] += piece.alpha; db[l] += piece.beta; dx[l] += piece.workload
                da[r] -= piece.alpha; db[r] -= piece.beta; dx[r] -= piece.workload
            }
        }
        var a: [Double] = [], b: [Double] = [], x: [Double] = []
        var sa = 0.0, sb = 0.0, sx = 0.0
        for k in 0..<m { sa += da[k]; sb += db[k]; sx += dx[k]; a.append(sa); b.append(sb); x.append(sx) }
        self.ends = ends; self.a = a; self.b = b; self.x = x
        count = Double(max(1, profiles.count))
    }

    /// Interval containing bid z (the last interval is closed at the top).
    func interval(_ z: Double) -> Int {
        var lo = 0, hi = a.count - 1
        while lo < hi { let mid = (lo + hi + 1) / 2; if ends[mid] <= z { lo = mid } else { hi = mid - 1 } }
        return lo
    }

    /// ū(z) for own cost c.
    func utility(bid z: Double, cost c: Double) -> Double {
        let k = interval(z)
        return (a[k] + b[k] * z - c * x[k]) / count
    }

    /// The bid in [from, top] maximising ū for own cost c, and its value. ū is linear on each
    /// interval, so the maximum is at an interval's left end or just left of its right end
    /// (`nudge` inside, where a step down in the workload has not happened yet).
    func bestResponse(cost c: Double, from: Double) -> (bid: Double, utility: Double) {
        var best = (bid: from, utility: utility(bid: from, cost: c))
        let top = ends[ends.count - 1]
        let nudge = 1e-9 * (top - ends[0])
        for k in 0..<a.count where ends[k + 1] > from {
            let left = max(ends[k], from)
            let last = k == a.count - 1
            var right = last ? ends[k + 1] : ends[k + 1] - nudge
            if right <= left { right = left + (ends[k + 1] - left) / 2 }
            for z in [left, right] {
                let u = (a[k] + b[k] * z - c * x[k]) / count
                if u > best.utility { best = (z, u) }
            }
        }
        return best
    }
}
