import Workflows

/// Exact DP on a forest skeleton in O(V·M) (TheModel.md), with the min-trick:
///
///     D[v,i] = p_i·base[v][i] + Σ_{c child of v} min( D[c,i] − p_i·saving[(c,v)][i], min_j D[c,j] )
///
/// instead of the paper's O(V·M²) inner minimum over all (i, j) pairs (STAR §4.1):
/// the only pairwise term is the saving when both ends sit on the same agent.
public struct TreeDP: AllocationSolver {
    /// "tree".
    public var name: String { "tree" }
    let model: CostModel
    let forest: RootedForest

    /// Roots the forest skeleton of `model` once.
    /// - Throws: `AllocationError.notAForest` when the skeleton has an undirected cycle.
    public init(model: CostModel) throws {
        guard model.isForest else { throw AllocationError.notAForest }
        self.model = model
        forest = RootedForest(model: model)
    }

    /// An optimal allocation by the DP above: one pass up the forest, one down. O(V·M).
    public func solve(prices: [Double]) throws -> Assignment {
        let up = try upward(prices)
        var agents = [Int](repeating: 0, count: model.nodeCount)
        forest.traceback(up.D, edge: up.costs.edge, M: model.agentCount, best: up.best, bestAgent: up.bestAgent, into: &agents)
        return Assignment(agents: agents, objective: model.objective(agents, prices: prices))
    }

    /// The optimum with the traceback's certificate (`RootedForest.gap`). O(V·M).
    func certifiedOptimum(prices: [Double]) throws -> (assignment: Assignment, value: Double, gap: Double) {
        let up = try upward(prices)
        var agents = [Int](repeating: 0, count: model.nodeCount)
        forest.traceback(up.D, edge: up.costs.edge, M: model.agentCount, best: up.best, bestAgent: up.bestAgent, into: &agents)
        let gap = forest.gap(up.D, edge: up.costs.edge, M: model.agentCount, agents: agents)
        return (Assignment(agents: agents, objective: model.objective(agents, prices: prices)), up.total, gap)
    }

    /// The optimum's value: the upward pass alone, O(V·M).
    public func optimalValue(prices: [Double]) throws -> Double { try upward(prices).total }

    /// The upward pass: unary costs folded leaves-first; the roots' minima summed in `total`.
    private func upward(_ prices: [Double]) throws -> (D: [Double], costs: PricedCosts, best: [Double], bestAgent: [Int], total: Double) {
        let V = model.nodeCount
        let costs = PricedCosts(model: model, prices: prices, allowed: model.capable)
        var D = costs.unary
        var best = [Double](repeating: 0, count: V), bestAgent = [Int](repeating: 0, count: V)
        let total = try forest.fold(&D, edge: costs.edge, M: model.agentCount, best: &best, bestAgent: &bestAgent)
        return (D, costs, best, bestAgent, total)
    }
}

extension TreeDP: CertifiedOptimum {}
