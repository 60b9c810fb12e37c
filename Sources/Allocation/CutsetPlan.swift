import Workflows

/// `CutsetConditioning`'s solve laid out for speed: the cost model, the forest left by the cutset
/// and the cutset's edges in flat buffers built once per solver, and one scratch block per call
/// instead of a dozen arrays (the price terms, the DP table, the argmins, the allocation).
///
/// A payment search solves the same small model many times (S2: about nine solves per bid
/// profile), so the arrays, retains and bounds checks of the nested-array form
/// (`CutsetConditioning.referenceSearch`) cost more than the tree DPs themselves. The arithmetic
/// is the reference's, operation for operation and in the same order — priced terms p_i·base and
/// p_i·saving, the cutset's constant, the boundary savings, the min-trick fold, the traceback and
/// the certificate — so values, allocations and gaps are bit for bit the same (the tests compare
/// them on random prices). Immutable after `init`, so one plan is shared by every thread.
///
/// Rows of M agents are stored with an even stride S (M, or M + 1 with a padding agent that may
/// take no node: unary +∞, saving 0), so the fold's row update runs on pairs of doubles. The
/// padding entries stay +∞ through every pass and are never read as an agent. A row's minimum is
/// taken pairwise (the minimum of a set of doubles does not depend on the order: no NaN arises, as
/// prices and tokens are finite and non-negative), and its argmin is then the first agent at that
/// value — what the reference's left-to-right scan keeps.
final class CutsetPlan: @unchecked Sendable {
    /// Nodes, agents, edges, and the row stride (M rounded up to even, at least 2).
    let V: Int, M: Int, E: Int, S: Int
    /// The cutset nodes, ascending.
    let cut: UnsafeMutableBufferPointer<Int>
    /// Per cut node j, its capable agents (ascending) at `choice[choiceStart[j] ..< choiceStart[j + 1]]`.
    let choice: UnsafeMutableBufferPointer<Int>
    let choiceStart: UnsafeMutableBufferPointer<Int>
    /// Edges inside the cutset: (from, to, edge index) per entry, flat.
    let inner: UnsafeMutableBufferPointer<Int>
    /// Edges from the cutset to the forest: (edge index, cut node, other node) per entry, flat, in the model's edge order.
    let boundary: UnsafeMutableBufferPointer<Int>
    /// The forest: BFS order, and per node its parent (−1 for roots and cut nodes) and the edge to it.
    let order: UnsafeMutableBufferPointer<Int>
    let parent: UnsafeMutableBufferPointer<Int>
    let parentEdge: UnsafeMutableBufferPointer<Int>
    /// base[v][i] at v·S + i, with capable[v][i] beside it; saving[e][i] at e·S + i (padding: not capable, saving 0).
    let base: UnsafeMutableBufferPointer<Double>
    let capable: UnsafeMutableBufferPointer<Bool>
    let saving: UnsafeMutableBufferPointer<Double>
    /// Every edge's ends (from, to) per entry, flat: for `objective`.
    let ends: UnsafeMutableBufferPointer<Int>
    /// Whether every saving is ≥ 0 (κ ≤ 1), which `search`'s pruning needs (with prices ≥ 0).
    let prunable: Bool
    /// Σ_v max over capable a of |base[v][a]| + Σ_e max_a |saving[e][a]|: times the largest |price|,
    /// a bound on the tie rule's scale of the priced terms (`withinBound`).
    let scaleBound: Double

    init(model: CostModel, cutset: [Int], forest: RootedForest, boundary b: [(edge: Int, cut: Int, other: Int)], inner inn: [Int]) {
        V = model.nodeCount; M = model.agentCount; E = model.edges.count; S = max(2, M + (M & 1))
        let pad = S - M
        func buffer<T>(_ xs: [T]) -> UnsafeMutableBufferPointer<T> {
            // Never a zero-capacity allocation, but `count` is the array's (an empty list stays empty).
            let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, xs.count))
            _ = p.initialize(from: xs)
            return UnsafeMutableBufferPointer(start: p.baseAddress, count: xs.count)
        }
        cut = buffer(cutset)
        var starts = [0], agents: [Int] = []
        for c in cutset {
            agents += (0..<M).filter { model.capable[c][$0] }
            starts.append(agents.count)
        }
        choice = buffer(agents); choiceStart = buffer(starts)
        inner = buffer(inn.flatMap { [model.edges[$0].from, model.edges[$0].to, $0] })
        boundary = buffer(b.flatMap { [$0.edge, $0.cut, $0.other] })
        order = buffer(forest.order); parent = buffer(forest.parent); parentEdge = buffer(forest.parentEdge)
        base = buffer(model.base.flatMap { $0 + [Double](repeating: 0, count: pad) })
        capable = buffer(model.capable.flatMap { $0 + [Bool](repeating: false, count: pad) })
        saving = buffer(model.saving.flatMap { $0 + [Double](repeating: 0, count: pad) })
        ends = buffer(model.edges.flatMap { [$0.from, $0.to] })
        prunable = model.saving.allSatisfy { $0.allSatisfy { $0 >= 0 } }
        var bound = 0.0
        for v in 0..<V { bound += (0..<M).filter { model.capable[v][$0] }.map { abs(model.base[v][$0]) }.max() ?? 0 }
        for k in 0..<E { bound += model.saving[k].map { abs($0) }.max() ?? 0 }
        scaleBound = bound
    }

    deinit {
        for p in [cut, choice, choiceStart, inner, boundary, order, parent, parentEdge, ends] { p.deallocate() }
        base.deallocate(); capable.deallocate(); saving.deallocate()
    }

    /// One tree DP per capable assignment of the cutset (`CutsetConditioning.referenceSearch`,
    /// same arithmetic): the best total, its allocation when `traceback` (else empty), and with
    /// `certify` the certificate of `certifiedOptimum(prices:)` (else NaN: without certifying, the
    /// pruning of `lowerBounds` leaves the second best unknown). A cut node without a capable
    /// agent gives +∞.
    /// - Throws: `AllocationError.infeasible` when a forest node has no capable agent.
    /// `reverse` (for the tests) tries the assignments in the reverse of the bounds' order, the
    /// worst first, so that ties between assignments are met in every order.
    func search(_ prices: [Double], traceback: Bool, certify: Bool = false, reverse: Bool = false) throws -> (agents: [Int], value: Double, gap: Double) {
        let V = V, E = E, S = S, C = cut.count
        for j in 0..<C where choiceStart[j + 1] == choiceStart[j] { return ([], .infinity, .infinity) }
        // Scratch: priced unary terms, priced edge savings, the DP table, each node's minimum.
        let reals = UnsafeMutablePointer<Double>.allocate(capacity: 2 * V * S + E * S + V)
        defer { reals.deallocate() }
        let unary = reals, edge = reals + V * S, D = edge + E * S, best = D + V * S
        // Each node's argmin, the allocation being conditioned, the best allocation, the odometer (twice).
        let ints = UnsafeMutablePointer<Int>.allocate(capacity: 3 * V + 2 * C + 1)
        defer { ints.deallocate() }
        let bestAgent = ints, agents = ints + V, bestAgents = agents + V, idx = bestAgents + V, bestIdx = idx + C
        agents.initialize(repeating: 0, count: V)
        idx.initialize(repeating: 0, count: 2 * C)
        priced(prices, unary: unary, edge: edge)
        // The argmins are needed only for a traceback (the certificate reads the DP table alone).
        let argmin = traceback
        let count = assignmentCount
        // Pruning (see `lowerBounds`): each assignment's key and margin, and the order to try them in.
        let bounds = count > 1 && prunable && prices.allSatisfy({ $0 >= 0 })
            ? lowerBounds(count: count, idx: idx, unary: unary, edge: edge, agents: agents) : nil
        var bestValue = Double.infinity, secondValue = Double.infinity
        var bestOrdinal = -1
        // The largest forest optimum folded so far: a lower bound on F∅.
        var forestMax = -Double.infinity
        var found = false
        for n in 0..<count {
            let ordinal = bounds.map { reverse ? $0.order[count - 1 - n] : $0.order[n] } ?? n
            if Self.bound(bounds, ordinal, forestMax) > (certify ? secondValue : bestValue) { continue }
            decode(ordinal, into: idx)
            let constant = try condition(idx, unary: unary, edge: edge, agents: agents, D: D)
            let forest = try fold(D, edge: edge, best: best, bestAgent: bestAgent, argmin: argmin)
            forestMax = max(forestMax, forest)
            let total = constant + forest
            // In the odometer's order the first assignment at the minimum wins, and the second
            // value is the second smallest total: kept so whatever the order tried.
            if total < bestValue || (total == bestValue && ordinal < bestOrdinal) {
                if traceback {
                    trace(D, edge: edge, best: best, bestAgent: bestAgent, into: agents)
                    bestAgents.update(from: agents, count: V)
                    found = true
                }
                if certify { bestIdx.update(from: idx, count: C) }
                secondValue = bestValue
                bestValue = total
                bestOrdinal = ordinal
            } else if total < secondValue {
                secondValue = total
            }
        }
        let result = found ? Array(UnsafeBufferPointer(start: bestAgents, count: V)) : []
        guard certify else { return (result, bestValue, .nan) }
        guard bestValue.isFinite else { return (result, bestValue, secondValue - bestValue) }
        // The forest's certificate under the best cutset assignment: one more fold.
        _ = try condition(bestIdx, unary: unary, edge: edge, agents: agents, D: D)
        _ = try fold(D, edge: edge, best: best, bestAgent: bestAgent, argmin: false)
        return (result, bestValue, min(gap(D, edge: edge, agents: bestAgents), secondValue - bestValue))
    }

    /// `PricedCosts(model:prices:allowed: capable)`, padding at +∞ (unary) and 0 (savings), into
    /// `unary` (V×S) and `edge` (E×S). Row by row (contiguous, so the compiler can pair them); the
    /// prices padded to S with 0.
    @inline(__always)
    func priced(_ prices: [Double], unary: UnsafeMutablePointer<Double>, edge: UnsafeMutablePointer<Double>) {
        let V = V, M = M, E = E, S = S
        withUnsafeTemporaryAllocation(of: Double.self, capacity: S) { price in
            for i in 0..<S { price[i] = i < M ? prices[i] : 0 }
            let base = base.baseAddress!, capable = capable.baseAddress!, saving = saving.baseAddress!
            for v in 0..<V {
                let r = v &* S
                for i in 0..<S {
                    let u = price[i] * base[r &+ i]
                    unary[r &+ i] = capable[r &+ i] ? u : .infinity
                }
            }
            for k in 0..<E {
                let r = k &* S
                for i in 0..<S { edge[r &+ i] = price[i] * saving[r &+ i] }
            }
        }
    }

    /// What `search` needs to skip cutset assignments, with prices and savings non-negative.
    /// Conditioning on an assignment only subtracts its boundary savings from the forest's costs,
    /// so its forest optimum F_a lies between F∅ − (all its boundary savings) and F∅, where F∅ is
    /// the forest's optimum with no boundary saving. Hence every assignment's total is at least
    /// its key (its constant minus all its boundary savings) plus any F_b already folded, and
    /// `search` skips an assignment when that bound, lowered by 1e-9 of its terms (far above
    /// rounding), exceeds the best total so far (the second best when certifying): its total
    /// would exceed it too, so the optimum, the allocation (the first in the odometer's order at
    /// the minimum), the second value and the certificate are unchanged. Assignments are tried in
    /// increasing order of key (ties by number), the likeliest optimum first. On S2 most of the
    /// nine merger assignments are skipped. Returns each assignment's key, the scale of its terms
    /// (|constant| + savings) and the order.
    func lowerBounds(count: Int, idx: UnsafeMutablePointer<Int>, unary: UnsafeMutablePointer<Double>,
                     edge: UnsafeMutablePointer<Double>, agents: UnsafeMutablePointer<Int>) -> (key: [Double], scale: [Double], order: [Int]) {
        let S = S
        var key = [Double](repeating: 0, count: count), scale = key
        for ordinal in 0..<count {
            decode(ordinal, into: idx)
            let constant = cutConstant(idx, unary: unary, edge: edge, agents: agents,
                                       choice: choice.baseAddress!, choiceStart: choiceStart.baseAddress!)
            var savings = 0.0
            var k = 0
            while k < boundary.count {
                savings += edge[boundary[k] &* S &+ agents[boundary[k &+ 1]]]
                k &+= 3
            }
            key[ordinal] = constant - savings
            scale[ordinal] = abs(constant) + savings
        }
        let order = (0..<count).sorted { key[$0] < key[$1] || (key[$0] == key[$1] && $0 < $1) }
        return (key, scale, order)
    }

    /// The cutset's assignments: the product of the cut nodes' numbers of capable agents (1 for a
    /// tree), numbered in the odometer's order (the last cut node fastest).
    var assignmentCount: Int {
        var count = 1
        for j in 0..<cut.count { count &*= choiceStart[j &+ 1] &- choiceStart[j] }
        return count
    }

    /// Assignment `ordinal` (odometer order, see `assignmentCount`) as each cut node's index into
    /// its capable agents, written into `idx`.
    @inline(__always)
    func decode(_ ordinal: Int, into idx: UnsafeMutablePointer<Int>) {
        var r = ordinal
        for j in stride(from: cut.count - 1, through: 0, by: -1) {
            let n = choiceStart[j &+ 1] &- choiceStart[j]
            idx[j] = r % n; r /= n
        }
    }

    /// `lowerBounds`' bound on assignment `ordinal`'s total given the largest forest optimum folded
    /// so far (its key plus `forestMax`, less a rounding margin); −∞ (prunes nothing) without
    /// bounds or before any forest was folded.
    @inline(__always)
    static func bound(_ bounds: (key: [Double], scale: [Double], order: [Int])?, _ ordinal: Int, _ forestMax: Double) -> Double {
        guard let bounds, forestMax > -.infinity else { return -.infinity }
        return bounds.key[ordinal] + forestMax - 1e-9 * (bounds.scale[ordinal] + abs(forestMax))
    }

    /// The cutset set to its `idx` choices (written into `agents`): the cut nodes' unary terms
    /// minus the savings of edges inside the cutset whose ends agree. Shared by the bound pass and
    /// `condition`, so both sum in the same order.
    @inline(__always)
    func cutConstant(_ idx: UnsafeMutablePointer<Int>, unary: UnsafeMutablePointer<Double>, edge: UnsafeMutablePointer<Double>,
                             agents: UnsafeMutablePointer<Int>, choice: UnsafePointer<Int>, choiceStart: UnsafePointer<Int>) -> Double {
        let S = S
        var constant = 0.0
        for j in 0..<cut.count {
            let c = cut[j], a = choice[choiceStart[j] &+ idx[j]]
            agents[c] = a
            constant += unary[c &* S &+ a]
        }
        var k = 0
        while k < inner.count {
            let to = agents[inner[k &+ 1]]
            if agents[inner[k]] == to { constant -= edge[inner[k &+ 2] &* S &+ to] }
            k &+= 3
        }
        return constant
    }

    /// `CutsetConditioning.condition`: the cutset set to its `idx` choices (in `agents`), `D` loaded
    /// with the unary terms and the boundary savings subtracted; returns the cutset's constant.
    @inline(__always)
    func condition(_ idx: UnsafeMutablePointer<Int>, unary: UnsafeMutablePointer<Double>, edge: UnsafeMutablePointer<Double>,
                           agents: UnsafeMutablePointer<Int>, D: UnsafeMutablePointer<Double>,
                           choices: (agents: UnsafeMutablePointer<Int>, start: UnsafeMutablePointer<Int>)? = nil) throws -> Double {
        let S = S
        let constant = cutConstant(idx, unary: unary, edge: edge, agents: agents,
                                   choice: choices?.agents ?? choice.baseAddress!, choiceStart: choices?.start ?? choiceStart.baseAddress!)
        // Cut nodes' rows are copied too: the fold, traceback and certificate never read them.
        D.update(from: unary, count: V &* S)
        var k = 0
        while k < boundary.count {
            let a = agents[boundary[k &+ 1]]
            D[boundary[k &+ 2] &* S &+ a] -= edge[boundary[k] &* S &+ a]
            k &+= 3
        }
        return constant
    }

    /// `RootedForest.fold`: leaves folded into parents with the min-trick; the roots' minima summed.
    /// Each row's minimum is taken pairwise, its argmin (when `argmin`) is the first agent at that
    /// value, and the parent's row is updated a pair of agents at a time: the reference's values.
    @inline(__always)
    func fold(_ d: UnsafeMutablePointer<Double>, edge w: UnsafeMutablePointer<Double>, best: UnsafeMutablePointer<Double>,
                      bestAgent: UnsafeMutablePointer<Int>, argmin: Bool) throws -> Double {
        let S = S
        let rd = UnsafeMutableRawPointer(d), rw = UnsafeRawPointer(w)
        let stride = MemoryLayout<Double>.stride
        let order = order.baseAddress!, parent = parent.baseAddress!, parentEdge = parentEdge.baseAddress!
        var total = 0.0
        var n = self.order.count
        while n > 0 {
            n &-= 1
            let v = order[n], dv = v &* S
            var pair = rd.loadUnaligned(fromByteOffset: dv &* stride, as: SIMD2<Double>.self)
            var j = 2
            while j < S {
                let next = rd.loadUnaligned(fromByteOffset: (dv &+ j) &* stride, as: SIMD2<Double>.self)
                pair = pair.replacing(with: next, where: next .< pair)
                j &+= 2
            }
            let m = pair[1] < pair[0] ? pair[1] : pair[0]
            guard m.isFinite else { throw AllocationError.infeasible("node \(v) has no capable agent") }
            // The row's minimum is always kept (the tie rule's downward pass reads it); its argmin
            // only when asked (a traceback).
            best[v] = m
            if argmin {
                var arg = 0
                while d[dv &+ arg] != m { arg &+= 1 }
                bestAgent[v] = arg
            }
            let p = parent[v]
            guard p >= 0 else { total += m; continue }
            let dp = p &* S, we = parentEdge[v] &* S
            let mm = SIMD2<Double>(repeating: m)
            j = 0
            while j < S {
                let x = rd.loadUnaligned(fromByteOffset: (dv &+ j) &* stride, as: SIMD2<Double>.self)
                    - rw.loadUnaligned(fromByteOffset: (we &+ j) &* stride, as: SIMD2<Double>.self)
                // min(x, m) as `Swift.min` takes it: m where m < x, else x.
                let add = x.replacing(with: mm, where: mm .< x)
                let at = (dp &+ j) &* stride
                rd.storeBytes(of: rd.loadUnaligned(fromByteOffset: at, as: SIMD2<Double>.self) + add, toByteOffset: at, as: SIMD2<Double>.self)
                j &+= 2
            }
        }
        return total
    }

    /// `RootedForest.traceback`: the forest's nodes assigned top-down.
    @inline(__always)
    func trace(_ D: UnsafeMutablePointer<Double>, edge: UnsafeMutablePointer<Double>, best: UnsafeMutablePointer<Double>,
                       bestAgent: UnsafeMutablePointer<Int>, into agents: UnsafeMutablePointer<Int>) {
        let S = S
        for v in order {
            let p = parent[v]
            if p < 0 { agents[v] = bestAgent[v]; continue }
            let i = agents[p]
            let same = D[v &* S &+ i] - edge[parentEdge[v] &* S &+ i]
            agents[v] = (same < best[v] || (same == best[v] && i < bestAgent[v])) ? i : bestAgent[v]
        }
    }

    /// `RootedForest.gap`: the traceback's certificate (the real agents' entries only).
    func gap(_ d: UnsafeMutablePointer<Double>, edge w: UnsafeMutablePointer<Double>, agents: UnsafeMutablePointer<Int>) -> Double {
        let M = M, S = S
        var gap = Double.infinity
        for v in order {
            let p = parent[v], i = p < 0 ? -1 : agents[p], we = p < 0 ? 0 : parentEdge[v] &* S
            var best = Double.infinity, second = Double.infinity
            for j in 0..<M {
                let c = j == i ? d[v &* S &+ j] - w[we &+ j] : d[v &* S &+ j]
                if c < best { second = best; best = c } else if c < second { second = c }
            }
            gap = min(gap, second - best)
        }
        return gap
    }

    /// `LexicographicForest.referenceMinMarginals`, same arithmetic: the optimum under `allowed` and
    /// every min-marginal m(v, a) at `v·M + a` (+∞ where not allowed); one upward and one downward
    /// pass per cutset assignment allowed.
    func minMarginals(prices: [Double], allowed: [[Bool]]) -> (best: Double, marginal: [Double]) {
        let V = V, M = M, E = E, S = S, C = cut.count
        var mm = [Double](repeating: .infinity, count: V * M)
        var bestValue = Double.infinity
        // The cutset's allowed agents.
        var starts = [0], list: [Int] = []
        for j in 0..<C {
            for a in 0..<M where allowed[cut[j]][a] { list.append(a) }
            if list.count == starts[j] { return (bestValue, mm) }
            starts.append(list.count)
        }
        let reals = UnsafeMutablePointer<Double>.allocate(capacity: 3 * V * S + E * S + V)
        defer { reals.deallocate() }
        let unary = reals, w = reals + V * S, D = w + E * S, out = D + V * S, best = out + V * S
        let ints = UnsafeMutablePointer<Int>.allocate(capacity: 2 * V + C + 1)
        defer { ints.deallocate() }
        let bestAgent = ints, agents = ints + V, idx = agents + V
        agents.initialize(repeating: 0, count: V)
        idx.initialize(repeating: 0, count: C)
        // `PricedCosts(model:prices:allowed:)`: +∞ where not allowed (padding: never).
        prices.withUnsafeBufferPointer { p in
            for v in 0..<V {
                let ok = allowed[v]
                for i in 0..<S { unary[v &* S &+ i] = i < M && ok[i] ? p[i] * base[v &* S &+ i] : .infinity }
            }
            for i in 0..<S {
                let price = i < M ? p[i] : 0
                for k in 0..<E { w[k &* S &+ i] = price * saving[k &* S &+ i] }
            }
        }
        list.withUnsafeMutableBufferPointer { listBuffer in
            starts.withUnsafeMutableBufferPointer { startBuffer in
                let choices = (agents: listBuffer.baseAddress ?? UnsafeMutablePointer(idx), start: startBuffer.baseAddress!)
                while true {
                    if let constant = try? condition(idx, unary: unary, edge: w, agents: agents, D: D, choices: choices),
                       let rootsTotal = try? fold(D, edge: w, best: best, bestAgent: bestAgent, argmin: true) {
                        let total = constant + rootsTotal
                        downward(D, edge: w, best: best, out: out, total: total, agents: agents, into: &mm)
                        bestValue = min(bestValue, total)
                    }
                    var k = C - 1
                    while k >= 0 && idx[k] == startBuffer[k + 1] - startBuffer[k] - 1 { idx[k] = 0; k -= 1 }
                    if k < 0 { break }
                    idx[k] += 1
                }
            }
        }
        return (bestValue, mm)
    }

    /// The downward pass after `fold` under one cutset assignment (`agents` holds the cut nodes'
    /// agents) whose total is `total`: out[v][i] = the best cost of everything outside v's subtree
    /// given A(v) = i, then m(v, i) = D[v][i] + out[v][i] folded into `mm` (V×M, stride M) by
    /// minimum, and the total into each cut node's entry at its agent. The arithmetic of
    /// `LexicographicForest.referenceMinMarginals`, a pair of agents at a time:
    ///
    ///     m       = min_j out[p][j] + D[p][j] − min(D[v][j] − w[j], best[v])       (D[p][j] finite)
    ///     out[v][i] = min(m, out[p][i] + D[p][i] − min(D[v][i] − w[i], best[v]) − w[i])  (both D finite)
    ///
    /// The reference skips j where D[p][j] = +∞; here such a term is +∞ (out and the contribution
    /// are finite) and leaves the minimum unchanged, as does i where D[p][i] = +∞; where D[v][i]
    /// = +∞ the second term is masked out. The padding agent's lanes (D = +∞ on both ends) are
    /// computed and never read. Each minimum is taken as `Swift.min` takes it.
    ///
    /// `wide`: `mm` is V×S (stride S, the tie rule's layout), folded a pair of agents at a time:
    /// where D[v][i] = +∞ the sum is +∞ (or NaN), never below `mm`, so no mask is needed.
    @inline(__always)
    func downward(_ D: UnsafeMutablePointer<Double>, edge w: UnsafeMutablePointer<Double>, best: UnsafeMutablePointer<Double>,
                  out: UnsafeMutablePointer<Double>, total: Double, agents: UnsafeMutablePointer<Int>,
                  into mm: UnsafeMutablePointer<Double>, wide: Bool = false) {
        let M = M, S = S
        let rd = UnsafeRawPointer(D), rw = UnsafeRawPointer(w), ro = UnsafeMutableRawPointer(out)
        let stride = MemoryLayout<Double>.stride
        let infinity = SIMD2<Double>(repeating: .infinity)
        for v in order {
            let p = parent[v], dv = v &* S
            if p < 0 {
                let o = SIMD2<Double>(repeating: total - best[v])
                var i = 0
                while i < S { ro.storeBytes(of: o, toByteOffset: (dv &+ i) &* stride, as: SIMD2<Double>.self); i &+= 2 }
            } else {
                let dp = p &* S, we = parentEdge[v] &* S
                let bv = SIMD2<Double>(repeating: best[v])
                // Parent at j, with v's own contribution to D[p][j] taken out.
                var pair = infinity
                var j = 0
                while j < S {
                    let x = rd.loadUnaligned(fromByteOffset: (dv &+ j) &* stride, as: SIMD2<Double>.self)
                        - rw.loadUnaligned(fromByteOffset: (we &+ j) &* stride, as: SIMD2<Double>.self)
                    let contrib = x.replacing(with: bv, where: bv .< x)
                    let t = ro.loadUnaligned(fromByteOffset: (dp &+ j) &* stride, as: SIMD2<Double>.self)
                        + rd.loadUnaligned(fromByteOffset: (dp &+ j) &* stride, as: SIMD2<Double>.self) - contrib
                    pair = pair.replacing(with: t, where: t .< pair)
                    j &+= 2
                }
                let m = pair[1] < pair[0] ? pair[1] : pair[0]
                let mv = SIMD2<Double>(repeating: m)
                var i = 0
                while i < S {
                    let dvi = rd.loadUnaligned(fromByteOffset: (dv &+ i) &* stride, as: SIMD2<Double>.self)
                    let wi = rw.loadUnaligned(fromByteOffset: (we &+ i) &* stride, as: SIMD2<Double>.self)
                    let x = dvi - wi
                    let contrib = x.replacing(with: bv, where: bv .< x)
                    let t = ro.loadUnaligned(fromByteOffset: (dp &+ i) &* stride, as: SIMD2<Double>.self)
                        + rd.loadUnaligned(fromByteOffset: (dp &+ i) &* stride, as: SIMD2<Double>.self) - contrib - wi
                    var o = mv.replacing(with: t, where: t .< mv)
                    o.replace(with: mv, where: dvi .== infinity)
                    ro.storeBytes(of: o, toByteOffset: (dv &+ i) &* stride, as: SIMD2<Double>.self)
                    i &+= 2
                }
            }
            if wide {
                let rm = UnsafeMutableRawPointer(mm)
                var i = 0
                while i < S {
                    let at = (dv &+ i) &* stride
                    let x = rd.loadUnaligned(fromByteOffset: at, as: SIMD2<Double>.self) + ro.loadUnaligned(fromByteOffset: at, as: SIMD2<Double>.self)
                    let m = rm.loadUnaligned(fromByteOffset: at, as: SIMD2<Double>.self)
                    rm.storeBytes(of: m.replacing(with: x, where: x .< m), toByteOffset: at, as: SIMD2<Double>.self)
                    i &+= 2
                }
                continue
            }
            let r = v &* M
            for i in 0..<M where D[dv &+ i].isFinite {
                let x = D[dv &+ i] + out[dv &+ i]
                if x < mm[r &+ i] { mm[r &+ i] = x }
            }
        }
        let width = wide ? S : M
        for j in 0..<cut.count {
            let c = cut[j]
            mm[c &* width &+ agents[c]] = min(mm[c &* width &+ agents[c]], total)
        }
    }

    /// `CostModel.objective(assignment, prices:)`, same arithmetic: the workloads (unary parts
    /// minus the savings of edges within one agent, clamped at 0), then Σ_i x_i·p_i in agent order.
    func objective(_ assignment: [Int], prices: [Double]) -> Double {
        let M = M
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: M) { x in
            x.initialize(repeating: 0)
            assignment.withUnsafeBufferPointer { a in
                for v in 0..<V { x[a[v]] += base[v * S + a[v]] }
                for k in 0..<E where a[ends[2 * k]] == a[ends[2 * k + 1]] {
                    let to = a[ends[2 * k + 1]]
                    x[to] -= saving[k * S + to]
                }
            }
            var total = 0.0
            for i in 0..<M {
                if x[i] < 0 { x[i] = 0 }
                total = total + x[i] * prices[i]
            }
            return total
        }
    }
}
