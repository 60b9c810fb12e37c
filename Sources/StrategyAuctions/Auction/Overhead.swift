import Foundation

/// The auction's own token bill (SALE §3, which calls it negligible; here it is measured): every
/// agent writes its plan at its price; every juror reads every plan and writes one grade per plan
/// at the juror's price; after refinement, each refining agent writes its new plan and the jury
/// reads and grades those again.
public struct AuctionOverhead: Sendable, Hashable {
    /// Tokens a juror writes per grade (a 0–5 grade and a little formatting).
    public var gradeTokens: Double
    /// An overhead model with `gradeTokens` tokens written per grade (default 8).
    public init(gradeTokens: Double = 8) { self.gradeTokens = gradeTokens }

    /// Tokens and dollars of one auction on `record` in which `refined` agents refined.
    public func bill(_ record: TaskRecord, refined: [Int], data: SaleDataset) -> (tokens: Double, cost: Double) {
        let first = record.attempts.map { $0.plan?.length ?? 0 }
        let second = refined.map { record.refined[$0]?.plan?.length ?? 0 }
        var tokens = 0.0, cost = 0.0
        func charge(_ agent: Int, _ t: Double) { tokens += t; cost += data.agents[agent].price * t / 1e6 }
        for (a, l) in first.enumerated() { charge(a, l) }
        for (a, l) in zip(refined, second) { charge(a, l) }
        for j in data.agents.indices {
            charge(j, first.reduce(0, +) + gradeTokens * Double(first.count))
            if !refined.isEmpty { charge(j, second.reduce(0, +) + gradeTokens * Double(second.count)) }
        }
        return (tokens, cost)
    }

    /// An execution with the auction's bill added to its tokens and cost.
    public func charged(_ e: Execution, _ record: TaskRecord, refined: [Int], data: SaleDataset) -> Execution {
        let b = bill(record, refined: refined, data: data)
        return Execution(agent: e.agent, success: e.success, tokens: e.tokens + b.tokens, cost: e.cost + b.cost, usedLargest: e.usedLargest)
    }
}
