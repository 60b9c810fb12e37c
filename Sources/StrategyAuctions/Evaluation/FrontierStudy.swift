import Foundation
import LabNumerics

/// One knob value of one method in one task order, and what it did on the order's test tasks.
public struct KnobRun: Sendable {
    /// sale, knn, classifier or mf.
    public let method: String
    /// `lambda` (routers' willingness to pay), `w_cost` (SALE's cost weight) or `w_cost_fitted`
    /// (SALE's fitted operating point, the one `sale` reports).
    public let knobName: String
    /// The knob value (λ, unitless; or the cost weight w_c in [0, 1]).
    public let knob: Double
    /// Aligned with the order's test tasks.
    public let executions: [Execution]
}

/// One calibrated method in one order: the knob chosen on the training prefix, the targeted
/// quantity there, and the test metrics.
public struct CalibrationRow: Sendable {
    /// The target, the method calibrated, the order index, the knob mix chosen on the training
    /// prefix, and the targeted quantity it reached there (a share in [0, 1] or $ per task).
    public let target: ThresholdTarget, method: String, order: Int, knob: KnobMix, train: Double
    /// The method's metrics on the order's test tasks at the calibrated knob.
    public let test: MethodMetrics
    /// The targeted quantity on the test tasks (share or $ per task).
    public var testValue: Double { target.measure(test) }
    /// Test value minus target (same units; positive = above the target).
    public var miss: Double { testValue - target.value }
}

extension SaleRunner {
    /// Routers' willingness-to-pay grid: 0 (best prediction), then geometric up to a λ above any
    /// prediction gap (every task to the cheapest agent).
    public static let lambdaGrid: [Double] = [0] + (0..<25).map { 0.005 * pow(50 / 0.005, Double($0) / 24) }
    /// SALE's cost-weight grid: 0 (value only), then geometric up to a weight at which the plan
    /// cost term dominates every jury grade (≈ the cheapest bidder wins).
    public static let costWeightGrid: [Double] = [0] + (0..<21).map { 0.01 * pow(100 / 0.01, Double($0) / 20) }

    /// How each predictive router is trained, by method name.
    public var predictorMakers: [(name: String, make: @Sendable (RouterTrainingSet) -> any SuccessPredictor)] {
        let k = spec.routers.knnK, rank = spec.routers.mfRank, seed = spec.seed
        return [("knn", { KNNPredictor($0, k: k) }), ("classifier", { LogisticPredictor($0) }),
                ("mf", { MatrixFactorizationPredictor($0, rank: rank, seed: seed) })]
    }

    /// The predictive routers' success predictors trained on `train`, by method name.
    public func predictors(train: [Int]) -> [(name: String, predictor: any SuccessPredictor)] {
        let ts = RouterTrainingSet(train.map { data.records[$0] })
        return predictorMakers.map { ($0.name, $0.make(ts)) }
    }

    /// The router's predictions for its own training tasks, for calibrating on the prefix. A
    /// share or a cost depends only on which agent the fixed, trained function picks for a
    /// task's features, so applying that same function to the prefix's features is unbiased for
    /// the test tasks' share (only feature sampling differs) — except for kNN, whose function
    /// holds each training task's own label: it leaves the task out of its neighbours. (Cross-
    /// fitted models were tried and missed by more: they are other functions.)
    func trainingPredictions(_ predictor: any SuccessPredictor, train: [Int]) -> [[Double]] {
        let features = train.map { data.records[$0].task.features }
        if let knn = predictor as? KNNPredictor {
            return features.enumerated().map { knn.predict($0.element, excluding: $0.offset) }
        }
        return features.map(predictor.predict)
    }

    /// SALE with its cost weight replaced by `wCost` (the other fitted weights kept).
    func rule(_ rule: ScoringRule, costWeight wCost: Double) -> ScoringRule {
        var r = rule; r.weights[0] = wCost; return r
    }

    /// The knob sweeps of one order (SALE when the data have plans; the three predictive routers)
    /// and the calibrated operating point of each method for every target.
    func frontier(_ o: Int, split: (train: [Int], test: [Int]), rule: ScoringRule?, fitted: [Execution]?,
                  predictors: [(name: String, predictor: any SuccessPredictor)]) -> (runs: [KnobRun], calibration: [CalibrationRow]) {
        var runs: [KnobRun] = [], calibration: [CalibrationRow] = []
        let trainRecords = split.train.map { data.records[$0] }
        let targets = spec.calibrationTargets
        if let rule, let fitted {
            for w in Self.costWeightGrid {
                runs.append(KnobRun(method: "sale", knobName: "w_cost", knob: w,
                                    executions: runSale(data, rule: self.rule(rule, costWeight: w), memory: true, order: split).outcomes.map(\.execution)))
            }
            runs.append(KnobRun(method: "sale", knobName: "w_cost_fitted", knob: rule.weights[0], executions: fitted))
            for t in targets {
                // On the training prefix: SALE from an empty memory over the prefix only.
                let mix = KnobSearch.solve(grid: Self.costWeightGrid, target: t.value) { w in
                    t.measure(MethodMetrics(runSale(rule, knob: .fixed(w), o: o, records: split.train)))
                }
                let train = t.measure(MethodMetrics(runSale(rule, knob: mix, o: o, records: split.train)))
                let test = Array(runSale(rule, knob: mix, o: o, records: split.train + split.test).suffix(split.test.count))
                calibration.append(CalibrationRow(target: t, method: "sale", order: o, knob: mix, train: train, test: MethodMetrics(test)))
            }
        }
        let pay = WillingnessToPay(training: trainRecords, agents: data.agents)
        for (name, predictor) in predictors {
            let testPredictions = split.test.map { predictor.predict(data.records[$0].task.features) }
            func route(_ ps: [[Double]], _ tasks: [Int], _ knob: KnobMix) -> [Execution] {
                zip(ps, tasks).map { p, k in
                    let a = pay.choose(p, lambda: knob.knob(coin: coin(o, k)))
                    return Execution(data.records[k].attempts[a], agent: a, in: data)
                }
            }
            for l in Self.lambdaGrid {
                runs.append(KnobRun(method: name, knobName: "lambda", knob: l, executions: route(testPredictions, split.test, .fixed(l))))
            }
            guard !targets.isEmpty else { continue }
            let trainPredictions = trainingPredictions(predictor, train: split.train)
            for t in targets {
                let mix = KnobSearch.solve(grid: Self.lambdaGrid, target: t.value) { l in
                    t.measure(MethodMetrics(route(trainPredictions, split.train, .fixed(l))))
                }
                calibration.append(CalibrationRow(target: t, method: name, order: o, knob: mix,
                                                  train: t.measure(MethodMetrics(route(trainPredictions, split.train, mix))),
                                                  test: MethodMetrics(route(testPredictions, split.test, mix))))
            }
        }
        return (runs, calibration)
    }

    var saleOptions: StrategyAuction.Options { .init(memory: true, k: spec.memory.k, threshold: spec.memory.threshold) }

    /// The per-task coin of a calibrated knob mix (order and task, so every method and both the
    /// training and the test pass see the same coin for a task).
    func coin(_ o: Int, _ record: Int) -> Double {
        var g = SplitMix64(seed: SplitMix64.derive(master: orderSeed(o), index: UInt64(record), salt: 0xCA1B))
        return g.nextOpenUnit()
    }

    /// SALE with memory over `records` in order from an empty memory, each task's cost weight
    /// drawn from `knob`.
    func runSale(_ rule: ScoringRule, knob: KnobMix, o: Int, records: [Int]) -> [Execution] {
        let lo = StrategyAuction(rule: self.rule(rule, costWeight: knob.lo), options: saleOptions, data: data)
        let hi = StrategyAuction(rule: self.rule(rule, costWeight: knob.hi), options: saleOptions, data: data)
        var memory = AuctionMemory()
        return records.map { k in
            let r = data.records[k]
            let e = (knob.knob(coin: coin(o, k)) == knob.lo ? lo : hi).auction(r, memory: memory).execution
            memory.store(.init(features: r.task.features, winner: e.agent, success: e.success))
            return e
        }
    }
}
