import Foundation
import Workflows

/// The allocation problem min_A Σ_i p_i·x_i(A) written as a cost function network, in the
/// CFN format that toulbar2 (and `pytoulbar2`) reads, so the field's exact solvers can be run
/// on exactly the instance AuctionLab solved (`auctionlab export`, `auctionlab bench peers`).
///
/// - One variable per node, named `n<v>`; its values are the *capable* agents only, named
///   `a<i>` with i the agent's index in the instance, so an incapable assignment cannot be
///   written at all.
/// - One unary function per node: p_i·base[v][i] for each capable agent i.
/// - One binary function per edge whose ends share a capable agent. The model's edge term is a
///   saving −p_i·saving[e][i] when both ends are on agent i, else 0; CFN solvers prefer
///   non-negative costs, so the function is shifted by K_e = max_i p_i·saving[e][i]: cost K_e
///   by default, K_e − p_i·saving[e][i] on the tuple (a<i>, a<i>). The network's optimum is
///   the allocation optimum plus ``constant`` (Σ_e K_e), and every allocation keeps its rank.
/// - Costs are in units of ``scale`` (money ÷ scale) and written with ``decimals`` decimals;
///   the problem's `mustbe` bound carries the same number of decimals, which is how CFN fixes
///   the solver's cost resolution. The rounding can change which allocation a peer returns
///   only among allocations within V·10^−decimals·scale of each other: compare peers by
///   evaluating their allocation with `CostModel.objective`, never by their printed cost.
public struct CostFunctionNetwork: Sendable {
    /// The model and prices it encodes.
    public let model: CostModel
    /// Per-agent prices p_i (for STAR, the ironed virtual bids).
    public let prices: [Double]
    /// Money per cost unit in the file: the largest unary cost ÷ 10⁶, so every cost fits
    /// comfortably in toulbar2's 64-bit integer costs at ``decimals`` decimals.
    public let scale: Double
    /// Decimals written per cost (and in the `mustbe` bound).
    public let decimals: Int
    /// Σ_e K_e in money: the network's cost of an allocation minus its objective.
    public let constant: Double

    /// The network of `model` under `prices` (finite, ≥ 0, one per agent).
    public init(model: CostModel, prices: [Double], decimals: Int = 6) {
        precondition(prices.count == model.agentCount, "one price per agent")
        self.model = model
        self.prices = prices
        self.decimals = decimals
        var top = 0.0
        for v in 0..<model.nodeCount {
            for i in 0..<model.agentCount where model.capable[v][i] { top = max(top, prices[i] * model.base[v][i]) }
        }
        scale = top > 0 ? top / 1e6 : 1
        var k = 0.0
        for e in model.edges.indices { k += Self.shift(model, prices, e) }
        constant = k
    }

    /// K_e: the largest saving any agent capable at both ends of edge `e` makes (0 if none).
    static func shift(_ model: CostModel, _ prices: [Double], _ e: Int) -> Double {
        let edge = model.edges[e]
        var k = 0.0
        for i in 0..<model.agentCount where model.capable[edge.from][i] && model.capable[edge.to][i] {
            k = max(k, prices[i] * model.saving[e][i])
        }
        return k
    }

    /// The agent index of a value name `a<i>` (nil for anything else).
    public static func agent(ofValue name: String) -> Int? {
        name.hasPrefix("a") ? Int(name.dropFirst()) : nil
    }

    /// The network as CFN (JSON) text.
    public func cfn(name: String = "auctionlab") -> String {
        let m = model
        func cost(_ money: Double) -> String { String(format: "%.\(decimals)f", money / scale) }
        var out = "{\"problem\":{\"name\":\(Self.jsonString(name)),\"mustbe\":\"<\(upperBound())\"},\n\"variables\":{"
        var domain: [[Int]] = []
        for v in 0..<m.nodeCount {
            let values = (0..<m.agentCount).filter { m.capable[v][$0] }
            domain.append(values)
            out += (v == 0 ? "" : ",") + "\"n\(v)\":[" + values.map { "\"a\($0)\"" }.joined(separator: ",") + "]"
        }
        out += "},\n\"functions\":{\n"
        var first = true
        for v in 0..<m.nodeCount {
            out += (first ? "" : ",\n") + "\"u\(v)\":{\"scope\":[\"n\(v)\"],\"costs\":["
                + domain[v].map { cost(prices[$0] * m.base[v][$0]) }.joined(separator: ",") + "]}"
            first = false
        }
        for (k, e) in m.edges.enumerated() {
            let shared = domain[e.from].filter { m.capable[e.to][$0] }
            let shift = Self.shift(m, prices, k)
            guard !shared.isEmpty, shift > 0 else { continue }
            let tuples = shared.map { "\"a\($0)\",\"a\($0)\"," + cost(shift - prices[$0] * m.saving[k][$0]) }
            out += ",\n\"e\(k)\":{\"scope\":[\"n\(e.from)\",\"n\(e.to)\"],\"defaultcost\":\(cost(shift)),\"costs\":["
                + tuples.joined(separator: ",") + "]}"
        }
        out += "\n}}\n"
        return out
    }

    /// An upper bound on any allocation's network cost (every node on its dearest capable
    /// agent, every edge at its shift), plus one, in file units with ``decimals`` decimals.
    func upperBound() -> String {
        var total = constant
        for v in 0..<model.nodeCount {
            total += (0..<model.agentCount).filter { model.capable[v][$0] }.map { prices[$0] * model.base[v][$0] }.max() ?? 0
        }
        return String(format: "%.\(decimals)f", (total / scale).rounded(.up) + 1)
    }

    /// A JSON string literal (names are plain ASCII here, but quotes and backslashes are escaped).
    static func jsonString(_ s: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [s])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
