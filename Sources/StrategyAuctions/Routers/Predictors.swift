import Foundation
import LabNumerics

/// Training data shared by the predictive routers: task features and each agent's first-attempt
/// success on the training prefix.
public struct RouterTrainingSet: Sendable {
    /// Feature vector of each training task (n × d).
    public let x: [[Double]]
    /// First-attempt success of each agent on each training task, 1 or 0 (n × agents).
    public let y: [[Double]]
    /// Features and first-attempt outcomes of `records` (the training prefix), in order.
    public init(_ records: [TaskRecord]) {
        x = records.map(\.task.features)
        y = records.map { r in r.attempts.map { $0.success ? 1 : 0 } }
    }
    var agents: Int { y.first?.count ?? 0 }
}

@inline(__always) func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

/// kNN router (RouterBench/RouterEval style): success of each agent averaged over the k most
/// similar training tasks by cosine.
public struct KNNPredictor: SuccessPredictor {
    /// The training tasks the neighbours are drawn from.
    public let train: RouterTrainingSet
    /// Number of neighbours (fewer when the training set is smaller).
    public let k: Int
    /// A kNN predictor over `train` with `k` neighbours; no work until a prediction.
    public init(_ train: RouterTrainingSet, k: Int) { self.train = train; self.k = k }
    /// Each agent's success rate, in [0, 1], among the `k` training tasks most similar by cosine
    /// (ties to the earlier task). O(n·d + n·log k).
    public func predict(_ features: [Double]) -> [Double] { predict(features, excluding: nil) }

    /// Prediction without training task `excluded` among the neighbours (leave-one-out, for
    /// calibrating on the training prefix). O(n·d + n·log k): bounded selection, no full sort.
    public func predict(_ features: [Double], excluding excluded: Int?) -> [Double] {
        var top = TopK(k)
        for (i, x) in train.x.enumerated() where i != excluded { top.offer(i, cosine(features, x)) }
        let near = top.sorted
        return (0..<train.agents).map { a in near.reduce(0) { $0 + train.y[$1.index][a] } / Double(max(near.count, 1)) }
    }
}

/// Multi-label classifier router: one L2-regularised logistic regression per agent on the
/// features (full-batch gradient descent, fixed iterations: deterministic).
public struct LogisticPredictor: SuccessPredictor {
    /// Per agent: [bias, w₁ … w_d], the logistic regression's coefficients on the features.
    public let weights: [[Double]]   // per agent: [bias, w_1 … w_d]
    /// A predictor with given coefficients (per agent: bias first, then one weight per feature).
    public init(weights: [[Double]]) { self.weights = weights }
    /// Fits one L2-regularised logistic regression per agent by full-batch gradient descent from
    /// zero: `iterations` steps of size `rate`, penalty `l2` on the non-bias weights. Deterministic;
    /// O(iterations · n · d · agents).
    public init(_ train: RouterTrainingSet, iterations: Int = 400, rate: Double = 0.5, l2: Double = 1e-3) {
        let n = Double(train.x.count), d = train.x.first?.count ?? 0
        weights = (0..<train.agents).map { a in
            var w = [Double](repeating: 0, count: d + 1)
            for _ in 0..<iterations {
                var g = [Double](repeating: 0, count: d + 1)
                for (x, y) in zip(train.x, train.y) {
                    let e = sigmoid(w[0] + zip(w.dropFirst(), x).reduce(0) { $0 + $1.0 * $1.1 }) - y[a]
                    g[0] += e
                    for k in 0..<d { g[k + 1] += e * x[k] }
                }
                for k in 0...d { w[k] -= rate * (g[k] / n + (k > 0 ? l2 * w[k] : 0)) }
            }
            return w
        }
    }
    /// Per agent, σ(bias + w · features): a success probability in (0, 1).
    public func predict(_ features: [Double]) -> [Double] {
        weights.map { w in sigmoid(w[0] + zip(w.dropFirst(), features).reduce(0) { $0 + $1.0 * $1.1 }) }
    }
}

/// Matrix-factorisation router (RouteLLM's MF style): success logit = v_a · (P·x) + b_a, a
/// rank-r factorisation of the task × agent success matrix whose task factors are a linear
/// projection P of the features, so unseen tasks can be scored. Full-batch gradient descent
/// from a seeded initialisation (deterministic).
public struct MatrixFactorizationPredictor: SuccessPredictor {
    /// The projection P from features to task factors (rank × d).
    public let projection: [[Double]]  // r × d
    /// One factor vector per agent (agents × rank).
    public let agentFactors: [[Double]] // M × r
    /// Per-agent bias of the success logit.
    public let bias: [Double]
    /// Fits P, the agent factors and biases by full-batch gradient descent on the logistic loss:
    /// `iterations` steps of size `rate`, L2 penalty `l2` on P and the factors, initial values
    /// uniform in ±0.05 from `seed`. Deterministic; O(iterations · n · agents · rank · d).
    public init(_ train: RouterTrainingSet, rank: Int = 4, iterations: Int = 400, rate: Double = 0.5, l2: Double = 1e-3, seed: UInt64 = 1) {
        let d = train.x.first?.count ?? 0, M = train.agents, n = Double(train.x.count)
        var g = SplitMix64(seed: seed)
        var P = (0..<rank).map { _ in (0..<d).map { _ in 0.1 * (g.nextOpenUnit() - 0.5) } }
        var V = (0..<M).map { _ in (0..<rank).map { _ in 0.1 * (g.nextOpenUnit() - 0.5) } }
        var b = [Double](repeating: 0, count: M)
        for _ in 0..<iterations {
            var gP = P.map { $0.map { _ in 0.0 } }, gV = V.map { $0.map { _ in 0.0 } }, gb = b.map { _ in 0.0 }
            for (x, y) in zip(train.x, train.y) {
                let z = P.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
                for a in 0..<M {
                    let e = sigmoid(b[a] + zip(V[a], z).reduce(0) { $0 + $1.0 * $1.1 }) - y[a]
                    gb[a] += e
                    for r in 0..<rank {
                        gV[a][r] += e * z[r]
                        for k in 0..<d { gP[r][k] += e * V[a][r] * x[k] }
                    }
                }
            }
            for a in 0..<M {
                b[a] -= rate * gb[a] / n
                for r in 0..<rank { V[a][r] -= rate * (gV[a][r] / n + l2 * V[a][r]) }
            }
            for r in 0..<rank { for k in 0..<d { P[r][k] -= rate * (gP[r][k] / n + l2 * P[r][k]) } }
        }
        projection = P; agentFactors = V; bias = b
    }
    /// Per agent, σ(b_a + v_a · (P·features)): a success probability in (0, 1). O(rank · (d + agents)).
    public func predict(_ features: [Double]) -> [Double] {
        let z = projection.map { row in zip(row, features).reduce(0) { $0 + $1.0 * $1.1 } }
        return agentFactors.indices.map { a in sigmoid(bias[a] + zip(agentFactors[a], z).reduce(0) { $0 + $1.0 * $1.1 }) }
    }
}
