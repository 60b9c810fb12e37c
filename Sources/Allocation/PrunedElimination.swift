import Foundation
import Workflows

/// Exact solver for large workflows: dominance first, elimination on what is left.
///
/// Per price vector (dominance depends on prices, so it is redone per call; the adjacency is
/// built once per cost model):
/// 1. `DominanceReduction` removes agent values that cannot be the tie rule's choice, O(V·M·deg)
///    per sweep. On the random layered DAGs of `auctionlab bench` it leaves one value at almost
///    every node.
/// 2. Nodes left with one value are fixed; their savings fold into their neighbours' unary costs,
///    and an edge whose ends share no agent any more is dropped. What remains falls apart into
///    small connected pieces.
/// 3. Each piece is solved exactly by `DomainElimination` (tables of Π |domain| entries).
///
/// It follows `TieRule` itself (no `Canonical` wrapper): the reduction keeps the tie rule's
/// allocation (see `DominanceReduction`), and each piece's traceback certifies how far every
/// other allocation of the piece lies above its optimum. A piece whose gap exceeds twice the
/// tolerance τ is settled (no allocation within τ of the optimum differs there), so on prices
/// without near-ties the tie rule costs the traceback's gap bookkeeping only. The other pieces
/// are settled by lexicographic descent in node order: the lowest value whose restricted
/// re-solve of its piece keeps the total within W* + τ (the pieces share that slack, as the tie
/// rule's single limit does).
///
/// When a piece's tables would exceed `tableLimit` entries (or all its tables `totalLimit`), the
/// call is answered by `fallback`, built on first use: the exact solver `auto` chose before this
/// one existed (elimination when small, else MILP), with the tie rule.
public struct PrunedElimination: AllocationSolver {
    /// "pruned".
    public var name: String { "pruned" }
    let model: CostModel
    let reduction: DominanceReduction
    let tableLimit: Double
    let totalLimit: Double
    let fallback: Fallback
    /// How the solver prepared for one agent's price range (`specialised`) answers a probe:
    /// `.incremental` (default) or `.wholeInstance`, the reference path (see `RangeProbes`).
    public var rangeProbes: RangeProbes = .incremental

    /// The fallback solver, built at most once and shared by copies of the solver, and how often
    /// it answered and how many restricted re-solves the tie rule's descent ran (benchmarks).
    final class Fallback: @unchecked Sendable {
        private let lock = NSLock()
        private var built: (any AllocationSolver)?
        private let make: @Sendable () throws -> any AllocationSolver
        private(set) var uses = 0
        private(set) var descentRuns = 0
        init(_ make: @escaping @Sendable () throws -> any AllocationSolver) { self.make = make }
        func solver() throws -> any AllocationSolver {
            lock.lock(); defer { lock.unlock() }
            uses += 1
            if let built { return built }
            let s = try make()
            built = s
            return s
        }
        func countDescent(_ runs: Int) { lock.lock(); descentRuns += runs; lock.unlock() }
        var counts: (uses: Int, descentRuns: Int) { lock.lock(); defer { lock.unlock() }; return (uses, descentRuns) }
    }

    /// Prepares the adjacency of `model`.
    /// - Parameters: `tableLimit` bounds one piece's clique table and `totalLimit` all of a piece's
    ///   tables (entries; 8 bytes each); `fallback` builds the solver used beyond them.
    /// - Throws: `AllocationError.tooLarge` when there are more than 64 agents (domains are bit masks).
    public init(model: CostModel, tableLimit: Double = 1e6, totalLimit: Double = 4e6,
                fallback: @escaping @Sendable () throws -> any AllocationSolver) throws {
        guard model.agentCount <= DominanceReduction.maxAgents else {
            throw AllocationError.tooLarge("pruned elimination holds domains as 64-bit masks; \(model.agentCount) agents")
        }
        self.model = model
        reduction = DominanceReduction(model: model)
        self.tableLimit = tableLimit
        self.totalLimit = totalLimit
        self.fallback = Fallback(fallback)
    }

    /// The problem left after the reduction, with its pieces planned.
    struct Reduced {
        /// Agent of each fixed node, −1 for nodes of a piece.
        var agents: [Int]
        /// The fixed nodes' unary costs minus the savings among them.
        var constant: Double
        /// V×M unary costs with fixed neighbours' savings folded in (pieces' nodes only).
        var unary: [Double]
        var edge: [Double]
        var pieces: [DomainElimination]
        /// Piece and local index of every node of a piece (−1 for fixed nodes).
        var pieceOf: [Int]
        var localIndex: [Int]
    }

    /// What domains `dom` leave, independent of the prices: the fixed nodes (one value), the
    /// pieces planned, and where the fixed nodes' costs go. Nil when a piece is too large for the
    /// table limits.
    struct Plan {
        /// Agent of each fixed node, −1 for nodes of a piece.
        var agents: [Int]
        var pieces: [DomainElimination]
        var pieceOf: [Int]
        var localIndex: [Int]
        /// Edges between fixed nodes on the same agent (their saving leaves the constant), in edge order.
        var fixedPairs: [(edge: Int, agent: Int)]
        /// Edges from a node fixed on `agent` to a free node whose domain holds it (the saving
        /// folds into that node's unary cost), in edge order.
        var folds: [(node: Int, edge: Int, agent: Int)]
    }

    /// Plans the pieces left by domains `dom` (none empty).
    func plan(_ dom: [UInt64]) -> Plan? {
        let V = model.nodeCount
        var agents = [Int](repeating: -1, count: V)
        for v in 0..<V where dom[v].nonzeroBitCount == 1 { agents[v] = dom[v].trailingZeroBitCount }
        // Union-find over the edges between free nodes that still share an agent.
        var parent = Array(0..<V)
        func find(_ x: Int) -> Int { var x = x; while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }; return x }
        var active: [(u: Int, v: Int, edge: Int)] = []
        var fixedPairs: [(edge: Int, agent: Int)] = [], folds: [(node: Int, edge: Int, agent: Int)] = []
        for (k, e) in model.edges.enumerated() {
            let a = agents[e.from], b = agents[e.to]
            switch (a >= 0, b >= 0) {
            case (true, true): if a == b { fixedPairs.append((k, a)) }
            case (true, false): if dom[e.to] & (1 << UInt64(a)) != 0 { folds.append((e.to, k, a)) }
            case (false, true): if dom[e.from] & (1 << UInt64(b)) != 0 { folds.append((e.from, k, b)) }
            case (false, false):
                guard dom[e.from] & dom[e.to] != 0 else { continue }
                active.append((e.from, e.to, k))
                let ra = find(e.from), rb = find(e.to)
                if ra != rb { parent[ra] = rb }
            }
        }
        var pieceOf = [Int](repeating: -1, count: V), localIndex = pieceOf
        var members: [[Int]] = []
        var rootPiece = [Int](repeating: -1, count: V)
        for v in 0..<V where agents[v] < 0 {
            let r = find(v)
            if rootPiece[r] < 0 { rootPiece[r] = members.count; members.append([]) }
            pieceOf[v] = rootPiece[r]
            localIndex[v] = members[rootPiece[r]].count
            members[rootPiece[r]].append(v)
        }
        var pieceEdges = [[(u: Int, v: Int, edge: Int)]](repeating: [], count: members.count)
        for e in active { pieceEdges[pieceOf[e.u]].append((localIndex[e.u], localIndex[e.v], e.edge)) }
        var pieces: [DomainElimination] = []
        pieces.reserveCapacity(members.count)
        for (p, nodes) in members.enumerated() {
            guard let plan = DomainElimination(nodes: nodes, domain: dom, edges: pieceEdges[p], tableLimit: tableLimit, totalLimit: totalLimit) else { return nil }
            pieces.append(plan)
        }
        return Plan(agents: agents, pieces: pieces, pieceOf: pieceOf, localIndex: localIndex, fixedPairs: fixedPairs, folds: folds)
    }

    /// The reduced problem of `plan` at the priced costs `costs`: the fixed nodes' constant and
    /// the free nodes' unary costs with the fixed neighbours' savings folded in.
    func reduced(_ plan: Plan, costs: PricedCosts) -> Reduced {
        let M = model.agentCount
        var unary = costs.unary
        var constant = 0.0
        for v in 0..<model.nodeCount where plan.agents[v] >= 0 { constant += unary[v * M + plan.agents[v]] }
        for f in plan.fixedPairs { constant -= costs.edge[f.edge * M + f.agent] }
        for f in plan.folds { unary[f.node * M + f.agent] -= costs.edge[f.edge * M + f.agent] }
        return Reduced(agents: plan.agents, constant: constant, unary: unary, edge: costs.edge, pieces: plan.pieces,
                       pieceOf: plan.pieceOf, localIndex: plan.localIndex)
    }

    /// Reduces at `prices`; nil when a piece is too large for the table limits.
    /// - Throws: `AllocationError.infeasible` when some node has no capable agent.
    func reduce(prices: [Double], weak: Bool = true) throws -> Reduced? {
        let costs = PricedCosts(model: model, prices: prices, allowed: model.capable)
        let margin = DominanceReduction.margin(unary: costs.unary, model: model)
        let dom = reduction.reduce(unary: costs.unary, edge: costs.edge, margin: margin, weak: weak)
        if let v = dom.firstIndex(of: 0) { throw AllocationError.infeasible("node \(v) has no capable agent") }
        guard let plan = plan(dom) else { return nil }
        return reduced(plan, costs: costs)
    }

    /// One piece's unrestricted run with traceback: its optimum, the allocation (value indices)
    /// and the certificate gap (`DomainElimination.run`).
    typealias PieceRun = (value: Double, choice: [Int], gap: Double)

    /// Piece `p`'s unrestricted run with traceback: `known[p]` when given (a run of the same piece
    /// on the same unary and edge entries, so the same to the bit), else run now.
    func run(_ r: Reduced, _ p: Int, known: [PieceRun?]) -> PieceRun {
        if p < known.count, let k = known[p] { return k }
        return r.pieces[p].run(unary: r.unary, edge: r.edge, M: model.agentCount, fixed: nil, traceback: true)
    }

    /// The allocation `TieRule` selects: the reduction, each piece's optimum with its certificate,
    /// then lexicographic descent on the pieces whose gap does not settle them.
    /// - Throws: `AllocationError.infeasible` when some node has no capable agent; the fallback's errors.
    public func solve(prices: [Double]) throws -> Assignment {
        guard let r = try reduce(prices: prices) else { return try fallback.solver().solve(prices: prices) }
        return solve(r, prices: prices)
    }

    /// `solve(prices:)` on the reduced problem `r` at `prices`; `known`: runs of pieces whose
    /// entries did not change since they were run (see `run(_:_:known:)`).
    func solve(_ r: Reduced, prices: [Double], known: [PieceRun?] = []) -> Assignment {
        let M = model.agentCount
        var agents = r.agents
        var bests = [Double](repeating: 0, count: r.pieces.count)
        var choices = [[Int]](repeating: [], count: r.pieces.count)
        var gaps = [Double](repeating: 0, count: r.pieces.count)
        var total = r.constant
        for p in r.pieces.indices {
            let s = run(r, p, known: known)
            bests[p] = s.value; choices[p] = s.choice; gaps[p] = s.gap
            total += s.value
        }
        let tau = TieRule.tolerance(total, model)
        let limit = total + tau
        var fixed = r.pieces.map { [Int](repeating: -1, count: $0.nodes.count) }
        var runs = 0
        defer { if runs > 0 { fallback.countDescent(runs) } }
        // Descent in node order over the unsettled pieces (settled ones keep their optimum).
        for v in 0..<model.nodeCount where r.pieceOf[v] >= 0 {
            let p = r.pieceOf[v], i = r.localIndex[v]
            guard gaps[p] <= 2 * tau else { continue }
            let piece = r.pieces[p]
            for k in 0..<choices[p][i] {
                fixed[p][i] = k
                runs += 1
                let s = piece.run(unary: r.unary, edge: r.edge, M: M, fixed: fixed[p], traceback: true)
                if total - bests[p] + s.value <= limit {
                    total += s.value - bests[p]
                    bests[p] = s.value
                    choices[p] = s.choice
                    break
                }
            }
            fixed[p][i] = choices[p][i]
        }
        for (p, piece) in r.pieces.enumerated() {
            for (i, v) in piece.nodes.enumerated() { agents[v] = piece.values[i][choices[p][i]] }
        }
        return Assignment(agents: agents, objective: model.objective(agents, prices: prices))
    }

    /// The optimum's value: the reduction and each piece's upward pass (no traceback).
    /// - Throws: as `solve(prices:)`.
    public func optimalValue(prices: [Double]) throws -> Double {
        guard let r = try reduce(prices: prices) else { return try fallback.solver().optimalValue(prices: prices) }
        return optimalValue(r)
    }

    /// `optimalValue(prices:)` on the reduced problem `r`; `known` as in `solve(_:prices:known:)`
    /// (a run's value does not depend on its traceback, so a known run gives the same sum).
    func optimalValue(_ r: Reduced, known: [PieceRun?] = []) -> Double {
        var total = r.constant
        for (p, piece) in r.pieces.enumerated() {
            if p < known.count, let k = known[p] { total += k.value; continue }
            total += piece.run(unary: r.unary, edge: r.edge, M: model.agentCount, fixed: nil, traceback: false).value
        }
        return total
    }

    /// An optimum without the tie rule's descent: each piece's traceback.
    /// - Throws: as `solve(prices:)`.
    public func anyOptimum(prices: [Double]) throws -> Assignment {
        guard let r = try reduce(prices: prices) else { return try fallback.solver().anyOptimum(prices: prices) }
        return anyOptimum(r, prices: prices)
    }

    /// `anyOptimum(prices:)` on the reduced problem `r` at `prices`; `known` as in `solve(_:prices:known:)`.
    func anyOptimum(_ r: Reduced, prices: [Double], known: [PieceRun?] = []) -> Assignment {
        var agents = r.agents
        for (p, piece) in r.pieces.enumerated() {
            let s = run(r, p, known: known)
            for (i, v) in piece.nodes.enumerated() { agents[v] = piece.values[i][s.choice[i]] }
        }
        return Assignment(agents: agents, objective: model.objective(agents, prices: prices))
    }
}

extension PrunedElimination {
    /// Calls answered by the fallback and restricted re-solves run by the tie rule's descent so
    /// far, over every copy of `solver` (nil when it is not pruned elimination).
    public static func counters(_ solver: any AllocationSolver) -> (fallbackCalls: Int, descentRuns: Int)? {
        (solver as? PrunedElimination).map { let c = $0.fallback.counts; return (c.uses, c.descentRuns) }
    }

    /// What the reduction leaves at `prices` (for benchmarks): fixed nodes, pieces, the largest
    /// piece and the clique entries of one pass; nil when `solver` is not pruned elimination or
    /// the reduced problem needs the fallback.
    public static func statistics(_ solver: any AllocationSolver, prices: [Double]) -> String? {
        guard let s = solver as? PrunedElimination, let r = try? s.reduce(prices: prices) else { return nil }
        let fixed = r.agents.filter { $0 >= 0 }.count
        let largest = r.pieces.map(\.nodes.count).max() ?? 0
        let entries = r.pieces.reduce(0.0) { $0 + $1.entries }
        return "\(fixed) of \(s.model.nodeCount) nodes fixed by dominance, \(r.pieces.count) pieces (largest \(largest) nodes), \(Int(entries)) clique entries per pass"
    }
}
