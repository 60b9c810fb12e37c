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
    /// `reach`. That scan first tries an upper bound on ρ (max|p| times `scaleBound`, fixed per
    /// plan) and computes the scale only when some total or bound falls between the limit and that
    /// bound (`withinBound`). A min-marginal from an assignment left out is then above the limit, so every
    /// comparison with the limit, and every candidate set, is the reference's; values above the
    /// limit may differ, and the reference reads them only in its argmin fallback (a node without
    /// a candidate), where this returns nil. Fixing nodes only raises totals (entries become +∞),
    /// so later passes run over the same assignments, those whose cut agents are still allowed.
    /// The node-by-node rule and its shortcut (`MinMarginals.canonicalCountingPasses`) are
    /// repeated step for step, with the plan's `objective` (the model's, bit for bit).
    ///
    /// **Interchangeable agents** (`interchangeable`: bitwise equal priced columns, such as two
    /// identical agents at one price) make assignments that differ by permuting them give the same
    /// totals and min-marginals with the columns permuted. Only one assignment per class
    /// (`canonicalOrdinal`, the first in the odometer's order) is folded by the certificate (the
    /// others take its total, as their own fold would give it) and run downward at a tie; the
    /// pass's min-marginals are then completed by a minimum over each class (`symmetrize`). The
    /// classes are found again before every restricted pass, where fixed nodes may separate them.
    ///
    /// At a tie between interchangeable agents this is one upward pass per class of assignments
    /// the certificate cannot skip plus one downward pass per class within reach, instead of the
    /// certificate followed by an upward and a downward pass under every assignment.
    /// - Throws: `AllocationError.infeasible` when some node has no capable agent (as `search` does).
    func tieRule(_ prices: [Double]) throws -> (agents: [Int], objective: Double)? {
        try tieRuleCounting(prices).result
    }

    /// What `tieRuleCounting(_:shortcut:record:)` reports beside the allocation, for the tests.
    struct TieRuleCounts {
        /// Cutset assignments within reach at a tie (−1 when the certificate settles it).
        var inReach = -1
        /// Folds (certificate) and downward passes (tie) left out because an interchangeable
        /// assignment's stood for them.
        var mirrored = 0
    }

    /// `tieRule(_:)` with `TieRuleCounts`: the number of cutset assignments within reach at a tie
    /// (the tests check that the reach leaves some out) and the folds and downward passes that
    /// interchangeable agents saved (the tests check that this path runs).
    /// `shortcut: false` fixes node by node only, with a restricted pass after every real tie, as
    /// `canonicalCountingPasses(prices:shortcut: false)` does (the tests compare the two). With
    /// `record`, `record(v·M + a)` is called for every (node, agent) whose first-pass min-marginal is
    /// within the limit (the tests compare this set with the full passes').
    func tieRuleCounting(_ prices: [Double], shortcut: Bool = true,
                         record: ((Int) -> Void)? = nil) throws -> (result: (agents: [Int], objective: Double)?, counts: TieRuleCounts) {
        let V = V, M = M, E = E, S = S, C = cut.count
        for j in 0..<C where choiceStart[j + 1] == choiceStart[j] { throw AllocationError.infeasible("no capable allocation") }
        let count = assignmentCount
        // Scratch: priced terms, two DP tables (the current one and the best assignment's), the
        // downward pass, two rows of minima, the min-marginals, each assignment's total.
        let reals = UnsafeMutablePointer<Double>.allocate(capacity: 5 * V * S + E * S + 2 * V + count)
        defer { reals.deallocate() }
        let unary = reals, edge = unary + V * S, tables = edge + E * S, out = tables + 2 * V * S
        let minima = out + V * S, mm = minima + 2 * V, totals = mm + V * S
        // Two rows of argmins, the allocation being conditioned, the best traceback, the nodes
        // fixed by the rule, the lowest candidates, the odometer, the assignments within reach.
        // And each agent's class of interchangeable agents (its lowest member), the canonical odometer.
        let ints = UnsafeMutablePointer<Int>.allocate(capacity: 6 * V + 2 * C + count + 2 * M + 1)
        defer { ints.deallocate() }
        let argmins = ints, agents = argmins + 2 * V, bestAgents = agents + V, chosen = bestAgents + V, lowest = chosen + V
        let idx = lowest + V, within = idx + C, classOf = within + count, members = classOf + M, canonicalIdx = members + M
        agents.initialize(repeating: 0, count: V)
        chosen.initialize(repeating: 0, count: V)
        idx.initialize(repeating: 0, count: C)
        totals.initialize(repeating: .nan, count: count)
        priced(prices, unary: unary, edge: edge)
        let bounds = count > 1 && prunable && prices.allSatisfy({ $0 >= 0 })
            ? lowerBounds(count: count, idx: idx, unary: unary, edge: edge, agents: agents) : nil
        func bound(_ ordinal: Int, _ forestMax: Double) -> Double { Self.bound(bounds, ordinal, forestMax) }

        // Interchangeable agents (see `interchangeable`): an assignment reached from another by
        // permuting them has the same total, so it is not folded again (a tree has one assignment).
        var counts = TieRuleCounts()
        var classes = count > 1 ? interchangeable(unary: unary, edge: edge, allowed: capable.baseAddress!, stride: S,
                                                  classOf: classOf, members: members) : 0
        func representative(_ ordinal: Int) -> Int {
            classes > 0 ? canonicalOrdinal(ordinal, classOf: classOf, idx: idx, canonical: canonicalIdx) : ordinal
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
            // The representative comes first (same key, lower number): its total is this one's, which
            // is then neither a new best (not lower, and a higher number) nor a new forest maximum.
            let r = representative(ordinal)
            if r != ordinal, case let t = totals[r], !t.isNaN, !(t < bestValue || (t == bestValue && ordinal < bestOrdinal)) {
                totals[ordinal] = t
                if t < secondValue { secondValue = t }
                counts.mirrored += 1
                continue
            }
            decode(ordinal, into: idx)
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
            return ((result, objective(result, prices: prices)), counts)
        }

        // A tie: the assignments within reach of the limit (a tree's one assignment is the best).
        let limit = bestValue + tolerance
        var inReach = 0
        if count == 1 {
            within[0] = 0; inReach = 1
        } else if let n = withinBound(limit + Double(maxAbs(prices)) * scaleBound * (1 + 1e-6) * reachFactor, limit: limit,
                                      count: count, totals: totals, bound: { bound($0, forestMax) }, into: within) {
            // Every assignment is decided by an upper bound on the reach's margin (same below).
            inReach = n
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
            let reach = limit + scale * reachFactor
            for ordinal in 0..<count {
                var total = totals[ordinal]
                if total.isNaN {
                    if bound(ordinal, forestMax) > reach { continue }
                    decode(ordinal, into: idx)
                    let constant = try condition(idx, unary: unary, edge: edge, agents: agents, D: D)
                    total = constant + (try fold(D, edge: edge, best: rowMin, bestAgent: arg, argmin: false))
                }
                if total <= reach { within[inReach] = ordinal; inReach += 1 }
            }
        }

        counts.inReach = inReach
        // Whether an assignment in reach is left to another's pass (see `interchangeable`).
        func mirrored(_ ordinal: Int) -> Bool {
            guard classes > 0, C > 0 else { return false }
            let r = canonicalOrdinal(ordinal, classOf: classOf, idx: idx, canonical: canonicalIdx)
            guard r != ordinal, Self.contains(within, inReach, r) else { return false }
            counts.mirrored += 1
            return true
        }

        // The first pass: the best assignment's table is still there; the others are folded again.
        // Under interchangeable agents one assignment per class stands for the others.
        let allowed = UnsafeMutablePointer<Bool>.allocate(capacity: V * M)
        defer { allowed.deallocate() }
        for v in 0..<V { for a in 0..<M { allowed[v &* M &+ a] = capable[v &* S &+ a] } }
        mm.initialize(repeating: .infinity, count: V * S)
        for k in 0..<inReach {
            let ordinal = within[k]
            if mirrored(ordinal) { continue }
            decode(ordinal, into: idx)
            if ordinal == bestOrdinal {
                for j in 0..<C { agents[cut[j]] = choice[choiceStart[j] &+ idx[j]] }
                downward(bestD, edge: edge, best: bestRowMin, out: out, total: bestValue, agents: agents, into: mm, wide: true)
            } else {
                // As in the reference's passes, an assignment whose fold fails is left out (none
                // does here: the best one folded, and conditioning makes no row all +∞).
                guard let constant = try? condition(idx, unary: unary, edge: edge, agents: agents, D: D),
                      let forest = try? fold(D, edge: edge, best: rowMin, bestAgent: arg, argmin: false) else { continue }
                downward(D, edge: edge, best: rowMin, out: out, total: constant + forest, agents: agents, into: mm, wide: true)
            }
        }
        if classes > 0 { symmetrize(mm, classOf: classOf, members: members, count: classes) }

        if let record { for v in 0..<V { for a in 0..<M where mm[v &* S &+ a] <= limit { record(v &* M &+ a) } } }

        // `MinMarginals.canonicalCountingPasses` with the shortcut, step for step.
        var fresh = shortcut
        for v in 0..<V {
            if fresh {
                fresh = false
                // `lowestCandidates(from: v, …)`, then the objective check.
                var tie = false, complete = true
                lowest.update(from: chosen, count: v)
                for u in v..<V {
                    let c = candidates(u, allowed: allowed, mm: mm, limit: limit, more: !tie)
                    guard c.first >= 0 else { complete = false; break }
                    if c.more { tie = true }
                    lowest[u] = c.first
                }
                if complete && tie {
                    let candidate = Array(UnsafeBufferPointer(start: lowest, count: V))
                    let value = objective(candidate, prices: prices)
                    if value <= limit { return ((candidate, value), counts) }
                }
            }
            let (first, more) = candidates(v, allowed: allowed, mm: mm, limit: limit)
            // The reference falls back to the argmin of values above the limit, which may differ here.
            guard first >= 0 else { return (nil, counts) }
            chosen[v] = first
            for b in 0..<M where b != first {
                allowed[v &* M &+ b] = false
                unary[v &* S &+ b] = .infinity
            }
            // After the last node the reference's pass is never read.
            guard more, v < V - 1 else { continue }
            // A real tie: the next pass, over the assignments within reach whose cut agents are allowed.
            fresh = shortcut
            classes = C > 0 ? interchangeable(unary: unary, edge: edge, allowed: allowed, stride: M, classOf: classOf, members: members) : 0
            mm.initialize(repeating: .infinity, count: V * S)
            for k in 0..<inReach {
                if mirrored(within[k]) { continue }
                decode(within[k], into: idx)
                var ok = true
                for j in 0..<C where !allowed[cut[j] &* M &+ choice[choiceStart[j] &+ idx[j]]] { ok = false; break }
                guard ok, let constant = try? condition(idx, unary: unary, edge: edge, agents: agents, D: D),
                      let forest = try? fold(D, edge: edge, best: rowMin, bestAgent: arg, argmin: false) else { continue }
                downward(D, edge: edge, best: rowMin, out: out, total: constant + forest, agents: agents, into: mm, wide: true)
            }
            if classes > 0 { symmetrize(mm, classOf: classOf, members: members, count: classes) }
        }
        let result = Array(UnsafeBufferPointer(start: chosen, count: V))
        return ((result, objective(result, prices: prices)), counts)
    }

    /// Node u's candidates (allowed agents whose min-marginal, in `mm` at u·S + a, is within
    /// `limit`): the lowest (−1 when none) and, when `more`, whether there is another (else false).
    @inline(__always)
    func candidates(_ u: Int, allowed: UnsafeMutablePointer<Bool>, mm: UnsafeMutablePointer<Double>,
                    limit: Double, more: Bool = true) -> (first: Int, more: Bool) {
        let M = M, r = u &* S, q = u &* M
        var first = -1
        for a in 0..<M where mm[r &+ a] <= limit && allowed[q &+ a] {
            if first >= 0 { return (first, true) }
            first = a
            if !more { break }
        }
        return (first, false)
    }

    /// Interchangeable agents: a and b whose columns are bitwise the same in the priced unary
    /// terms (V×S), the priced savings (E×S) and `allowed` (V×M). Swapping them maps every
    /// allocation to one of the same objective, and every pass to the same arithmetic on swapped
    /// columns: conditioning on a cutset assignment σ and on σ with a and b swapped (π(σ)) loads
    /// the same values into swapped columns, the cutset's constant is the same sum in the same
    /// order, a row's minimum is that of the same multiset, and each column's update reads only
    /// that column. So π(σ)'s totals and min-marginals are σ's with the columns swapped, equal as
    /// values (a zero's sign aside, which no comparison or sum the rule makes can tell apart), and
    /// π(σ) is capable exactly when σ is. `allowed[v·stride + a]` says whether a may take v.
    /// Writes each agent's class (its lowest interchangeable agent) into `classOf`, the agents
    /// that are not their class's lowest into `members`, and returns how many those are (0: none
    /// interchangeable).
    func interchangeable(unary: UnsafeMutablePointer<Double>, edge: UnsafeMutablePointer<Double>,
                         allowed: UnsafePointer<Bool>, stride: Int, classOf: UnsafeMutablePointer<Int>,
                         members: UnsafeMutablePointer<Int>) -> Int {
        let V = V, M = M, E = E, S = S
        var n = 0
        for b in 0..<M {
            classOf[b] = b
            search: for a in 0..<b where classOf[a] == a {
                for v in 0..<V where unary[v &* S &+ a].bitPattern != unary[v &* S &+ b].bitPattern
                    || allowed[v &* stride &+ a] != allowed[v &* stride &+ b] { continue search }
                for k in 0..<E where edge[k &* S &+ a].bitPattern != edge[k &* S &+ b].bitPattern { continue search }
                classOf[b] = a
                members[n] = b; n += 1
                break
            }
        }
        return n
    }

    /// The largest |price|, for `withinBound`'s margin.
    func maxAbs(_ prices: [Double]) -> Double {
        var m = 0.0
        for p in prices { m = max(m, abs(p)) }
        return m
    }

    /// The factor of the reach's margin (see `tieRule(_:)`): the margin is this times the scale.
    var reachFactor: Double { max(1e-9, 64 * Double(V + E) * Double.ulpOfOne) }

    /// The assignments within reach (total ≤ reach, in `into`, ascending) when `upper`, a reach at
    /// least as high, decides them all as the reach would: each total is at most `limit` (within
    /// either) or above `upper` (beyond either), and each assignment not folded has a bound above
    /// `upper`. Nil when some assignment lies in between: then the exact scale decides.
    /// `upper` = limit + max|p|·`scaleBound`·(1 + 10⁻⁶)·`reachFactor` is at least the reach, since
    /// every |p_a·x| ≤ max|p|·|x| (rounded products are monotone) and the two sums differ by far
    /// less than 10⁻⁶ of their terms.
    func withinBound(_ upper: Double, limit: Double, count: Int, totals: UnsafeMutablePointer<Double>,
                     bound: (Int) -> Double, into within: UnsafeMutablePointer<Int>) -> Int? {
        var n = 0
        for ordinal in 0..<count {
            let total = totals[ordinal]
            if total.isNaN {
                guard bound(ordinal) > upper else { return nil }
            } else if total <= limit {
                within[n] = ordinal; n += 1
            } else if !(total > upper) {
                return nil
            }
        }
        return n
    }

    /// The assignment that stands for `ordinal`'s class under interchangeable agents: the cut
    /// agents relabelled within each class in order of first appearance to the class's lowest
    /// members (the smallest in the odometer's order among those reached by permuting each class).
    /// `ordinal` itself when that relabelling leaves a cut node's capable agents.
    func canonicalOrdinal(_ ordinal: Int, classOf: UnsafeMutablePointer<Int>,
                          idx: UnsafeMutablePointer<Int>, canonical: UnsafeMutablePointer<Int>) -> Int {
        let M = M, C = cut.count
        decode(ordinal, into: idx)
        var result = 0
        for j in 0..<C {
            let a = choice[choiceStart[j] &+ idx[j]]
            // a's label: the same as an earlier cut node's when that one had a, else the next
            // member of a's class not yet used by earlier cut nodes.
            var label = -1
            for i in 0..<j where choice[choiceStart[i] &+ idx[i]] == a { label = choice[choiceStart[i] &+ canonical[i]]; break }
            if label < 0 {
                var used = 0
                for i in 0..<j where classOf[choice[choiceStart[i] &+ idx[i]]] == classOf[a] {
                    var earlier = false
                    for h in 0..<i where choice[choiceStart[h] &+ idx[h]] == choice[choiceStart[i] &+ idx[i]] { earlier = true; break }
                    if !earlier { used += 1 }
                }
                var b = classOf[a]
                while true {
                    if classOf[b] == classOf[a] { if used == 0 { break }; used -= 1 }
                    b += 1
                    if b >= M { return ordinal }
                }
                label = b
            }
            var position = -1
            for q in choiceStart[j]..<choiceStart[j &+ 1] where choice[q] == label { position = q &- choiceStart[j]; break }
            guard position >= 0 else { return ordinal }
            canonical[j] = position
            result = result &* (choiceStart[j &+ 1] &- choiceStart[j]) &+ position
        }
        return result
    }

    /// Whether the first `n` entries of the ascending `list` contain `x`.
    static func contains(_ list: UnsafeMutablePointer<Int>, _ n: Int, _ x: Int) -> Bool {
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if list[mid] < x { lo = mid &+ 1 } else { hi = mid }
        }
        return lo < n && list[lo] == x
    }

    /// The min-marginals (V×S) of a pass over one assignment per class (`interchangeable`), completed to
    /// the whole pass: the assignments reached by permuting each class have these min-marginals
    /// with the columns permuted, so every agent's entry becomes the minimum over its class.
    /// `members` and `count` are `interchangeable`'s list of the agents that are not their class's lowest.
    func symmetrize(_ mm: UnsafeMutablePointer<Double>, classOf: UnsafeMutablePointer<Int>,
                    members: UnsafeMutablePointer<Int>, count: Int) {
        let V = V, S = S
        for v in 0..<V {
            let r = v &* S
            for t in 0..<count {
                let b = r &+ members[t], a = r &+ classOf[members[t]]
                if mm[b] < mm[a] { mm[a] = mm[b] }
            }
            for t in 0..<count { mm[r &+ members[t]] = mm[r &+ classOf[members[t]]] }
        }
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
        let rd = UnsafeRawPointer(d)
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
