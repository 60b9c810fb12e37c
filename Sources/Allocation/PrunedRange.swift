import Foundation
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

/// A solver prepared for one agent's price range (`PriceRangeSpecialising`) whose allocation
/// problem falls apart into independent pieces over the whole range: the agent's workload is a
/// constant (fixed nodes) plus one term per piece, so the breakpoints of x_i(q) are those of the
/// pieces, and each can be located by a parametric search on its piece alone.
public protocol PiecewiseRangeSearch: AllocationSolver {
    /// Every breakpoint q in [`low.price`, `high.price`] of the agent's workload, ascending, with
    /// the workload just above it: Eisner–Severance on each piece holding the agent, started from
    /// the pieces' parts of `low.agents` and `high.agents` (allocations optimal at the two prices;
    /// the caller's tie rule is kept at the ends), each probe one piece's optimum at q. A breakpoint
    /// shared by several pieces appears once per piece, in piece order, each with the workload of
    /// the allocation switched on the pieces up to it. Nil when either allocation lies outside the
    /// prepared domains (then the caller searches on the whole instance). `probes` counts the pieces' solves.
    func pieceBreakpoints(low: (price: Double, agents: [Int]), high: (price: Double, agents: [Int]),
                          probes: inout Int) -> [(price: Double, above: Double)]?
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

extension PrunedElimination {
    /// How the solver prepared for one agent's price range (`specialised`) answers a probe. Both
    /// give the same answers to the bit (the tests compare them); the payment search's speed is
    /// what differs.
    public enum RangeProbes: Sendable, Hashable {
        /// Only the pieces whose domains hold the agent are run at each probe: the others read no
        /// cost entry that the agent's price moves, so their runs (optimum, traceback, certificate)
        /// are done once, at preparation, and reused; the agent's unary, edge and folded entries
        /// and the fixed nodes' constant are recomputed in place with the same arithmetic (and
        /// summation order) as a fresh reduction's. O(pieces holding the agent + fixed nodes) per probe.
        case incremental
        /// Every probe prices all costs, folds the fixed nodes and runs every piece (the search
        /// before the incremental probes; kept as the reference path of tests and `bench exact`).
        case wholeInstance
    }
}

extension PrunedElimination: PriceRangeSpecialising {
    /// One dominance reduction valid over the whole range of agent `agent`'s price (see
    /// `DominanceReduction.reduce(unaryLow:edgeLow:unaryHigh:edgeHigh:margin:)`), its pieces
    /// planned once; each solve in the range then answers on the reduced problem (with the same
    /// tie-rule descent as `solve(prices:)`), skipping the reduction and the planning, and, with
    /// `rangeProbes == .incremental`, re-running only the pieces that hold the agent. Nil when the
    /// range is not finite and non-negative, or its pieces exceed the table limits (then every
    /// probe reduces at its own prices, as before).
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
        let probes = rangeProbes == .incremental ? IncrementalProbes(parent: self, plan: plan, base: prices, agent: agent) : nil
        return RangeSolver(parent: self, base: prices, agent: agent, range: range, plan: plan, incremental: probes)
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
        /// The incremental probes (`RangeProbes.incremental`); nil: reduce the whole instance per probe.
        let incremental: IncrementalProbes?
        var name: String { parent.name }

        /// Whether `prices` are in scope: `base` except `agent`'s entry, which lies in `range`.
        func inScope(_ prices: [Double]) -> Bool {
            guard prices.count == base.count, range.contains(prices[agent]) else { return false }
            for k in prices.indices where k != agent && prices[k] != base[k] { return false }
            return true
        }

        /// The reduced problem at `prices` from the plan, or nil when `prices` is outside its scope.
        func reduced(_ prices: [Double]) -> Reduced? {
            guard inScope(prices) else { return nil }
            return parent.reduced(plan, costs: PricedCosts(model: parent.model, prices: prices, allowed: parent.model.capable))
        }

        func solve(prices: [Double]) throws -> Assignment {
            guard inScope(prices) else { return try parent.solve(prices: prices) }
            if let incremental { return incremental.at(prices[agent]) { parent.solve($0, prices: prices, known: $1) } }
            return parent.solve(reduced(prices)!, prices: prices)
        }

        func optimalValue(prices: [Double]) throws -> Double {
            guard inScope(prices) else { return try parent.optimalValue(prices: prices) }
            if let incremental { return incremental.at(prices[agent]) { parent.optimalValue($0, known: $1) } }
            return parent.optimalValue(reduced(prices)!)
        }

        func anyOptimum(prices: [Double]) throws -> Assignment {
            guard inScope(prices) else { return try parent.anyOptimum(prices: prices) }
            if let incremental { return incremental.at(prices[agent]) { parent.anyOptimum($0, prices: prices, known: $1) } }
            return parent.anyOptimum(reduced(prices)!, prices: prices)
        }
    }

    /// The reduced problem of a range plan kept up to date as one agent's price q moves
    /// (`RangeProbes.incremental`). A piece none of whose domains holds the agent reads only
    /// entries of other agents (unary, edge, and savings of fixed neighbours folded on another
    /// agent), which q does not touch: it is run once here. At each q the agent's entries of the
    /// other pieces and the fixed nodes' constant are rewritten with exactly the products and the
    /// summation order of `PricedCosts` and `reduced(_:costs:)`, so every answer equals the
    /// whole-instance one to the bit. The buffers are rewritten in place, under a lock (one probe
    /// at a time; the payment search probes sequentially).
    final class IncrementalProbes: @unchecked Sendable {
        private let lock = NSLock()
        private let agent: Int
        private let M: Int
        private let plan: Plan
        /// Unary and edge entries of the reduced problem; the agent's entries hold the last probe's q.
        private var unary: [Double]
        private var edge: [Double]
        /// Runs of the pieces that do not hold the agent (nil for those that do).
        private let known: [PrunedElimination.PieceRun?]
        /// Per piece, the agent's unary entries it reads (none for a piece that does not hold the
        /// agent): index into `unary`, the base workload, and the savings (per unit price) folded
        /// into it from fixed neighbours on the agent, in `plan.folds` order.
        let unaryUpdates: [[(index: Int, base: Double, folds: [Double])]]
        /// Per piece, its edges: index of the agent's entry into `edge` and its saving per unit price.
        let edgeUpdates: [[(index: Int, saving: Double)]]
        /// The reduced unary and edge entries at the base prices (every other agent's entries
        /// hold at any q).
        let unaryAtBase: [Double]
        let edgeAtBase: [Double]
        /// The constant's terms in `reduced`'s order: the fixed nodes' unary costs (a fixed value,
        /// or the agent's base workload to multiply by q), then the savings of same-agent pairs of
        /// fixed nodes (likewise).
        private let nodeTerms: [(value: Double, scaled: Bool)]
        private let pairTerms: [(value: Double, scaled: Bool)]

        init(parent: PrunedElimination, plan: Plan, base: [Double], agent: Int) {
            let model = parent.model
            let M = model.agentCount
            self.agent = agent; self.M = M; self.plan = plan
            let costs = PricedCosts(model: model, prices: base, allowed: model.capable)
            let r = parent.reduced(plan, costs: costs)
            unary = r.unary; edge = r.edge
            unaryAtBase = r.unary; edgeAtBase = r.edge
            let holds = plan.pieces.map { $0.values.contains { $0.contains(agent) } }
            known = plan.pieces.enumerated().map { p, piece in
                holds[p] ? nil : piece.run(unary: r.unary, edge: r.edge, M: M, fixed: nil, traceback: true)
            }
            var folds = [Int: [Double]]()
            for f in plan.folds where f.agent == agent { folds[f.node, default: []].append(model.saving[f.edge][agent]) }
            var unaryUpdates = [[(index: Int, base: Double, folds: [Double])]](repeating: [], count: plan.pieces.count)
            var edgeUpdates = [[(index: Int, saving: Double)]](repeating: [], count: plan.pieces.count)
            for (p, piece) in plan.pieces.enumerated() where holds[p] {
                for (i, v) in piece.nodes.enumerated() where piece.values[i].contains(agent) {
                    unaryUpdates[p].append((v * M + agent, model.base[v][agent], folds[v] ?? []))
                }
                for e in piece.edges { edgeUpdates[p].append((e.edge * M + agent, model.saving[e.edge][agent])) }
            }
            self.unaryUpdates = unaryUpdates
            self.edgeUpdates = edgeUpdates
            var nodeTerms: [(value: Double, scaled: Bool)] = []
            for v in 0..<model.nodeCount where plan.agents[v] >= 0 {
                let a = plan.agents[v]
                nodeTerms.append(a == agent ? (model.base[v][a], true) : (costs.unary[v * M + a], false))
            }
            self.nodeTerms = nodeTerms
            pairTerms = plan.fixedPairs.map { f in f.agent == agent ? (model.saving[f.edge][agent], true) : (costs.edge[f.edge * M + f.agent], false) }
        }

        /// `body` on the reduced problem at the agent's price `q`, with the known runs.
        func at<T>(_ q: Double, _ body: (Reduced, [PrunedElimination.PieceRun?]) -> T) -> T {
            lock.lock(); defer { lock.unlock() }
            for p in plan.pieces.indices { price(piece: p, at: q) }
            var constant = 0.0
            for t in nodeTerms { constant += t.scaled ? q * t.value : t.value }
            for t in pairTerms { constant -= t.scaled ? q * t.value : t.value }
            let r = Reduced(agents: plan.agents, constant: constant, unary: unary, edge: edge, pieces: plan.pieces,
                            pieceOf: plan.pieceOf, localIndex: plan.localIndex)
            return body(r, known)
        }

        /// Piece `p`'s entries of the agent rewritten for price `q`, with the arithmetic of
        /// `PricedCosts` (q·base, q·saving) and `reduced` (the folded savings subtracted in order).
        private func price(piece p: Int, at q: Double) {
            for u in unaryUpdates[p] {
                var x = q * u.base
                for s in u.folds { x -= q * s }
                unary[u.index] = x
            }
            for e in edgeUpdates[p] { edge[e.index] = q * e.saving }
        }

        /// Piece `p` alone at the agent's price `q`: its optimum, and with `traceback` an optimal
        /// allocation of it (value indices).
        func piece(_ p: Int, at q: Double, traceback: Bool) -> PrunedElimination.PieceRun {
            lock.lock(); defer { lock.unlock() }
            price(piece: p, at: q)
            return plan.pieces[p].run(unary: unary, edge: edge, M: M, fixed: nil, traceback: traceback)
        }

        /// Whether piece `p` holds the agent (its answer moves with q).
        func holds(_ p: Int) -> Bool { known[p] == nil }
    }
}

extension PrunedElimination.RangeSolver: PiecewiseRangeSearch {
    /// See `PiecewiseRangeSearch`. A piece's line for an allocation c of its nodes is exact in q:
    /// slope x_p(c) = Σ over its nodes on the agent of (base workload − savings folded from fixed
    /// neighbours on the agent) − savings of its edges with both ends on the agent; intercept =
    /// the same sums over the other nodes and edges at their (fixed) prices. The agent's workload
    /// is the fixed nodes' share plus Σ_p x_p, so the breakpoints of the pieces are those of x_i;
    /// the workload above each is recomputed by `CostModel.workloads` on the allocation with
    /// the pieces switched so far (the low allocation elsewhere). A probe confirms a breakpoint
    /// when the piece's optimum at q is within 1e-11 relative of the two lines' meeting value
    /// (the whole-instance search's rule, on the piece's scale).
    func pieceBreakpoints(low: (price: Double, agents: [Int]), high: (price: Double, agents: [Int]),
                          probes: inout Int) -> [(price: Double, above: Double)]? {
        guard let w = incremental, low.price <= high.price, range.contains(low.price), range.contains(high.price) else { return nil }
        let model = parent.model, M = model.agentCount, i = agent
        // Both ends must lie in the prepared domains: fixed nodes on their agent, piece nodes in theirs.
        for v in 0..<model.nodeCount where plan.agents[v] >= 0 {
            if low.agents[v] != plan.agents[v] || high.agents[v] != plan.agents[v] { return nil }
        }
        var foldSaving = [Int: [Double]]()
        for f in plan.folds where f.agent == i { foldSaving[f.node, default: []].append(model.saving[f.edge][i]) }
        typealias Line = (x: Double, rest: Double)
        var found: [(price: Double, piece: Int, order: Int, agents: [Int])] = []
        for (p, piece) in plan.pieces.enumerated() where w.holds(p) {
            let n = piece.nodes.count
            let lowAgents = piece.nodes.map { low.agents[$0] }, highAgents = piece.nodes.map { high.agents[$0] }
            for k in 0..<n where !piece.values[k].contains(lowAgents[k]) || !piece.values[k].contains(highAgents[k]) { return nil }
            /// The piece's line for agents `c` of its nodes (see above).
            func line(_ c: [Int]) -> Line {
                var x = 0.0, rest = 0.0
                for (k, v) in piece.nodes.enumerated() {
                    if c[k] == i {
                        var unit = model.base[v][i]
                        for s in foldSaving[v] ?? [] { unit -= s }
                        x += unit
                    } else {
                        rest += w.unaryAtBase[v * M + c[k]]
                    }
                }
                for e in piece.edges where c[e.u] == c[e.v] {
                    if c[e.u] == i { x -= model.saving[e.edge][i] } else { rest -= w.edgeAtBase[e.edge * M + c[e.u]] }
                }
                return (x, rest)
            }
            var stack = [(low.price, line(lowAgents), high.price, line(highAgents), highAgents)]
            var pieceProbes = 0
            while let (qa, a, qb, b, bAgents) = stack.popLast() {
                if a.x == b.x { continue }
                let q = (b.rest - a.rest) / (a.x - b.x)
                guard q > qa, q < qb, pieceProbes < 10_000 else { found.append((min(max(q, qa), qb), p, found.count, bAgents)); continue }
                let onA = a.x * q + a.rest
                let tol = 1e-11 * max(1, abs(onA))
                pieceProbes += 1
                if w.piece(p, at: q, traceback: false).value >= onA - tol {
                    found.append((q, p, found.count, bAgents))
                    continue
                }
                let s = w.piece(p, at: q, traceback: true)
                let mAgents = (0..<n).map { piece.values[$0][s.choice[$0]] }
                let m = line(mAgents)
                if m.x * q + m.rest >= onA - tol || m.x == a.x || m.x == b.x {
                    found.append((q, p, found.count, bAgents))
                } else {
                    stack.append((q, m, qb, b, bAgents))
                    stack.append((qa, a, q, m, mAgents))
                }
            }
            probes += pieceProbes
        }
        // By price, then piece, then the order found (a piece's search reports left to right).
        found.sort { ($0.price, $0.piece, $0.order) < ($1.price, $1.piece, $1.order) }
        var agents = low.agents
        return found.map { f in
            for (k, v) in plan.pieces[f.piece].nodes.enumerated() { agents[v] = f.agents[k] }
            return (f.price, model.workloads(agents)[i])
        }
    }
}
