import Foundation

/// The auction's own token bill (SALE §3, which calls it negligible; here it is measured): every
/// agent writes its plan at its price; every juror reads every plan and writes one grade per plan
/// at the juror's price; after refinement, each refining agent writes its new plan and the jury
/// reads and grades those again. Memory look-ups (``breakdown(_:refined:data:retrieved:)``): each
/// refining agent reads, per retrieved past task, `lookupPlans` past plans (a winning and a losing
/// one by default), each as long as its own first plan on the task.
public struct AuctionOverhead: Sendable, Hashable {
    /// Tokens a juror writes per grade (a 0–5 grade and a little formatting).
    public var gradeTokens: Double
    /// Past plans a refining agent reads per retrieved task (look-up cost; default 2).
    public var lookupPlans: Double
    /// An overhead model with `gradeTokens` tokens written per grade (default 8) and `lookupPlans`
    /// plans read per retrieved past task (default 2).
    public init(gradeTokens: Double = 8, lookupPlans: Double = 2) { self.gradeTokens = gradeTokens; self.lookupPlans = lookupPlans }

    /// One auction's overhead by part, in tokens and dollars.
    public struct Breakdown: Sendable, Hashable {
        /// Plans written (first round and refined).
        public var planTokens = 0.0, planCost = 0.0
        /// The jury: every juror reading every plan and writing its grades, both rounds.
        public var juryTokens = 0.0, juryCost = 0.0
        /// Memory look-ups: refining agents reading retrieved past plans.
        public var lookupTokens = 0.0, lookupCost = 0.0
        /// Plans and jury, summed in the order ``AuctionOverhead/bill(_:refined:data:)`` charges them.
        public var tokens = 0.0, cost = 0.0
        /// Every part, look-ups included.
        public var totalCost: Double { cost + lookupCost }
    }

    /// The overhead of one auction on `record` in which `refined` agents refined after retrieving
    /// `retrieved` past tasks each (0: look-ups not charged).
    public func breakdown(_ record: TaskRecord, refined: [Int], data: SaleDataset, retrieved: Int = 0) -> Breakdown {
        let first = record.attempts.map { $0.plan?.length ?? 0 }
        let second = refined.map { record.refined[$0]?.plan?.length ?? 0 }
        var b = Breakdown()
        func charge(_ agent: Int, _ t: Double, _ part: WritableKeyPath<Breakdown, Double>, _ partCost: WritableKeyPath<Breakdown, Double>) {
            let c = data.agents[agent].price * t / 1e6
            b.tokens += t; b.cost += c; b[keyPath: part] += t; b[keyPath: partCost] += c
        }
        for (a, l) in first.enumerated() { charge(a, l, \.planTokens, \.planCost) }
        for (a, l) in zip(refined, second) { charge(a, l, \.planTokens, \.planCost) }
        for j in data.agents.indices {
            charge(j, first.reduce(0, +) + gradeTokens * Double(first.count), \.juryTokens, \.juryCost)
            if !refined.isEmpty { charge(j, second.reduce(0, +) + gradeTokens * Double(second.count), \.juryTokens, \.juryCost) }
        }
        for a in refined {
            let t = Double(retrieved) * lookupPlans * first[a]
            b.lookupTokens += t; b.lookupCost += data.agents[a].price * t / 1e6
        }
        return b
    }

    /// Tokens and dollars of one auction on `record` in which `refined` agents refined (plans and
    /// jury; no look-ups).
    public func bill(_ record: TaskRecord, refined: [Int], data: SaleDataset) -> (tokens: Double, cost: Double) {
        let b = breakdown(record, refined: refined, data: data)
        return (b.tokens, b.cost)
    }

    /// An execution with the auction's bill added to its tokens and cost.
    public func charged(_ e: Execution, _ record: TaskRecord, refined: [Int], data: SaleDataset) -> Execution {
        let b = bill(record, refined: refined, data: data)
        return Execution(agent: e.agent, success: e.success, tokens: e.tokens + b.tokens, cost: e.cost + b.cost, usedLargest: e.usedLargest)
    }
}
