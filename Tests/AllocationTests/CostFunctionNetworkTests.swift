import Foundation
import Testing
import LabNumerics
import Workflows
@testable import Allocation

@Suite("Allocation: the CFN export encodes the allocation problem")
struct CostFunctionNetworkTests {
    /// A CFN file read back with its own small evaluator (JSON parsing, no AuctionLab cost
    /// code): variables with their value names, and functions as scope + a cost lookup.
    struct ReadBack {
        let domains: [[String]]
        let unary: [[Double]]
        let binary: [(u: Int, v: Int, defaultCost: Double, tuples: [String: Double])]

        init(_ text: String) throws {
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            // JSONSerialization loses key order: variables are n0, n1, … by construction.
            let vars = try #require(doc["variables"] as? [String: [String]])
            domains = (0..<vars.count).map { vars["n\($0)"]! }
            let functions = try #require(doc["functions"] as? [String: [String: Any]])
            var un = Array(repeating: [Double](), count: vars.count)
            var bin: [(Int, Int, Double, [String: Double])] = []
            for (_, f) in functions {
                let scope = (f["scope"] as! [String]).map { Int($0.dropFirst())! }
                let costs = f["costs"] as! [Any]
                if scope.count == 1 {
                    un[scope[0]] = costs.map { ($0 as! NSNumber).doubleValue }
                } else {
                    var t: [String: Double] = [:]
                    for k in stride(from: 0, to: costs.count, by: 3) {
                        t["\(costs[k]) \(costs[k + 1])"] = (costs[k + 2] as! NSNumber).doubleValue
                    }
                    bin.append((scope[0], scope[1], (f["defaultcost"] as! NSNumber).doubleValue, t))
                }
            }
            unary = un
            binary = bin
        }

        /// The network's cost of an allocation given as agent indices (nil if a value is not in a domain).
        func cost(_ agents: [Int]) -> Double? {
            var total = 0.0
            for (v, a) in agents.enumerated() {
                guard let k = domains[v].firstIndex(of: "a\(a)") else { return nil }
                total += unary[v][k]
            }
            for f in binary { total += f.tuples["a\(agents[f.u]) a\(agents[f.v])"] ?? f.defaultCost }
            return total
        }
    }

    /// On 150 random small instances (every shape, κ 0 and 0.3, tied agents): every allocation's
    /// network cost is its objective plus the constant (to the file's rounding), incapable
    /// allocations cannot be written, and the network's minimum (enumerated) is the optimum.
    @Test func networkCostIsObjectivePlusConstant() throws {
        var g = SplitMix64(seed: 20261207)
        for n in 0..<150 {
            let inst = try Instance(spec: RandomWorkflow.instance(RandomWorkflow.Shape.allCases[n % 4], nodes: Int.random(in: 2...5, using: &g),
                                                                  perTier: Int.random(in: 1...2, using: &g), kappa: n % 2 == 0 ? 0 : 0.3,
                                                                  ties: n % 3 == 0, using: &g))
            let m = inst.model, prices = inst.virtualBids
            let net = CostFunctionNetwork(model: m, prices: prices)
            let file = try ReadBack(net.cfn())
            let rounding = Double(m.nodeCount + m.edges.count) * 0.5e-6 * net.scale
            var bestNetwork = Double.infinity, bestObjective = Double.infinity
            var a = Array(repeating: 0, count: m.nodeCount)
            func visit(_ v: Int) {
                if v == m.nodeCount {
                    let c = file.cost(a)
                    #expect((c == nil) == !m.isFeasible(a), "instance #\(n): writable iff capable")
                    guard let c else { return }
                    let money = c * net.scale, objective = m.objective(a, prices: prices)
                    #expect(abs(money - (objective + net.constant)) <= rounding + 1e-12 * abs(money), "instance #\(n): \(money) vs \(objective) + \(net.constant)")
                    if money < bestNetwork { bestNetwork = money; bestObjective = objective }
                    return
                }
                for i in 0..<m.agentCount { a[v] = i; visit(v + 1) }
            }
            visit(0)
            let optimum = try BruteForce(model: m).solve(prices: prices).objective
            #expect(abs(bestObjective - optimum) <= 2 * rounding + 1e-12 * abs(optimum), "instance #\(n): network's argmin is not optimal")
        }
    }
}
