import Foundation
import LabNumerics

/// A baseline that decides, per task, which agent(s) execute — without seeing outcomes
/// (except the oracle, which is an upper bound by construction). Routers that learn are
/// trained on the same training prefix SALE fits its weights on.
public protocol Router: Sendable {
    /// Name of the method in result tables (e.g. "oracle", "knn").
    var name: String { get }
    /// Decides who executes `record`'s task and returns what that cost and whether it passed.
    /// Reads the task's features and, for the oracle only, its outcomes; `rng` is the routing
    /// stream (used by randomised routers).
    func route(_ record: TaskRecord, data: SaleDataset, rng: inout SplitMix64) -> Execution
}

/// Routers that predict each agent's success probability from task features.
public protocol SuccessPredictor: Sendable {
    /// Predicted success probability of each agent, each in [0, 1], indexed like the dataset's
    /// agents, for a task with these features.
    func predict(_ features: [Double]) -> [Double]
}

/// The decision rule every predictive router shares (RouterBench style): the cheapest agent
/// whose predicted success is within `tolerance` of the best prediction.
public struct PredictiveRouter: Router {
    /// Method name in result tables.
    public let name: String
    /// The success model consulted per task.
    public let predictor: any SuccessPredictor
    /// Slack in success probability (≥ 0): agents predicted within it of the best are eligible.
    public let tolerance: Double
    /// A router with a name, a success predictor and a tolerance in success probability.
    public init(name: String, predictor: any SuccessPredictor, tolerance: Double) {
        self.name = name; self.predictor = predictor; self.tolerance = tolerance
    }
    /// The cheapest agent within `tolerance` of the best predicted success (ties to the lower
    /// index) executes once; `rng` is unused.
    public func route(_ record: TaskRecord, data: SaleDataset, rng: inout SplitMix64) -> Execution { decide(record, data: data) }

    func decide(_ record: TaskRecord, data: SaleDataset) -> Execution {
        let p = predictor.predict(record.task.features)
        let best = p.max() ?? 0
        let a = data.cheapest(p.indices.filter { p[$0] >= best - tolerance }) ?? data.largest
        return Execution(record.attempts[a], agent: a, in: data)
    }
}

/// Always the same agent.
public struct SingleAgent: Router {
    /// Index of the agent that always executes.
    public let agent: Int
    /// Method name in result tables.
    public let name: String
    /// A router that sends every task to `agent`, shown as `name`.
    public init(agent: Int, name: String) { self.agent = agent; self.name = name }
    /// `agent`'s first attempt; `rng` is unused.
    public func route(_ record: TaskRecord, data: SaleDataset, rng: inout SplitMix64) -> Execution {
        Execution(record.attempts[agent], agent: agent, in: data)
    }
}

/// A uniformly random agent per task.
public struct RandomRouter: Router {
    /// "random".
    public var name: String { "random" }
    /// The uniform random router.
    public init() {}
    /// One agent drawn uniformly from `rng`, its first attempt.
    public func route(_ record: TaskRecord, data: SaleDataset, rng: inout SplitMix64) -> Execution {
        let a = Int(rng.next() % UInt64(data.agents.count))
        return Execution(record.attempts[a], agent: a, in: data)
    }
}

/// The cheapest agent that would succeed with either of its attempts (first or refined);
/// when none would, the cheapest agent (and the task fails). Bounds every method's pass@1.
public struct OracleRouter: Router {
    /// "oracle".
    public var name: String { "oracle" }
    /// The oracle router.
    public init() {}
    /// The cheapest agent that can succeed (its first attempt if that succeeds, else its refined
    /// one); the cheapest agent's failing first attempt when none can. `rng` is unused.
    public func route(_ record: TaskRecord, data: SaleDataset, rng: inout SplitMix64) -> Execution {
        guard let a = data.cheapest(data.agents.indices.filter(record.canSucceed)) else {
            let a = data.byPrice[0]
            return Execution(record.attempts[a], agent: a, in: data)
        }
        let attempt = record.attempts[a].success ? record.attempts[a] : record.refined[a]!
        return Execution(attempt, agent: a, in: data)
    }
}

/// Cheapest first, escalating to the next agent when a verifier says the attempt failed; every
/// attempt is paid for, and the last agent's attempt stands whatever the verifier says. The
/// verifier reads the true outcome correctly with probability `verifierAccuracy` (1 = ground
/// truth, as an oracle test suite would give; below 1 it both accepts failures and rejects
/// successes), drawn from the routing stream so results are reproducible.
public struct CascadeRouter: Router {
    /// "cascade".
    public var name: String { "cascade" }
    /// Probability in [0, 1] that the verifier reads an attempt's outcome correctly.
    public let verifierAccuracy: Double
    /// A cascade whose verifier is right with probability `verifierAccuracy` (default 1: ground truth).
    public init(verifierAccuracy: Double = 1) { self.verifierAccuracy = verifierAccuracy }
    /// Tries agents cheapest first, paying for every attempt, until the verifier accepts one or
    /// the dearest agent has run. One uniform draw from `rng` per attempt.
    public func route(_ record: TaskRecord, data: SaleDataset, rng: inout SplitMix64) -> Execution {
        let byPrice = data.byPrice
        var tokens = 0.0, cost = 0.0
        for a in byPrice {
            let e = Execution(record.attempts[a], agent: a, in: data)
            tokens += e.tokens; cost += e.cost
            let verdict = rng.nextOpenUnit() < verifierAccuracy ? e.success : !e.success
            if verdict || a == byPrice.last! {
                return Execution(agent: a, success: e.success, tokens: tokens, cost: cost, usedLargest: a == data.largest)
            }
        }
        fatalError("unreachable: the loop returns at the last agent")
    }
}
