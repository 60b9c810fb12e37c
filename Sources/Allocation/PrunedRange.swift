import Workflows

/// A solver that can prepare for many solves whose prices differ from one vector in a single
/// agent's entry, within a range: the payment search for agent i probes only p_i (Eisner–Severance
/// on [φ̄(bid), φ̄(top)]), so work that depends on the other prices can be done once per agent.
public protocol PriceRangeSpecialising: AllocationSolver {
    /// A solver giving exactly this solver's answers (allocation, value, any optimum) for prices
    /// equal to `prices` except agent `agent`'s entry, which lies in `range`; other price vectors
    /// are passed to this solver unchanged. Nil when preparing would not pay (or cannot be done).
    func specialised(agent: Int, prices: [Double], range: ClosedRange<Double>) -> (any AllocationSolver)?
}

extension DominanceReduction {
    /// The reduced domains valid at *every* price vector on the segment between two: the priced
    /// costs `unaryLow`/`edgeLow` and `unaryHigh`/`edgeHigh` (the same prices except one agent's).
    ///
    /// Along such a segment each bound Δ(a→b) of the type's comment is affine in the one price
    /// that moves (ũ and S are sums of p·base and p·saving terms over fixed sets of neighbours),
    /// so a value removed here — with the same dominator b at both ends — is removable at every
    /// price between them, given the current domains; the type's proof then holds at each price
    /// separately. `margin` must be at least the strict margin of every price on the segment (the
    /// larger end's: the bound Σ_v min_a u(v,a) grows with any price). With equal ends this removes
    /// exactly what `reduce(unary:edge:margin:)` removes (the tests check it). O(V·M²·deg) per sweep.
    func reduce(unaryLow: [Double], edgeLow: [Double], unaryHigh: [Double], edgeHigh: [Double], margin: Double) -> [UInt64] {
        let V = nodeCount, M = agentCount
        var dom = capable
        var work = DomainWorklist(nodeCount: V)
        // Per end: ũ and S over the node's domain (index 0: low end, 1: high end).
        var ut = [[Double]](repeating: [Double](repeating: 0, count: M), count: 2)
        var save = ut
        let unary = [unaryLow, unaryHigh], edge = [edgeLow, edgeHigh]
        while let v = work.next() {
            let dv = dom[v]
            if dv.nonzeroBitCount <= 1 { continue }
            for s in 0..<2 {
                var bits = dv
                while bits != 0 {
                    let a = bits.trailingZeroBitCount
                    ut[s][a] = unary[s][v * M + a]; save[s][a] = 0
                    bits &= bits - 1
                }
                for k in adjStart[v]..<adjStart[v + 1] {
                    let dn = dom[adjNode[k]], e = adjEdge[k] * M
                    if dn.nonzeroBitCount == 1 {
                        let c = dn.trailingZeroBitCount
                        if dv & (1 << UInt64(c)) != 0 { ut[s][c] -= edge[s][e + c] }
                    } else {
                        var common = dv & dn
                        while common != 0 {
                            let a = common.trailingZeroBitCount
                            save[s][a] += edge[s][e + a]
                            common &= common - 1
                        }
                    }
                }
            }
            var removed: UInt64 = 0
            var bits = dv
            while bits != 0 {
                let a = bits.trailingZeroBitCount
                bits &= bits - 1
                let worstLow = ut[0][a] - save[0][a], worstHigh = ut[1][a] - save[1][a]
                var others = dv & ~(1 << UInt64(a))
                while others != 0 {
                    let b = others.trailingZeroBitCount
                    others &= others - 1
                    let strict = ut[0][b] < worstLow - margin && ut[1][b] < worstHigh - margin
                    let weak = b < a && ut[0][b] <= worstLow && ut[1][b] <= worstHigh
                    if strict || weak { removed |= 1 << UInt64(a); break }
                }
            }
            work.narrow(&dom, v, removing: removed, neighbours: adjNode[adjStart[v]..<adjStart[v + 1]])
        }
        return dom
    }
}

extension PrunedElimination: PriceRangeSpecialising {
    /// One dominance reduction valid over the whole range of agent `agent`'s price (see
    /// `DominanceReduction.reduce(unaryLow:edgeLow:unaryHigh:edgeHigh:margin:)`), its pieces
    /// planned once; each solve in the range then prices the costs, folds the fixed nodes and runs
    /// the pieces (with the same tie-rule descent as `solve(prices:)`), skipping the reduction and
    /// the planning. Nil when the range is not finite and non-negative, or its pieces exceed the
    /// table limits (then every probe reduces at its own prices, as before).
    public func specialised(agent: Int, prices: [Double], range: ClosedRange<Double>) -> (any AllocationSolver)? {
        guard prices.indices.contains(agent), range.lowerBound >= 0, range.upperBound.isFinite else { return nil }
        var low = prices, high = prices
        low[agent] = range.lowerBound
        high[agent] = range.upperBound
        let cl = PricedCosts(model: model, prices: low, allowed: model.capable)
        let ch = PricedCosts(model: model, prices: high, allowed: model.capable)
        let margin = max(DominanceReduction.margin(unary: cl.unary, model: model), DominanceReduction.margin(unary: ch.unary, model: model))
        let dom = reduction.reduce(unaryLow: cl.unary, edgeLow: cl.edge, unaryHigh: ch.unary, edgeHigh: ch.edge, margin: margin)
        guard !dom.contains(0), let plan = plan(dom) else { return nil }
        return RangeSolver(parent: self, base: prices, agent: agent, range: range, plan: plan)
    }

    /// `PrunedElimination` on prices that differ from `base` in `agent`'s entry only, within
    /// `range`, with the reduction and the pieces' plans done once (`specialised`); any other
    /// price vector goes to `parent`.
    struct RangeSolver: AllocationSolver {
        let parent: PrunedElimination
        let base: [Double]
        let agent: Int
        let range: ClosedRange<Double>
        let plan: Plan
        var name: String { parent.name }

        /// The reduced problem at `prices` from the plan, or nil when `prices` is outside its scope.
        func reduced(_ prices: [Double]) -> Reduced? {
            guard prices.count == base.count, range.contains(prices[agent]) else { return nil }
            for k in prices.indices where k != agent && prices[k] != base[k] { return nil }
            return parent.reduced(plan, costs: PricedCosts(model: parent.model, prices: prices, allowed: parent.model.capable))
        }

        func solve(prices: [Double]) throws -> Assignment {
            guard let r = reduced(prices) else { return try parent.solve(prices: prices) }
            return parent.solve(r, prices: prices)
        }

        func optimalValue(prices: [Double]) throws -> Double {
            guard let r = reduced(prices) else { return try parent.optimalValue(prices: prices) }
            return parent.optimalValue(r)
        }

        func anyOptimum(prices: [Double]) throws -> Assignment {
            guard let r = reduced(prices) else { return try parent.anyOptimum(prices: prices) }
            return parent.anyOptimum(r, prices: prices)
        }
    }
}
