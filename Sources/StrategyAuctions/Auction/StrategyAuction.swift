import Foundation

/// A bidder's deviation from its honest plan, for the manipulation studies: given the agent
/// and its honest plan, the plan it submits instead (identity for everyone else).
public typealias PlanTransform = @Sendable (_ agent: Int, _ plan: Plan) -> Plan

/// One SALE auction per task (SALE §3): every agent bids its plan, the lowest cost-minus-value
/// score provisionally wins; with memory on, agents cheaper than the provisional winner
/// retrieve the `k` most similar past tasks and, when one of them (similarity ≥ `threshold`)
/// was solved, refine their plan (their refined attempt replaces the first) and are re-scored;
/// the winner executes; the auction is stored in memory.
public struct StrategyAuction: Sendable {
    /// Memory settings of the auction (SALE §3.4).
    public struct Options: Sendable, Hashable {
        /// Whether memory-based refinement is on (off = plain score auction).
        public var memory = true
        /// Number of past tasks retrieved per auction (> 0).
        public var k = 5
        /// Minimum cosine similarity, in [-1, 1], of a solved past task that enables refinement.
        public var threshold = 0.8
        /// Options with memory on or off, `k` retrieved tasks and a similarity `threshold`.
        public init(memory: Bool = true, k: Int = 5, threshold: Double = 0.8) { self.memory = memory; self.k = k; self.threshold = threshold }
    }

    /// What one auction did.
    public struct Outcome: Sendable {
        /// The winner's execution (its refined attempt when it refined).
        public let execution: Execution
        /// Index of the provisional winner, before refinement.
        public let provisional: Int
        /// Indices of the agents that refined their plan (cheaper than the provisional winner, with a
        /// refined attempt that has a plan); empty when memory did not enable refinement.
        public let refined: [Int]
    }

    /// The scoring rule (fitted weights); lowest score wins.
    public let rule: ScoringRule
    /// Memory settings.
    public let options: Options
    /// The dataset the auctioned records come from (agents and prices).
    public let data: SaleDataset
    /// An auction with a scoring rule, memory options and the dataset whose agents bid.
    public init(rule: ScoringRule, options: Options, data: SaleDataset) { self.rule = rule; self.options = options; self.data = data }

    /// Lowest score wins; ties go to the cheaper (lower-index) agent.
    func winner(_ plans: [Plan]) -> Int {
        var best = 0, bestScore = Double.infinity
        for (a, p) in plans.enumerated() {
            let s = rule.score(p, agent: a, price: data.agents[a].price)
            if s < bestScore { best = a; bestScore = s }
        }
        return best
    }

    /// Whether memory lets cheaper agents refine on this task: one of the `k` most similar past
    /// tasks (similarity ≥ `threshold`) was solved.
    public func canRefine(_ record: TaskRecord, memory: AuctionMemory) -> Bool {
        options.memory && memory.retrieve(record.task.features, k: options.k).contains { $0.similarity >= options.threshold && $0.entry.success }
    }

    /// Runs the auction for `record` against `memory` (not modified; see `run`). `refine`, when
    /// given, is `canRefine(record, memory:)` computed once by a caller that re-runs the task.
    public func auction(_ record: TaskRecord, memory: AuctionMemory, deviation: PlanTransform? = nil, refine: Bool? = nil) -> Outcome {
        var attempts = record.attempts
        func plans() -> [Plan] { attempts.enumerated().map { a, t in deviation.map { $0(a, t.plan!) } ?? t.plan! } }
        let provisional = winner(plans())
        var refined: [Int] = []
        if refine ?? canRefine(record, memory: memory) {
            for a in attempts.indices where data.agents[a].price < data.agents[provisional].price {
                if let r = record.refined[a], r.plan != nil { attempts[a] = r; refined.append(a) }
            }
        }
        let w = refined.isEmpty ? provisional : winner(plans())
        return Outcome(execution: Execution(attempts[w], agent: w, in: data), provisional: provisional, refined: refined)
    }

    /// Runs auctions over `records` in order, storing each in memory; returns the outcomes.
    public func run(_ records: [TaskRecord], memory: inout AuctionMemory, deviation: PlanTransform? = nil) -> [Outcome] {
        records.map { r in
            let o = auction(r, memory: memory, deviation: deviation)
            memory.store(.init(features: r.task.features, winner: o.execution.agent, success: o.execution.success))
            return o
        }
    }
}
