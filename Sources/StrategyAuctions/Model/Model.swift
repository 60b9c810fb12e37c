import Foundation

// MARK: - Agents, tasks and attempts (SALE §3)
//
// A dataset is what either the simulator or a user's logged traces provide: for every task,
// what each agent's plan looked like (its bid) and whether executing it succeeded, at what
// token cost. Every method — SALE and every router — reads only this, so replaying a trace
// and simulating give the same numbers for the same data.

/// An agent of the family: a name ("4B"), a public price in $ per million tokens.
public struct SaleAgent: Sendable, Hashable, Codable {
    /// Display name of the agent (e.g. "4B"); trace CSVs name agents by it.
    public var name: String
    /// Public price in dollars per million tokens (≥ 0).
    public var price: Double
    /// An agent with a name and a price in $ per million tokens.
    public init(name: String, price: Double) { self.name = name; self.price = price }

    /// SALE's four agents and prices (SALE.md: $0.05/0.09/0.16/0.36 per Mtok).
    public static let paper: [SaleAgent] = [
        .init(name: "4B", price: 0.05), .init(name: "8B", price: 0.09),
        .init(name: "14B", price: 0.16), .init(name: "32B", price: 0.36),
    ]
}

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

/// Errors of the SALE module: malformed trace files and invalid settings or specs.
public enum SaleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A trace CSV problem: row (1-based, header = row 1), column name, reason.
    case trace(file: String, row: Int, column: String, reason: String)
    /// Any other invalid input (a setting, a spec field, a target); the message names the field.
    case invalid(String)
    /// The message with the file, row and column for trace errors.
    public var description: String {
        switch self {
        case let .trace(file, row, column, reason): return "\(file): row \(row), column `\(column)`: \(reason)"
        case let .invalid(m): return m
        }
    }
}

/// Cosine similarity of two feature vectors (0 when either is zero).
@inline(__always)
public func cosine(_ a: [Double], _ b: [Double]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for k in a.indices { dot += a[k] * b[k]; na += a[k] * a[k]; nb += b[k] * b[k] }
    return na > 0 && nb > 0 ? dot / (na * nb).squareRoot() : 0
}

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
