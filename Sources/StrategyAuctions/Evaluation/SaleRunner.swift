import Dispatch
import Foundation
import LabIO
import LabNumerics

/// Runs a SALE experiment: for each random task order, fits SALE's weights and trains the
/// routers on the order's prefix, then runs SALE (with and without memory) and every baseline
/// on the rest; plus the studies the paper does not do. Orders run in parallel; results are
/// stored by order index, so the output does not depend on the number of threads.
public struct SaleRunner: Sendable {
    /// The experiment spec (orders, split, memory, routers, studies, calibration targets).
    public let spec: SaleSpec
    /// The dataset every order permutes (simulated or replayed from a trace).
    public let data: SaleDataset

    /// A runner for `spec` on `data`; nothing runs until ``run(threads:progress:)``.
    public init(spec: SaleSpec, data: SaleDataset) { self.spec = spec; self.data = data }

    /// Method names in report order.
    public var methods: [String] {
        (data.hasPlans ? ["sale", "sale-charged", "sale-no-memory"] : []) + data.agents.map(\.name) +
            ["random", "oracle", "knn", "classifier", "mf", "knn-online", "classifier-online", "cascade"]
    }

    /// One task's result for one method in one order.
    public struct Row: Sendable {
        /// Order index, its seed, method name, index of the task record in the dataset, and what the
        /// method did on that task.
        public let order: Int, seed: UInt64, method: String, record: Int, execution: Execution
    }
    /// One study point in one order: SALE's metrics on the test tasks, and (padding) the
    /// deviating agent's share of wins.
    public struct StudyRow: Sendable {
        /// Study name ("memory", "self_votes", "self_bias_shift", "padding"), the studied value
        /// (a switch 0/1, a grade shift or a length factor), the deviating agent's name ("all" when
        /// none) and the order index.
        public let study: String, value: Double, agent: String, order: Int
        /// SALE's metrics on the order's test tasks at this study point.
        public let metrics: MethodMetrics
        /// Share in [0, 1] of test tasks the deviating agent won (padding only; nil otherwise).
        public let agentShare: Double?
    }
    /// A DSIC-style manipulation check of one agent in one order (see `manipulation`).
    public struct ManipulationRow: Sendable {
        /// Misreport kind ("self_grade" or "plan_length"), the agent's name and the order index.
        public let kind: String, agent: String, order: Int
        /// Regret per test task, in dollars (best misreport's revenue − honest revenue, ≥ 0).
        public let regrets: [Double]
        /// The task, misreported value and dollar gain of the largest regret; nil when no misreport gains.
        public let worst: (task: String, misreport: Double, gain: Double)?
    }
    /// Everything one order produced.
    public struct OrderResult: Sendable {
        /// One row per test task and method.
        public let rows: [Row]
        /// SALE's fitted score weights (empty when the data has no plans).
        public let weights: [Double]
        /// The weight fit: tasks won, tasks used, the proven upper bound on tasks won.
        public let fit: (won: Int, tasks: Int, bound: Int)
        /// Robustness-study points (empty without plans).
        public let studies: [StudyRow]
        /// Manipulation checks (empty without plans or when switched off).
        public let manipulation: [ManipulationRow]
        /// Knob sweeps (frontiers) and calibrated operating points.
        public let frontier: [KnobRun]
        /// Calibrated operating points, one per calibration target and method.
        public let calibration: [CalibrationRow]
    }

    /// Every calibration target parses and (a share) names the dearest agent of the data.
    public func validateTargets() throws {
        for (i, text) in spec.calibrate.enumerated() {
            try ThresholdTarget.parse(text, field: "calibrate[\(i)]").validate(agents: data.agents, largest: data.largest, field: "calibrate[\(i)]")
        }
    }

    /// Seed of order `o`, derived from the spec's seed (SplitMix64, salt 0x5A1E); fixes its
    /// permutation and the routers' streams.
    public func orderSeed(_ o: Int) -> UInt64 { SplitMix64.derive(master: spec.seed, index: UInt64(o), salt: 0x5A1E) }

    /// Runs every order on up to `threads` threads; results in order index, identical for any
    /// thread count. `progress(done, total)` is called as orders finish.
    /// - Throws: `SaleError` for a calibration target that does not fit the data, or any error
    ///   of the weight fit; the first failure by order index.
    public func run(threads: Int = 1, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [OrderResult] {
        try validateTargets()
        return try IndexedResults<OrderResult>.map(count: spec.orders, threads: threads, progress: progress) { try runOrder($0) }
    }

    /// The training prefix and test suffix of order `o`.
    public func split(_ o: Int) -> (train: [Int], test: [Int]) {
        var rng = SplitMix64(seed: orderSeed(o))
        let perm = data.records.indices.shuffled(using: &rng)
        let n = max(1, min(perm.count - 1, Int((spec.trainFraction * Double(perm.count)).rounded())))
        return (Array(perm[..<n]), Array(perm[n...]))
    }

    /// Fits the score weights on `train` (SALE §3.3) for a dataset and self-vote setting.
    public func fitRule(_ data: SaleDataset, train: [Int], selfVotes: Bool = true) throws -> (ScoringRule, WeightFit.Result) {
        let records = train.map { data.records[$0] }
        var rule = ScoringRule(weights: [], costScale: ScoringRule.costScale(records, agents: data.agents), selfVotes: selfVotes)
        let fit = try WeightFit.solve(WeightFit.problem(records, agents: data.agents, rule: rule, limit: spec.fitTasks))
        rule.weights = fit.weights
        return (rule, fit)
    }

    /// SALE over the whole order (memory fills from the first task), outcomes of the test tasks.
    func runSale(_ data: SaleDataset, rule: ScoringRule, memory on: Bool, order: (train: [Int], test: [Int]),
                 deviation: PlanTransform? = nil) -> (outcomes: [StrategyAuction.Outcome], memory: AuctionMemory) {
        let auction = StrategyAuction(rule: rule, options: .init(memory: on, k: spec.memory.k, threshold: spec.memory.threshold), data: data)
        var memory = AuctionMemory()
        let outcomes = auction.run((order.train + order.test).map { data.records[$0] }, memory: &memory, deviation: deviation)
        return (Array(outcomes.suffix(order.test.count)), memory)
    }

    /// The baselines for one order: one ``SingleAgent`` per agent, random, oracle, a
    /// ``PredictiveRouter`` per predictor (trained on `train` unless `predictors` is given), and
    /// the cascade.
    public func routers(train: [Int], predictors: [(name: String, predictor: any SuccessPredictor)]? = nil) -> [any Router] {
        let predictive = (predictors ?? self.predictors(train: train)).map {
            PredictiveRouter(name: $0.name, predictor: $0.predictor, tolerance: spec.routers.tolerance) as any Router
        }
        return data.agents.indices.map { SingleAgent(agent: $0, name: data.agents[$0].name) } +
            [RandomRouter(), OracleRouter()] + predictive + [CascadeRouter(verifierAccuracy: spec.routers.verifierAccuracy)]
    }

    /// Runs order `o`: fits SALE's weights on the training prefix, runs SALE (charged and without
    /// memory too, when the data has plans), the studies, every baseline and the online routers on
    /// the test suffix, and the knob sweeps.
    /// - Throws: errors of the weight fit (GLPK).
    public func runOrder(_ o: Int) throws -> OrderResult {
        let seed = orderSeed(o)
        let split = split(o)
        var rows: [Row] = []
        func add(_ method: String, _ ex: [Execution]) {
            for (k, e) in zip(split.test, ex) { rows.append(Row(order: o, seed: seed, method: method, record: k, execution: e)) }
        }
        var weights: [Double] = [], fitSummary = (won: 0, tasks: 0, bound: 0)
        var studies: [StudyRow] = [], manipulation: [ManipulationRow] = []
        var fitted: (rule: ScoringRule, executions: [Execution])?
        if data.hasPlans {
            let (rule, fit) = try fitRule(data, train: split.train)
            weights = fit.weights; fitSummary = (fit.won, fit.tasks, fit.upperBound)
            let honest = runSale(data, rule: rule, memory: true, order: split)
            add("sale", honest.outcomes.map(\.execution))
            fitted = (rule, honest.outcomes.map(\.execution))
            // The same auctions with their plan and jury tokens charged (AuctionOverhead).
            add("sale-charged", zip(split.test, honest.outcomes).map { k, out in
                AuctionOverhead().charged(out.execution, data.records[k], refined: out.refined, data: data)
            })
            let noMemory = runSale(data, rule: rule, memory: false, order: split)
            add("sale-no-memory", noMemory.outcomes.map(\.execution))
            studies = try runStudies(o, split: split, rule: rule, honest: honest.outcomes, noMemory: noMemory.outcomes)
            if spec.studies.manipulation {
                manipulation = self.manipulation(o, split: split, rule: rule, memory: honest.memory, honest: honest.outcomes)
            }
        }
        let predictors = predictors(train: split.train)
        for (k, router) in routers(train: split.train, predictors: predictors).enumerated() {
            var rng = SplitMix64(seed: SplitMix64.derive(master: seed, index: UInt64(k), salt: 0x2007))
            add(router.name, split.test.map { router.route(data.records[$0], data: data, rng: &rng) })
        }
        // Symmetry with SALE's memory: the same routers learning online from executed outcomes.
        let tests = split.test.map { data.records[$0] }
        for (name, predictor) in predictors {
            if let knn = predictor as? KNNPredictor {
                add("\(name)-online", PredictiveRouter.routeOnline(OnlineKNNPredictor(knn), tolerance: spec.routers.tolerance, records: tests, data: data))
            } else if let lr = predictor as? LogisticPredictor {
                add("\(name)-online", PredictiveRouter.routeOnline(OnlineLogisticPredictor(lr), tolerance: spec.routers.tolerance, records: tests, data: data))
            }
        }
        let sweep = frontier(o, split: split, rule: fitted?.rule, fitted: fitted?.executions, predictors: predictors)
        return OrderResult(rows: rows, weights: weights, fit: fitSummary, studies: studies, manipulation: manipulation,
                           frontier: sweep.runs, calibration: sweep.calibration)
    }
}
