import Workflows

extension CutsetPlan {
    /// The tie rule's allocation (`TieRule`) in one call on the plan's flat buffers: what
    /// `Canonical.referenceSolve(prices:)` returns for a tree or cutset solver (the certificate of
    /// `search(_:traceback:certify:)`, then `MinMarginals.canonical(prices:)` over
    /// `minMarginals(prices:allowed:)`), computed with fewer passes. Nil when a node is left
    /// without a candidate (rounding), where the full passes' argmin fallback decides: the caller
    /// runs those instead.
    ///
    /// **The certificate.** One upward pass per cutset assignment, pruned by `lowerBounds` against
    /// best + 4τ (τ = `TieRule.tolerance` of the best so far) instead of the second best: an
    /// assignment skipped there costs more than best + 4τ, so it can neither be the best nor bring
    /// the certificate min(forest gap, second − best) to 2τ or below. The decision "gap > 2τ" (taken
    /// by `marginsExceed`, which stops at the first node within 2τ), the
    /// best assignment (the first in the odometer's order at the minimum) and its traceback are
    /// therefore those of the reference. The best assignment's DP table is kept (two tables,
    /// swapped on each new best), so the forest gap needs no second fold; a tree (no cutset) is
    /// one fold.
    ///
    /// **At a tie** (gap ≤ 2τ) the reference runs a downward pass under every cutset assignment.
    /// A min-marginal m(v, a) within the limit W* + τ can only come from an assignment whose total
    /// is within the limit (every min-marginal under an assignment is at least its total), so the
    /// downward passes run only for the assignments whose total is within `reach` = limit + ρ,
    /// where ρ = max(1e-9, 64·(V + E)·ε)·(Σ_v max_a |unary| + Σ_e max_a |saving term|) bounds the
    /// rounding of any pass's sums by a wide factor. The totals come from the certificate's passes;
    /// an assignment it skipped is folded again only when its bound does not already exceed
    /// `reach`. A min-marginal from an assignment left out is then above the limit, so every
    /// comparison with the limit, and every candidate set, is the reference's; values above the
    /// limit may differ, and the reference reads them only in its argmin fallback (a node without
    /// a candidate), where this returns nil. Fixing nodes only raises totals (entries become +∞),
    /// so later passes run over the same assignments, those whose cut agents are still allowed.
    /// The node-by-node rule and its shortcut (`MinMarginals.canonicalCountingPasses`) are
    /// repeated step for step, with the plan's `objective` (the model's, bit for bit).
    ///
    /// At a tie between interchangeable agents this is one upward pass per assignment the
    /// certificate cannot skip plus one downward pass per tied assignment, instead of the
    /// certificate followed by an upward and a downward pass under every assignment.
    /// - Throws: `AllocationError.infeasible` when some node has no capable agent (as `search` does).
    func tieRule(_ prices: [Double]) throws -> (agents: [Int], objective: Double)? {
        try tieRuleCounting(prices).result
    }

    /// `tieRule(_:)` and the number of cutset assignments within reach at a tie (−1 when the
    /// certificate settles it): for the tests, which check that the reach leaves some out.
    /// `shortcut: false` fixes node by node only, with a restricted pass after every real tie, as
    /// `canonicalCountingPasses(prices:shortcut: false)` does (the tests compare the two). With
    /// `record`, `record(v·M + a)` is called for every (node, agent) whose first-pass min-marginal is
    /// within the limit (the tests compare this set with the full passes').
    func tieRuleCounting(_ prices: [Double], shortcut: Bool = true,
                         record: ((Int) -> Void)? = nil) throws -> (result: (agents: [Int], objective: Double)?, inReach: Int) {
        let V = V, M = M, E = E, S = S, C = cut.count
        for j in 0..<C where choiceStart[j + 1] == choiceStart[j] { throw AllocationError.infeasible("no capable allocation") }
        var count = 1
        for j in 0..<C { count &*= choiceStart[j &+ 1] &- choiceStart[j] }
        // Scratch: priced terms, two DP tables (the current one and the best assignment's), the
        // downward pass, two rows of minima, the min-marginals, each assignment's total.
        let reals = UnsafeMutablePointer<Double>.allocate(capacity: 4 * V * S + E * S + 2 * V + V * M + count)
        defer { reals.deallocate() }
        let unary = reals, edge = unary + V * S, tables = edge + E * S, out = tables + 2 * V * S
        let minima = out + V * S, mm = minima + 2 * V, totals = mm + V * M
        // Two rows of argmins, the allocation being conditioned, the best traceback, the nodes
        // fixed by the rule, the lowest candidates, the odometer, the assignments within reach.
        let ints = UnsafeMutablePointer<Int>.allocate(capacity: 6 * V + C + count + 1)
        defer { ints.deallocate() }
        let argmins = ints, agents = argmins + 2 * V, bestAgents = agents + V, chosen = bestAgents + V, lowest = chosen + V
        let idx = lowest + V, within = idx + C
        agents.initialize(repeating: 0, count: V)
        chosen.initialize(repeating: 0, count: V)
        idx.initialize(repeating: 0, count: C)
        totals.initialize(repeating: .nan, count: count)
        priced(prices, unary: unary, edge: edge)
        func setIndex(_ ordinal: Int) {
            var r = ordinal
            for j in stride(from: C - 1, through: 0, by: -1) {
                let n = choiceStart[j &+ 1] &- choiceStart[j]
                idx[j] = r % n; r /= n
            }
        }
        let bounds = count > 1 && prunable && prices.allSatisfy({ $0 >= 0 })
            ? lowerBounds(count: count, setIndex: setIndex, idx: idx, unary: unary, edge: edge, agents: agents) : nil
        func bound(_ ordinal: Int, _ forestMax: Double) -> Double {
            guard let bounds, forestMax > -.infinity else { return -.infinity }
            return bounds.key[ordinal] + forestMax - 1e-9 * (bounds.scale[ordinal] + abs(forestMax))
        }

        // The certificate's passes (see the doc comment).
        var D = tables, bestD = tables + V * S, rowMin = minima, bestRowMin = minima + V
        var arg = argmins, bestArg = argmins + V
        var bestValue = Double.infinity, secondValue = Double.infinity, threshold = Double.infinity
        var bestOrdinal = -1
        var forestMax = -Double.infinity
        for n in 0..<count {
            let ordinal = bounds.map { $0.order[n] } ?? n
            if bound(ordinal, forestMax) > threshold { continue }
            setIndex(ordinal)
            let constant = try condition(idx, unary: unary, edge: edge, agents: agents, D: D)
            let forest = try fold(D, edge: edge, best: rowMin, bestAgent: arg, argmin: true)
            forestMax = max(forestMax, forest)
            let total = constant + forest
            totals[ordinal] = total
            if total < bestValue || (total == bestValue && ordinal < bestOrdinal) {
                trace(D, edge: edge, best: rowMin, bestAgent: arg, into: agents)
                bestAgents.update(from: agents, count: V)
                swap(&D, &bestD); swap(&rowMin, &bestRowMin); swap(&arg, &bestArg)
                secondValue = bestValue
                bestValue = total
                bestOrdinal = ordinal
                threshold = bestValue + 4 * TieRule.tolerance(bestValue, terms: V + E)
            } else if total < secondValue {
                secondValue = total
            }
        }
        guard bestValue.isFinite else { throw AllocationError.infeasible("no capable allocation") }
        let tolerance = TieRule.tolerance(bestValue, terms: V + E)
        if secondValue - bestValue > 2 * tolerance && marginsExceed(2 * tolerance, bestD, edge: edge, agents: bestAgents) {
            let result = Array(UnsafeBufferPointer(start: bestAgents, count: V))
            return ((result, objective(result, prices: prices)), -1)
        }

        // A tie: the assignments within reach of the limit (a tree's one assignment is the best).
        let limit = bestValue + tolerance
        var inReach = 0
        if count == 1 {
            within[0] = 0; inReach = 1
        } else {
            var scale = 0.0
            for v in 0..<V {
                var r = 0.0
                for i in 0..<M where unary[v &* S &+ i].isFinite { r = max(r, abs(unary[v &* S &+ i])) }
                scale += r
            }
            for k in 0..<E {
                var r = 0.0
                for i in 0..<M { r = max(r, abs(edge[k &* S &+ i])) }
                scale += r
            }
            let reach = limit + scale * max(1e-9, 64 * Double(V + E) * Double.ulpOfOne)
            for ordinal in 0..<count {
                var total = totals[ordinal]
                if total.isNaN {
                    if bound(ordinal, forestMax) > reach { continue }
                    setIndex(ordinal)
                    let constant = try condition(idx, unary: unary, edge: edge, agents: agents, D: D)
                    total = constant + (try fold(D, edge: edge, best: rowMin, bestAgent: arg, argmin: false))
                }
                if total <= reach { within[inReach] = ordinal; inReach += 1 }
            }
        }

        // The first pass: the best assignment's table is still there; the others are folded again.
        mm.initialize(repeating: .infinity, count: V * M)
        for k in 0..<inReach {
            let ordinal = within[k]
            setIndex(ordinal)
            if ordinal == bestOrdinal {
                for j in 0..<C { agents[cut[j]] = choice[choiceStart[j] &+ idx[j]] }
                downward(bestD, edge: edge, best: bestRowMin, out: out, total: bestValue, agents: agents, into: mm)
            } else {
                // As in the reference's passes, an assignment whose fold fails is left out (none
                // does here: the best one folded, and conditioning makes no row all +∞).
                guard let constant = try? condition(idx, unary: unary, edge: edge, agents: agents, D: D),
                      let forest = try? fold(D, edge: edge, best: rowMin, bestAgent: arg, argmin: false) else { continue }
                downward(D, edge: edge, best: rowMin, out: out, total: constant + forest, agents: agents, into: mm)
            }
        }

        if let record { for k in 0..<(V * M) where mm[k] <= limit { record(k) } }

        // `MinMarginals.canonicalCountingPasses` with the shortcut, step for step.
        let allowed = UnsafeMutablePointer<Bool>.allocate(capacity: V * M)
        defer { allowed.deallocate() }
        for v in 0..<V { for a in 0..<M { allowed[v &* M &+ a] = capable[v &* S &+ a] } }
        var fresh = shortcut
        for v in 0..<V {
            if fresh {
                fresh = false
                // `lowestCandidates(from: v, …)`, then the objective check.
                var tie = false, complete = true
                lowest.update(from: chosen, count: v)
                for u in v..<V {
                    var first = -1
                    for a in 0..<M where allowed[u &* M &+ a] && mm[u &* M &+ a] <= limit {
                        if first < 0 { first = a } else { tie = true; break }
                    }
                    guard first >= 0 else { complete = false; break }
                    lowest[u] = first
                }
                if complete && tie {
                    let candidate = Array(UnsafeBufferPointer(start: lowest, count: V))
                    let value = objective(candidate, prices: prices)
                    if value <= limit { return ((candidate, value), inReach) }
                }
            }
            var first = -1, candidates = 0
            for a in 0..<M where allowed[v &* M &+ a] && mm[v &* M &+ a] <= limit {
                if first < 0 { first = a }
                candidates += 1
            }
            // The reference falls back to the argmin of values above the limit, which may differ here.
            guard first >= 0 else { return (nil, inReach) }
            chosen[v] = first
            for b in 0..<M where b != first {
                allowed[v &* M &+ b] = false
                unary[v &* S &+ b] = .infinity
            }
            // After the last node the reference's pass is never read.
            guard candidates > 1, v < V - 1 else { continue }
            // A real tie: the next pass, over the assignments within reach whose cut agents are allowed.
            fresh = shortcut
            mm.initialize(repeating: .infinity, count: V * M)
            for k in 0..<inReach {
                setIndex(within[k])
                var ok = true
                for j in 0..<C where !allowed[cut[j] &* M &+ choice[choiceStart[j] &+ idx[j]]] { ok = false; break }
                guard ok, let constant = try? condition(idx, unary: unary, edge: edge, agents: agents, D: D),
                      let forest = try? fold(D, edge: edge, best: rowMin, bestAgent: arg, argmin: false) else { continue }
                downward(D, edge: edge, best: rowMin, out: out, total: constant + forest, agents: agents, into: mm)
            }
        }
        let result = Array(UnsafeBufferPointer(start: chosen, count: V))
        return ((result, objective(result, prices: prices)), inReach)
    }

    /// Whether `gap(d, edge:, agents:)` exceeds `bound`: every forest node's margin, second best
    /// minus best of its candidates (its DP row, the entry at its parent's agent less the edge
    /// saving), is above `bound` (a NaN margin, which `gap`'s minimum skips, counts as above).
    /// A pair of agents at a time; the best and second best of a row are the values `gap`'s scan
    /// finds (the smallest two of the row as a multiset, in any order), the margin the same
    /// subtraction. Stops at the first node within `bound`.
    func marginsExceed(_ bound: Double, _ d: UnsafeMutablePointer<Double>, edge w: UnsafeMutablePointer<Double>,
                       agents: UnsafeMutablePointer<Int>) -> Bool {
        let S = S
        let rd = UnsafeRawPointer(d), rw = UnsafeRawPointer(w)
        let stride = MemoryLayout<Double>.stride
        let infinity = SIMD2<Double>(repeating: .infinity)
        for v in order {
            let p = parent[v], i = p < 0 ? -1 : agents[p], we = p < 0 ? 0 : parentEdge[v] &* S, dv = v &* S
            var b = infinity, s = infinity
            var j = 0
            while j < S {
                var x = rd.loadUnaligned(fromByteOffset: (dv &+ j) &* stride, as: SIMD2<Double>.self)
                if i == j { x[0] = d[dv &+ i] - w[we &+ i] } else if i == j &+ 1 { x[1] = d[dv &+ i] - w[we &+ i] }
                s = pointwiseMin(s, pointwiseMax(b, x))
                b = pointwiseMin(b, x)
                j &+= 2
            }
            let best = min(b[0], b[1]), second = min(max(b[0], b[1]), min(s[0], s[1]))
            if second - best <= bound { return false }
        }
        return true
    }
}
