import Foundation

// Agents, tasks and attempts (SALE §3)
//
// A dataset is what either the simulator or a user's logged traces provide: for every task,
// what each agent's plan looked like (its bid) and whether executing it succeeded, at what
// token cost. Every method — SALE and every router — reads only this, so replaying a trace
// and simulating give the same numbers for the same data.

/// A dataset: agents (ordered by price, cheapest first) and task records.
public struct SaleDataset: Sendable, Hashable {
    /// The agents, ordered by price (cheapest first).
    public var agents: [SaleAgent]
    /// One record per task, in dataset order.
    public var records: [TaskRecord]
    /// A dataset from its agents (cheapest first) and task records (each with one attempt per agent).
    public init(agents: [SaleAgent], records: [TaskRecord]) { self.agents = agents; self.records = records }

    /// Index of the most expensive agent (the "largest"; SALE reports reliance on it).
    public var largest: Int { agents.indices.max { agents[$0].price < agents[$1].price }! }
    /// Agent indices from the cheapest to the dearest (ties: lower index first).
    public var byPrice: [Int] { agents.indices.sorted { (agents[$0].price, $0) < (agents[$1].price, $1) } }
    /// The cheapest of `candidates` (ties: lower index), or nil when there are none.
    public func cheapest<S: Sequence>(_ candidates: S) -> Int? where S.Element == Int {
        candidates.min { (agents[$0].price, $0) < (agents[$1].price, $1) }
    }
    /// Whether every attempt carries a plan (SALE's auction needs plans; routers do not). O(tasks × agents).
    public var hasPlans: Bool { records.allSatisfy { r in r.attempts.allSatisfy { $0.plan != nil } } }
}
