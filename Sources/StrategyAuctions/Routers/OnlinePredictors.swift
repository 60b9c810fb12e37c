import Foundation

/// A predictor that keeps learning on the test tasks as they arrive, from what a deployed router
/// sees: the outcome of the agent it ran, and only that one (bandit feedback — the same
/// information SALE's memory stores: winner and success).
public protocol OnlinePredictor: SuccessPredictor {
    mutating func observe(_ features: [Double], agent: Int, success: Bool)
}

/// kNN whose neighbours include past test tasks: for agent a, the k most similar tasks among the
/// training set and the test tasks on which a ran.
public struct OnlineKNNPredictor: OnlinePredictor {
    public let base: KNNPredictor
    /// Observed test tasks: features, executed agent, outcome.
    public private(set) var seen: [(x: [Double], agent: Int, y: Double)] = []
    public init(_ base: KNNPredictor) { self.base = base }

    public mutating func observe(_ features: [Double], agent: Int, success: Bool) { seen.append((features, agent, success ? 1 : 0)) }

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
    public private(set) var model: LogisticPredictor
    public let rate: Double, l2: Double
    public init(_ model: LogisticPredictor, rate: Double = 0.05, l2: Double = 1e-3) { self.model = model; self.rate = rate; self.l2 = l2 }

    public func predict(_ features: [Double]) -> [Double] { model.predict(features) }

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
