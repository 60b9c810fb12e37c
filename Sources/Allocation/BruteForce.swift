import Workflows

/// Enumerates every capable allocation (tests only; refuses beyond `limit` allocations).
public struct BruteForce: AllocationSolver {
    /// "brute".
    public var name: String { "brute" }
    let model: CostModel
    let choices: [[Int]]

    /// Lists each node's capable agents.
    /// - Throws: `AllocationError.tooLarge` when there are more than `limit` capable allocations.
    public init(model: CostModel, limit: Double = 2e6) throws {
        self.model = model
        choices = (0..<model.nodeCount).map { v in (0..<model.agentCount).filter { model.capable[v][$0] } }
        let size = choices.reduce(1.0) { $0 * Double($1.count) }
        guard size <= limit else { throw AllocationError.tooLarge("brute force would enumerate \(size.formatted) allocations (limit \(limit.formatted)); use --solver auto") }
    }

    /// The cheapest capable allocation, by enumerating all of them. O(Π_v |capable(v)| · V).
    /// - Precondition: every node has at least one capable agent.
    public func solve(prices: [Double]) throws -> Assignment {
        let V = model.nodeCount
        var idx = [Int](repeating: 0, count: V)
        var current = choices.map { $0[0] }
        var best = current, bestValue = model.objective(current, prices: prices)
        while true {
            var k = V - 1
            while k >= 0 && idx[k] == choices[k].count - 1 { idx[k] = 0; current[k] = choices[k][0]; k -= 1 }
            if k < 0 { break }
            idx[k] += 1; current[k] = choices[k][idx[k]]
            let value = model.objective(current, prices: prices)
            if value < bestValue { bestValue = value; best = current }
        }
        return Assignment(agents: best, objective: bestValue)
    }
}
