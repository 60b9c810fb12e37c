import Foundation

/// The task family a task belongs to (SALE evaluates deep search and coding separately).
public enum Domain: String, Sendable, Hashable, Codable, CaseIterable {
    /// Deep-search question answering (`deep_search` in traces and specs).
    case deepSearch = "deep_search"
    /// Code generation (`coding` in traces and specs).
    case coding
}

/// A task: complexity bin 1…5 (human solving time τ ≤ 0.1, 0.5, 2.5, 12.5, 60 min), domain and
/// an embedding-like feature vector (used by memory retrieval and the routers).
public struct SaleTask: Sendable, Hashable {
    /// Task identifier, unique within a dataset (the trace's `task_id`).
    public var id: String
    /// The task family.
    public var domain: Domain
    /// Complexity bin in 1…5 (see ``bins``); higher is harder.
    public var bin: Int
    /// Embedding-like feature vector; every task of a dataset has the same length. Compared by
    /// ``cosine(_:_:)``.
    public var features: [Double]
    /// A task from its id, domain, complexity bin (1…5) and feature vector.
    public init(id: String, domain: Domain, bin: Int, features: [Double]) {
        self.id = id; self.domain = domain; self.bin = bin; self.features = features
    }
    /// The complexity bins, 1…5 (human solving time τ ≤ 0.1, 0.5, 2.5, 12.5, 60 minutes).
    public static let bins = 1...5
}

/// A plan as the auction sees it: length in tokens, mean token entropy, and the 0–5 grade
/// given by each juror (index = juror agent; the bidder's own grade is among them).
public struct Plan: Sendable, Hashable {
    /// Plan length in tokens (≥ 0); the cost term of the score is price × length.
    public var length: Double
    /// Mean token entropy of the plan (≥ 0; lower means a more confident plan).
    public var entropy: Double
    /// Grades in 0…5, one per juror agent (index = agent index of the dataset).
    public var grades: [Double]
    /// A plan from its length (tokens), mean token entropy and per-juror grades (0…5).
    public init(length: Double, entropy: Double, grades: [Double]) { self.length = length; self.entropy = entropy; self.grades = grades }
}

/// One agent's attempt at a task: its plan (optional: traces may lack plans) and the
/// outcome of executing it.
public struct Attempt: Sendable, Hashable {
    /// The plan the agent bid with; nil when the trace carries no plan.
    public var plan: Plan?
    /// Whether executing the attempt solved the task.
    public var success: Bool
    /// Tokens spent executing the attempt (≥ 0); dollars = price × tokens / 10⁶.
    public var tokens: Double
    /// An attempt from its plan (optional), outcome and token count.
    public init(plan: Plan?, success: Bool, tokens: Double) { self.plan = plan; self.success = success; self.tokens = tokens }
}

/// Everything known about one task: per agent, the first attempt and (optionally) the attempt
/// after memory-based refinement (SALE §3.4). Without a refined attempt, refinement is a no-op.
public struct TaskRecord: Sendable, Hashable {
    /// The task this record is about.
    public var task: SaleTask
    /// First attempt of every agent, indexed like ``SaleDataset/agents``.
    public var attempts: [Attempt]
    /// Attempt after memory-based refinement, per agent; nil where none was recorded.
    public var refined: [Attempt?]
    /// A record from a task, one first attempt per agent and one optional refined attempt per agent
    /// (both arrays indexed like the dataset's agents).
    public init(task: SaleTask, attempts: [Attempt], refined: [Attempt?]) {
        self.task = task; self.attempts = attempts; self.refined = refined
    }

    /// Whether agent `a` succeeds with either attempt (what an oracle may know).
    public func canSucceed(_ a: Int) -> Bool { attempts[a].success || (refined[a]?.success ?? false) }
}
