import Foundation
import LabNumerics

/// A baseline that decides, per task, which agent(s) execute — without seeing outcomes
/// (except the oracle, which is an upper bound by construction). Routers that learn are
/// trained on the same training prefix SALE fits its weights on.
public protocol Router: Sendable {
    var name: String { get }
    func route(_ record: TaskRecord, data: SaleDataset, rng: inout SplitMix64) -> Execution
}

/// Routers that predict each agent's success probability from task features.
public protocol SuccessPredictor: Sendable {
    func predict(_ features: [Double]) -> [Double]
}

/// The decision rule every predictive router shares (RouterBench style): the cheapest agent
/// whose predicted success is within `tolerance` of the best prediction.
public struct PredictiveRouter: Router {
    public let name: String
    public let predictor: any SuccessPredictor
    public let tolerance: Double
    public init(name: String, predictor: any SuccessPredictor, tolerance: Double) {
        self.name = name; self.predictor = predictor; self.tolerance = tolerance
    }
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
    public let agent: Int
    public let name: String
    public init(agent: Int, name: String) { self.agent = agent; self.name = name }
    public func route(_ record: TaskRecord, data: SaleDataset, rng: inout SplitMix64) -> Execution {
        Execution(record.attempts[agent], agent: agent, in: data)
    }
}

/// A uniformly random agent per task.
public struct RandomRouter: Router {
    public var name: String { "random" }
    public init() {}
    public func route(_ record: TaskRecord, data: SaleDataset, rng: inout SplitMix64) -> Execution {
        let a = Int(rng.next() % UInt64(data.agents.count))
        return Execution(record.attempts[a], agent: a, in: data)
    }
}

/// The cheapest agent that would succeed with either of its attempts (first or refined);
/// when none would, the cheapest agent (and the task fails). Bounds every method's pass@1.
public struct OracleRouter: Router {
    public var name: String { "oracle" }
    public init() {}
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
    public var name: String { "cascade" }
    public let verifierAccuracy: Double
    public init(verifierAccuracy: Double = 1) { self.verifierAccuracy = verifierAccuracy }
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
