import Foundation

/// A predictor that keeps learning on the test tasks as they arrive, from what a deployed router
/// sees: the outcome of the agent it ran, and only that one (bandit feedback — the same
/// information SALE's memory stores: winner and success).
public protocol OnlinePredictor: SuccessPredictor {
    /// Learns from one executed outcome: the task's features, the agent that ran and whether it
    /// succeeded (bandit feedback: nothing about the other agents).
    mutating func observe(_ features: [Double], agent: Int, success: Bool)
}

/// kNN whose neighbours include past test tasks: for agent a, the k most similar tasks among the
/// training set and the test tasks on which a ran.
public struct OnlineKNNPredictor: OnlinePredictor {
    /// The batch-trained kNN predictor (training set and `k`).
    public let base: KNNPredictor
    /// Observed test tasks: features, executed agent, outcome.
    public private(set) var seen: [(x: [Double], agent: Int, y: Double)] = []
    /// Starts from `base` with no observed test tasks.
    public init(_ base: KNNPredictor) { self.base = base }

    /// Appends the observation to ``seen``; it counts for `agent` only. O(1).
    public mutating func observe(_ features: [Double], agent: Int, success: Bool) { seen.append((features, agent, success ? 1 : 0)) }

    /// Per agent a, the success rate among the `k` most similar tasks of the training set plus the
    /// observed test tasks that a ran (ties to the earlier task). O((n + seen)·(d + agents·log k)).
    public func predict(_ features: [Double]) -> [Double] {
        let train = base.train, n = train.x.count
        let trainSims = train.x.map { cosine(features, $0) }
        let seenSims = seen.map { cosine(features, $0.x) }
        return (0..<train.agents).map { a in
            var top = TopK(base.k)
            for i in 0..<n { top.offer(i, trainSims[i]) }
            for (j, s) in seen.enumerated() where s.agent == a { top.offer(n + j, seenSims[j]) }
            let near = top.sorted
            return near.reduce(0) { $0 + ($1.index < n ? train.y[$1.index][a] : seen[$1.index - n].y) } / Double(max(near.count, 1))
        }
    }
}

/// The logistic classifier, updated by one stochastic gradient step on the executed agent's
/// logistic loss per observed outcome. The step is 0.05, a tenth of the batch training's rate:
/// at the batch rate (0.5) single outcomes swung the weights so far that pass@1 fell by ~7
/// points with a very wide interval over orders (measured on Experiments/sale.yaml).
public struct OnlineLogisticPredictor: OnlinePredictor {
    /// The current logistic model (updated by each observation).
    public private(set) var model: LogisticPredictor
    /// Step size of the per-outcome gradient step, and its L2 penalty on the non-bias weights.
    public let rate: Double, l2: Double
    /// Starts from the batch-trained `model`; steps of `rate` (default 0.05), penalty `l2`.
    public init(_ model: LogisticPredictor, rate: Double = 0.05, l2: Double = 1e-3) { self.model = model; self.rate = rate; self.l2 = l2 }

    /// The current model's success probabilities, each in (0, 1).
    public func predict(_ features: [Double]) -> [Double] { model.predict(features) }

    /// One stochastic gradient step on agent `a`'s logistic loss for this outcome; other agents'
    /// weights are unchanged. O(d · agents).
    public mutating func observe(_ features: [Double], agent a: Int, success: Bool) {
        var w = model.weights[a]
        let e = model.predict(features)[a] - (success ? 1 : 0)
        w[0] -= rate * e
        for k in features.indices { w[k + 1] -= rate * (e * features[k] + l2 * w[k + 1]) }
        model = LogisticPredictor(weights: model.weights.enumerated().map { $0.offset == a ? w : $0.element })
    }
}

extension PredictiveRouter {
    /// Routes `records` in order with the shared decision rule, the predictor learning from each
    /// executed outcome before the next task.
    public static func routeOnline<P: OnlinePredictor>(_ predictor: P, tolerance: Double, records: [TaskRecord], data: SaleDataset) -> [Execution] {
        var p = predictor
        return records.map { r in
            let e = PredictiveRouter(name: "", predictor: p, tolerance: tolerance).decide(r, data: data)
            p.observe(r.task.features, agent: e.agent, success: e.success)
            return e
        }
    }
}
