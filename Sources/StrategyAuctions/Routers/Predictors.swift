import Foundation
import LabNumerics

/// Training data shared by the predictive routers: task features and each agent's first-attempt
/// success on the training prefix.
public struct RouterTrainingSet: Sendable {
    public let x: [[Double]]
    public let y: [[Double]]
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
    public let train: RouterTrainingSet
    public let k: Int
    public init(_ train: RouterTrainingSet, k: Int) { self.train = train; self.k = k }
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
    public let weights: [[Double]]   // per agent: [bias, w_1 … w_d]
    public init(weights: [[Double]]) { self.weights = weights }
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
    public func predict(_ features: [Double]) -> [Double] {
        weights.map { w in sigmoid(w[0] + zip(w.dropFirst(), features).reduce(0) { $0 + $1.0 * $1.1 }) }
    }
}

/// Matrix-factorisation router (RouteLLM's MF style): success logit = v_a · (P·x) + b_a, a
/// rank-r factorisation of the task × agent success matrix whose task factors are a linear
/// projection P of the features, so unseen tasks can be scored. Full-batch gradient descent
/// from a seeded initialisation (deterministic).
public struct MatrixFactorizationPredictor: SuccessPredictor {
    public let projection: [[Double]]  // r × d
    public let agentFactors: [[Double]] // M × r
    public let bias: [Double]
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
    public func predict(_ features: [Double]) -> [Double] {
        let z = projection.map { row in zip(row, features).reduce(0) { $0 + $1.0 * $1.1 } }
        return agentFactors.indices.map { a in sigmoid(bias[a] + zip(agentFactors[a], z).reduce(0) { $0 + $1.0 * $1.1 }) }
    }
}
