import Foundation

/// What a method did on one task: the agent that finally executed, whether the task passed,
/// the tokens and dollars spent (every attempt counts), and whether the largest agent ran.
public struct Execution: Sendable, Hashable {
    /// Index of the agent that finally executed.
    public var agent: Int
    /// Whether the task passed.
    public var success: Bool
    /// Tokens spent, summed over every attempt made on the task.
    public var tokens: Double
    /// Dollars spent, summed over every attempt (price × tokens / 10⁶ each).
    public var cost: Double
    /// Whether the largest (dearest) agent ran at any point.
    public var usedLargest: Bool
    /// An execution from its final agent, outcome, tokens, dollars and whether the largest agent ran.
    public init(agent: Int, success: Bool, tokens: Double, cost: Double, usedLargest: Bool) {
        self.agent = agent; self.success = success; self.tokens = tokens; self.cost = cost; self.usedLargest = usedLargest
    }

    /// One attempt by agent `a`: cost = price × tokens / 10⁶ dollars.
    public init(_ attempt: Attempt, agent a: Int, in data: SaleDataset) {
        self.init(agent: a, success: attempt.success, tokens: attempt.tokens,
                  cost: data.agents[a].price * attempt.tokens / 1e6, usedLargest: a == data.largest)
    }
}
