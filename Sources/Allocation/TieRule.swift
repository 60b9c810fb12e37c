import Workflows

/// **The tie rule** — the one place it is stated and implemented (TheModel.md).
///
/// Among the allocations whose objective Σ_i p_i·x_i(A) is within `tolerance` of the optimum,
/// the allocation chosen is the lexicographically smallest vector (A(0), A(1), …, A(V−1)):
/// node 0 goes to the lowest agent index that can still be part of an optimum, then node 1
/// does, and so on ("lowest agent index, then lowest node index").
///
/// Every solver kind returns this allocation (`SolverKind.make` wraps each solver in
/// `Canonical`; `PrunedElimination` applies the rule itself), so `--solver` changes neither the allocation nor any payment. It is a
/// deterministic function of the price vector, which is all a monotone allocation needs: at
/// a tie price the chosen x_i lies between its one-sided limits. Payments rely on it on flat
/// stretches of φ̄, where a whole interval of bids shares one price (`ThresholdPayment`).
///
/// The tolerance absorbs rounding only: two allocations that are mathematically tied
/// (identical agents, a breakpoint price) may differ by a few ulps depending on summation
/// order. It is kept that small on purpose: a lower-index agent wins every allocation within
/// the tolerance, which moves its thresholds by the same relative amount, and payments are
/// computed at the exact line intersections (an earlier 1e-11 showed up as 5e-11 identity
/// errors in the DSIC harness).
public enum TieRule {
    /// Relative tolerance for a model with `terms` nodes + edges: max(1e-13, 8·ε·terms).
    public static func relativeTolerance(terms: Int) -> Double { max(1e-13, 8 * Double.ulpOfOne * Double(terms)) }

    /// Tolerance for an optimum of value `w` of `model`.
    public static func tolerance(_ w: Double, _ model: CostModel) -> Double {
        tolerance(w, terms: model.nodeCount + model.edges.count)
    }

    /// The same tolerance for a model of `terms` nodes + edges (for callers that keep the counts, not the model).
    static func tolerance(_ w: Double, terms: Int) -> Double {
        relativeTolerance(terms: terms) * max(abs(w), 1e-300)
    }

    /// The same rule for single-item auctions among priced offers (Myopic per node, Homogeneous
    /// for the bundle): lower cost first; at equal cost the lower agent index.
    public static func precedes(cost a: Double, agent i: Int, cost b: Double, agent j: Int) -> Bool {
        a != b ? a < b : i < j
    }

    /// The largest number of cutset assignments the min-marginal method enumerates per pass.
    /// (Beyond it the elimination-tree marginals are cheaper: 81 for nine agents and two cut nodes.)
    static let maxCutsetAssignments = 100
}

/// Lexicographic tie-breaking by min-marginals on "a forest plus a small cutset".
///
/// One pass conditions on each capable assignment of the cutset C, folds the forest left by
/// removing C (`RootedForest`, the tree DP), then runs the matching downward pass, giving for
/// every node v and agent a the min-marginal m(v,a) = min { W(A) : A(v) = a } in O(M^|C|·V·M).
/// Nodes are then fixed in index order to the lowest agent with m(v,a) ≤ W* + τ; a new pass is
/// needed only after fixing a node that had more than one such agent (a real tie).
struct LexicographicForest: Sendable {
    let model: CostModel
    let cutsetSolver: CutsetConditioning
    var cutset: [Int] { cutsetSolver.cutset }
    var forest: RootedForest { cutsetSolver.forest }

    /// Builds the structure when some cutset keeps the enumeration affordable, else throws.
    /// `reusing`: a cutset solver already built for `model` (the greedy cutset does not depend on
    /// the limit, only whether it is refused), taken when its cutset is within this limit.
    init(model: CostModel, reusing built: CutsetConditioning? = nil) throws {
        self.model = model
        let M = max(2, model.agentCount)
        var maxCut = 0
        while maxCut < 20, Double(M).power(maxCut + 1) <= Double(TieRule.maxCutsetAssignments) { maxCut += 1 }
        // Removing a node removes at most its degree from the excess: refuse early when even the
        // maxCut highest degrees cannot make the graph a forest (keeps large cyclic graphs cheap).
        let degrees = model.neighbours.map(\.count).sorted(by: >)
        guard model.excessEdges() <= degrees.prefix(maxCut).reduce(0, +) else {
            throw AllocationError.tooLarge("no cutset of ≤ \(maxCut) nodes makes the workflow a forest")
        }
        if let built, built.cutset.count <= maxCut {
            cutsetSolver = built
        } else {
            cutsetSolver = try CutsetConditioning(model: model, maxCut: maxCut)
        }
    }

    /// Optimum value and min-marginals (V×M, +∞ where not allowed) under `allowed`: the cutset
    /// solver's flat passes (`CutsetPlan.minMarginals`).
    func minMarginals(prices: [Double], allowed: [[Bool]]) -> (best: Double, marginal: [Double]) {
        cutsetSolver.plan.minMarginals(prices: prices, allowed: allowed)
    }

    /// The straightforward form of `minMarginals(prices:allowed:)` (nested arrays, `PricedCosts`,
    /// `CutsetConditioning.condition`, `RootedForest.fold`), which the tests compare with the plan's
    /// passes bit for bit; not used by the solver.
    func referenceMinMarginals(prices: [Double], allowed: [[Bool]]) -> (best: Double, marginal: [Double]) {
        let M = model.agentCount, V = model.nodeCount
        var mm = [Double](repeating: .infinity, count: V * M)
        var bestValue = Double.infinity
        let choices = cutset.map { c in (0..<M).filter { allowed[c][$0] } }
        if choices.contains(where: \.isEmpty) { return (bestValue, mm) }
        let costs = PricedCosts(model: model, prices: prices, allowed: allowed)
        let w = costs.edge
        var idx = [Int](repeating: 0, count: cutset.count)
        var agents = [Int](repeating: 0, count: V)
        var D = [Double](repeating: 0, count: V * M), out = D
        var best = [Double](repeating: 0, count: V), bestAgent = [Int](repeating: 0, count: V)
        while true {
            let constant = cutsetSolver.condition(on: idx, choices: choices, costs: costs, agents: &agents, D: &D)
            if let rootsTotal = try? forest.fold(&D, edge: w, M: M, best: &best, bestAgent: &bestAgent) {
                let total = constant + rootsTotal
                // Downward pass: out[v][i] = cost of everything outside v's subtree given A(v) = i.
                for v in forest.order {
                    let p = forest.parent[v]
                    if p < 0 {
                        for i in 0..<M { out[v * M + i] = total - best[v] }
                        continue
                    }
                    let we = forest.parentEdge[v] * M
                    // Parent at j, with v's own contribution to D[p][j] taken out.
                    var m = Double.infinity
                    for j in 0..<M where D[p * M + j].isFinite {
                        let contrib = min(D[v * M + j] - w[we + j], best[v])
                        m = min(m, out[p * M + j] + D[p * M + j] - contrib)
                    }
                    for i in 0..<M {
                        var o = m
                        if D[p * M + i].isFinite && D[v * M + i].isFinite {
                            let contrib = min(D[v * M + i] - w[we + i], best[v])
                            o = min(o, out[p * M + i] + D[p * M + i] - contrib - w[we + i])
                        }
                        out[v * M + i] = o
                    }
                }
                for v in forest.order {
                    for i in 0..<M where D[v * M + i].isFinite { mm[v * M + i] = min(mm[v * M + i], D[v * M + i] + out[v * M + i]) }
                }
                for c in cutset { mm[c * M + agents[c]] = min(mm[c * M + agents[c]], total) }
                bestValue = min(bestValue, total)
            }
            var k = cutset.count - 1
            while k >= 0 && idx[k] == choices[k].count - 1 { idx[k] = 0; k -= 1 }
            if k < 0 { break }
            idx[k] += 1
        }
        return (bestValue, mm)
    }

}

/// Something that computes the optimum and every min-marginal under per-node restrictions.
protocol MinMarginals: Sendable {
    var model: CostModel { get }
    func minMarginals(prices: [Double], allowed: [[Bool]]) -> (best: Double, marginal: [Double])
}
extension LexicographicForest: MinMarginals {}
extension LexicographicElimination: MinMarginals {}

extension MinMarginals {
    /// The tie rule's allocation (see `TieRule`): nodes fixed in index order to the lowest agent
    /// whose min-marginal is within the tolerance of the optimum; a new pass only after a real tie.
    ///
    /// Shortcut after every pass (`lowestCandidates`): give each node not yet fixed its lowest
    /// candidate (the lowest allowed agent whose min-marginal is within the limit). Any allocation
    /// within the limit that agrees with the nodes fixed so far has, at every node u, a
    /// min-marginal m(u, A(u)) ≤ W(A) ≤ limit, so A(u) is a candidate and A(u) ≥ L(u) node by node.
    /// When L itself is within the limit it is therefore the lexicographically smallest such
    /// allocation — what fixing the nodes one by one would reach — and no further pass is needed.
    /// At a tie between interchangeable agents (a breakpoint probe, identical agents) this answers
    /// after one pass; where the lowest candidates do not combine into an optimum the node-by-node
    /// fixing goes on as before.
    func canonical(prices: [Double]) throws -> Assignment {
        try canonicalCountingPasses(prices: prices, shortcut: true).assignment
    }

    /// `canonical(prices:)` with the number of min-marginal passes it ran; `shortcut: false` fixes
    /// node by node only (the tests compare the two).
    func canonicalCountingPasses(prices: [Double], shortcut: Bool) throws -> (assignment: Assignment, passes: Int) {
        let M = model.agentCount, V = model.nodeCount
        var allowed = model.capable
        var passes = 1
        var (w, mm) = minMarginals(prices: prices, allowed: allowed)
        guard w.isFinite else { throw AllocationError.infeasible("no capable allocation") }
        let limit = w + TieRule.tolerance(w, model)
        var agents = [Int](repeating: 0, count: V)
        var fresh = shortcut   // a pass was just computed: try the shortcut once
        for v in 0..<V {
            if fresh {
                fresh = false
                if let lowest = lowestCandidates(from: v, fixed: agents, marginal: mm, allowed: allowed, limit: limit) {
                    let objective = model.objective(lowest, prices: prices)
                    if objective <= limit { return (Assignment(agents: lowest, objective: objective), passes) }
                }
            }
            // The lowest allowed agent within the limit, how many are (a real tie when > 1), and
            // the first argmin (no arrays: this loop runs once per node per solve).
            var first = -1, candidates = 0, argmin = 0
            for a in 0..<M {
                let m = mm[v * M + a]
                if m < mm[v * M + argmin] { argmin = a }
                if allowed[v][a] && m <= limit { if first < 0 { first = a }; candidates += 1 }
            }
            // Rounding can leave the true optimum a hair above `limit`: fall back to the argmin.
            let a = first >= 0 ? first : argmin
            agents[v] = a
            for b in 0..<M { allowed[v][b] = b == a }
            if candidates > 1 { (_, mm) = minMarginals(prices: prices, allowed: allowed); passes += 1; fresh = shortcut }
        }
        return (Assignment(agents: agents, objective: model.objective(agents, prices: prices)), passes)
    }

    /// `fixed` for nodes before `v`, and from `v` on each node's lowest candidate (allowed, its
    /// min-marginal ≤ `limit`); nil when some node has no candidate (rounding: the node-by-node
    /// rule's argmin fallback decides there) or no node from `v` on has two (then the node-by-node
    /// rule needs no further pass and gives the same allocation without the objective check).
    func lowestCandidates(from v: Int, fixed: [Int], marginal mm: [Double], allowed: [[Bool]], limit: Double) -> [Int]? {
        let M = model.agentCount, V = model.nodeCount
        var lowest = fixed, tie = false
        for u in v..<V {
            var first = -1
            for a in 0..<M where allowed[u][a] && mm[u * M + a] <= limit {
                if first < 0 { first = a } else { tie = true; break }
            }
            guard first >= 0 else { return nil }
            lowest[u] = first
        }
        return tie ? lowest : nil
    }
}

/// Lexicographic tie-breaking for graphs without an affordable cutset: fix nodes in index
/// order, trying lower agents with the requested exact solver on the restricted model.
/// Costs up to Σ_v (number of lower capable agents) solves, so it is the fallback only.
struct LexicographicDescent: Sendable {
    let model: CostModel
    let make: @Sendable (CostModel) throws -> any AllocationSolver

    func canonical(prices: [Double], optimum: Assignment) throws -> Assignment {
        let limit = optimum.objective + TieRule.tolerance(optimum.objective, model)
        var current = optimum.agents
        var allowed = model.capable
        for v in 0..<model.nodeCount {
            for a in 0..<current[v] where allowed[v][a] {
                var trial = allowed
                trial[v] = (0..<model.agentCount).map { $0 == a }
                guard let solver = try? make(model.restricted(to: trial)),
                      let s = try? solver.solve(prices: prices), s.objective <= limit else { continue }
                current = s.agents
                break
            }
            allowed[v] = (0..<model.agentCount).map { $0 == current[v] }
        }
        return Assignment(agents: current, objective: model.objective(current, prices: prices))
    }
}

/// A solver whose allocation follows `TieRule`: the wrapped solver's optimum, replaced by the
/// tie rule's choice among the optima. Built by `SolverKind.make` for every kind.
public struct Canonical: AllocationSolver {
    /// The exact solver whose optimum the tie rule starts from.
    public let inner: any AllocationSolver
    let lex: (any MinMarginals)?
    let descent: LexicographicDescent
    /// When the min-marginal structure is itself an exact solver of this kind (tree, cutset),
    /// the inner solve is skipped.
    let innerRedundant: Bool
    /// Then the forest structure's flat passes, which compute the rule in one call (`CutsetPlan.tieRule`).
    let plan: CutsetPlan?

    /// The inner solver's name (the kind reported in outcomes).
    public var name: String { inner.name }

    init(inner: any AllocationSolver, model: CostModel, innerRedundant: Bool,
         make: @escaping @Sendable (CostModel) throws -> any AllocationSolver) {
        self.inner = inner
        let forest = try? LexicographicForest(model: model, reusing: inner as? CutsetConditioning)
        if let forest {
            lex = forest
        } else if let elimination = try? LexicographicElimination(model: model) {
            lex = elimination
        } else {
            lex = nil
        }
        descent = LexicographicDescent(model: model, make: make)
        // Tree DP / cutset need no separate solve when the forest structure applies; elimination
        // none when the elimination structure does (it is the same computation plus marginals).
        self.innerRedundant = (innerRedundant && forest != nil) || (inner is VariableElimination && forest == nil && lex != nil)
        // The greedy cutset does not depend on the limit, so the forest structure's cutset is the
        // inner cutset solver's (or empty, under a tree DP): its plan computes what the inner
        // solver's certificate and the min-marginal passes would.
        plan = innerRedundant ? forest?.cutsetSolver.plan : nil
    }

    /// The optimum `TieRule` selects among all optima for `prices`: from the min-marginal
    /// structure when one applies, else by lexicographic descent over restricted re-solves.
    /// Tree and cutset solvers (auto's choice on forests and almost-trees) compute it in one call
    /// of their plan (`CutsetPlan.tieRule`: the certificate, then downward passes only under the
    /// cutset assignments that can tie); every other kind, and the plan's rare rounding fallback,
    /// as `referenceSolve(prices:)` does. The same allocation and objective as
    /// `referenceSolve(prices:)` bit for bit (the tests compare them).
    /// - Throws: the inner solver's errors (`AllocationError`).
    public func solve(prices: [Double]) throws -> Assignment {
        if let plan, let lex {
            if let r = try plan.tieRule(prices) { return Assignment(agents: r.agents, objective: r.objective) }
            return try lex.canonical(prices: prices)
        }
        return try referenceSolve(prices: prices)
    }

    /// The straightforward form of `solve(prices:)`, kept as its reference (the tests compare the
    /// two bit for bit; not used by the solver): for tree and cutset solvers the inner solver's
    /// certified optimum, and at a tie (certificate ≤ 2τ) the min-marginal passes over every
    /// cutset assignment (`MinMarginals.canonical(prices:)`); for the other kinds the same path
    /// as `solve(prices:)`.
    func referenceSolve(prices: [Double]) throws -> Assignment {
        if innerRedundant, let lex {
            // The inner optimum is the tie rule's when every other allocation lies more than
            // twice the tolerance above it (then none is within τ of the optimum, whatever the
            // rounding of either computation): one exact pass plus its traceback certificate.
            if let certified = inner as? any CertifiedOptimum {
                let c = try certified.certifiedOptimum(prices: prices)
                if c.gap > 2 * TieRule.tolerance(c.value, lex.model) { return c.assignment }
            }
            return try lex.canonical(prices: prices)
        }
        let a = try inner.solve(prices: prices)
        if let lex {
            let c = try lex.canonical(prices: prices)
            // Two exact methods on the same prices: a disagreement is a solver bug, never hidden.
            guard abs(a.objective - c.objective) <= 1e-7 * max(abs(c.objective), 1e-300) else {
                throw AllocationError.solverFailed("\(inner.name) returned objective \(a.objective) but the optimum is \(c.objective)")
            }
            return c
        }
        return try descent.canonical(prices: prices, optimum: a)
    }

    /// The optimum's value. When the tie rule's structure makes the inner solver redundant (tree,
    /// cutset, auto), the inner solver's value alone (its upward passes: no tie rule, no
    /// traceback); for a forced kind the full `solve(prices:)`, so its cross-check still runs.
    public func optimalValue(prices: [Double]) throws -> Double {
        innerRedundant ? try inner.optimalValue(prices: prices) : try solve(prices: prices).objective
    }

    /// An optimum without the tie rule: the inner solver's own when it is redundant with the
    /// tie rule's structure (tree, cutset, auto); for a forced kind the full `solve(prices:)`.
    public func anyOptimum(prices: [Double]) throws -> Assignment {
        innerRedundant ? try inner.solve(prices: prices) : try solve(prices: prices)
    }
}

/// Lexicographic tie-breaking by min-marginals on the elimination tree of `VariableElimination`
/// (graphs without a small cutset, e.g. S1x5): an upward min-sum pass that keeps each step's
/// clique table, and a downward pass that sends each step the best cost of everything outside
/// its subtree, give m(v,a) for every node in about three times the cost of one VE solve.
struct LexicographicElimination: Sendable {
    let model: CostModel
    let ve: VariableElimination
    /// For each factor id, the step that consumes it (nil for final constants).
    let consumer: [Int?]
    /// Per step, per consumed factor: for an edge factor, where its diagonal sits in the step's
    /// clique table — the offset between the entries with both ends on agent a and on a + 1 (the
    /// sum of the two ends' place values) and the place values of the other digits; nil for a table
    /// factor. Laid out once here, not per min-marginal pass.
    let edgeDiagonals: [[(step: Int, others: [Int])?]]

    init(model: CostModel, tableLimit: Double = 1e6) throws {
        self.model = model
        ve = try VariableElimination(model: model, tableLimit: tableLimit)
        var c = [Int?](repeating: nil, count: ve.factorCount)
        for (s, step) in ve.steps.enumerated() { for f in step.consumed { c[f] = s } }
        consumer = c
        let M = model.agentCount
        edgeDiagonals = ve.steps.map { step in
            var layout = [(step: Int, others: [Int])?](repeating: nil, count: step.consumed.count)
            for e in step.edgeTerms {
                guard let fi = step.consumed.firstIndex(of: model.nodeCount + e.edge) else { continue }
                let st = step.strides[fi]
                layout[fi] = (st.indices.filter { st[$0] != 0 }.reduce(0) { $0 + VariableElimination.ipow(M, $1) },
                              st.indices.filter { st[$0] == 0 }.map { VariableElimination.ipow(M, $0) })
            }
            return layout
        }
    }

    /// Calls `body(o, j)` for o = 0, 1, … in order, where j is clique assignment o's index in a
    /// factor with these `strides` (o's little-endian base-M digits over scope + [variable],
    /// each times its stride), kept by an odometer instead of a division per digit.
    @inline(__always) static func forEachProjected(count: Int, strides: [Int], M: Int, _ body: (Int, Int) -> Void) {
        let d = strides.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(1, d)) { digit in
            digit.initialize(repeating: 0)
            strides.withUnsafeBufferPointer { st in
                var idx = 0
                for o in 0..<count {
                    body(o, idx)
                    var p = 0
                    while p < d {
                        digit[p] += 1; idx += st[p]
                        if digit[p] < M { break }
                        idx -= M * st[p]; digit[p] = 0; p += 1
                    }
                }
            }
        }
    }

    func minMarginals(prices: [Double], allowed: [[Bool]]) -> (best: Double, marginal: [Double]) {
        let V = model.nodeCount, M = model.agentCount
        var tables = ve.initialTables(prices: prices, allowed: allowed)
        var cliques = [[Double]](repeating: [], count: ve.steps.count)
        for (s, step) in ve.steps.enumerated() {
            let k = step.scope.count
            let size = VariableElimination.ipow(M, k + 1), outSize = size / M
            var T = [Double](repeating: 0, count: size)
            T.withUnsafeMutableBufferPointer { Tb in
                for (fi, f) in step.consumed.enumerated() {
                    tables[f].withUnsafeBufferPointer { t in
                        guard let diagonal = edgeDiagonals[s][fi] else {
                            Self.forEachProjected(count: size, strides: step.strides[fi], M: M) { o, j in Tb[o] += t[j] }
                            return
                        }
                        // An edge factor is zero off its diagonal (the ends on different agents):
                        // add only where both ends' digits are equal, a, skipping the +0 terms
                        // (x + 0 = x, so every entry gets the same sum as a full pass).
                        let rest = size / (M * M)
                        for a in 0..<M {
                            let base = a * diagonal.step, value = t[a * (M + 1)]
                            Self.forEachProjected(count: rest, strides: diagonal.others, M: M) { _, j in Tb[base + j] += value }
                        }
                    }
                }
            }
            // The variable is the highest digit: o = x·outSize + r.
            var out = [Double](repeating: .infinity, count: outSize)
            for x in 0..<M { for r in 0..<outSize { out[r] = min(out[r], T[x * outSize + r]) } }
            cliques[s] = T
            tables[step.output] = out
        }
        let roots = ve.steps.indices.filter { consumer[ve.steps[$0].output] == nil }
        let total = roots.reduce(0.0) { $0 + tables[ve.steps[$1].output][0] }
        // Downward: outside[s] over step s's scope.
        var outside = [[Double]](repeating: [], count: ve.steps.count)
        var mm = [Double](repeating: .infinity, count: V * M)
        for s in ve.steps.indices.reversed() {
            let step = ve.steps[s]
            let k = step.scope.count, outSize = VariableElimination.ipow(M, k)
            if let p = consumer[step.output] {
                let parent = ve.steps[p]
                let pos = parent.consumed.firstIndex(of: step.output)!
                let pSize = cliques[p].count, pOut = pSize / M
                var O = [Double](repeating: .infinity, count: outSize)
                O.withUnsafeMutableBufferPointer { Ob in
                    cliques[p].withUnsafeBufferPointer { T in
                        outside[p].withUnsafeBufferPointer { Op in
                            tables[step.output].withUnsafeBufferPointer { msg in
                                Self.forEachProjected(count: pSize, strides: parent.strides[pos], M: M) { o, j in
                                    guard T[o].isFinite else { return }
                                    Ob[j] = min(Ob[j], T[o] - msg[j] + Op[o % pOut])
                                }
                            }
                        }
                    }
                }
                outside[s] = O
            } else {
                outside[s] = [total - tables[step.output][0]]
            }
            let T = cliques[s], O = outside[s]
            for x in 0..<M {
                for r in 0..<outSize where T[x * outSize + r].isFinite {
                    mm[step.variable * M + x] = min(mm[step.variable * M + x], T[x * outSize + r] + O[r])
                }
            }
        }
        return (total, mm)
    }
}
