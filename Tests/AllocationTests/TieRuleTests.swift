import Testing
import TestSupport
import LabNumerics
import Priors
import Workflows
@testable import Allocation

/// Every capable allocation with its objective, in lexicographic order (node 0 most significant;
/// tests only: M^V). No solver code is involved.
func allAllocations(_ model: CostModel, prices: [Double]) -> [([Int], Double)] {
    let V = model.nodeCount
    let choices = (0..<V).map { v in (0..<model.agentCount).filter { model.capable[v][$0] } }
    var all: [([Int], Double)] = []
    var idx = [Int](repeating: 0, count: V)
    while true {
        let a = (0..<V).map { choices[$0][idx[$0]] }
        all.append((a, model.objective(a, prices: prices)))
        var k = V - 1
        while k >= 0 && idx[k] == choices[k].count - 1 { idx[k] = 0; k -= 1 }
        if k < 0 { break }
        idx[k] += 1
    }
    return all
}

/// The tie rule, checked against an independent brute force: every allocation enumerated in
/// lexicographic order (node 0 most significant), the optimum found, and the first allocation
/// within 1e-12 of it taken. No solver code is involved in the expectation.
func lexicographicOptimum(_ model: CostModel, prices: [Double]) -> [Int] {
    let all = allAllocations(model, prices: prices)
    let best = all.map(\.1).min()!
    return all.first { $0.1 <= best + 1e-12 * abs(best) }!.0  // enumeration order is lexicographic
}

@Suite("One tie rule: every solver returns the same allocation")
struct TieRuleTests {
    @Test("≥ 2,000 random instances built to tie (identical agents, bids on ironed stretches, every prior family): every solver kind returns the lexicographically smallest optimum", .tags(.slow), .fullLaneOnly)
    func allSolversReturnTheTieRulesAllocation() throws {
        let maker = try TieInstances()
        var g = SplitMix64(seed: 1313)
        var tied = 0, checked = 0
        for n in 0..<2000 {
            let shape = RandomWorkflow.Shape.allCases[n % 4]
            let inst = try maker.instance(shape, nodes: Int.random(in: 1...5, using: &g), groups: Int.random(in: 1...3, using: &g),
                                          kappa: n % 2 == 0 ? 0 : 0.3, using: &g)
            guard inst.model.capable.allSatisfy({ $0.contains(true) }) else { continue }
            let prices = inst.virtualBids
            if Set(prices).count < prices.count { tied += 1 }
            let expected = lexicographicOptimum(inst.model, prices: prices)
            var kinds: [SolverKind] = [.auto, .elimination, .brute]
            if inst.model.isForest { kinds.append(.tree) }
            if (try? CutsetConditioning(model: inst.model, maxCut: 3)) != nil { kinds.append(.cutset) }
            if n % 10 == 0 { kinds.append(.milp) }
            for kind in kinds {
                let a = try kind.make(for: inst.model).solve(prices: prices)
                #expect(a.agents == expected, "\(kind) on #\(n) (\(shape)): \(a.agents) ≠ tie rule's \(expected)")
            }
            // Each way of computing the rule, on its own (the wrappers pick one per graph).
            #expect(try LexicographicElimination(model: inst.model).canonical(prices: prices).agents == expected, "elimination marginals #\(n)")
            if let lf = try? LexicographicForest(model: inst.model) {
                #expect(try lf.canonical(prices: prices).agents == expected, "forest marginals #\(n)")
            }
            if n % 5 == 0 {
                let descent = LexicographicDescent(model: inst.model) { try VariableElimination(model: $0) }
                let start = try VariableElimination(model: inst.model).solve(prices: prices)
                #expect(try descent.canonical(prices: prices, optimum: start).agents == expected, "descent #\(n)")
            }
            checked += 1
        }
        #expect(checked >= 1900)
        #expect(tied >= 1000, "only \(tied) instances had tied prices")
    }

    @Test("the elimination tie rule's odometer visits clique entries in order with the projected index of the division-based definition")
    func odometerMatchesProjection() {
        var g = SplitMix64(seed: 31)
        for _ in 0..<200 {
            let M = Int.random(in: 2...5, using: &g), d = Int.random(in: 1...4, using: &g)
            // A factor over some of the d digits, with its own power-of-M strides (0 = absent).
            var strides = [Int](repeating: 0, count: d), mul = 1
            for p in 0..<d where Bool.random(using: &g) { strides[p] = mul; mul *= M }
            var count = 1
            for _ in 0..<d { count *= M }
            var seen: [(Int, Int)] = []
            LexicographicElimination.forEachProjected(count: count, strides: strides, M: M) { seen.append(($0, $1)) }
            // Independent: digits by division.
            let expected = (0..<count).map { o -> (Int, Int) in
                var idx = 0, rest = o
                for st in strides { idx += (rest % M) * st; rest /= M }
                return (o, idx)
            }
            #expect(seen.map(\.0) == expected.map(\.0) && seen.map(\.1) == expected.map(\.1), "M \(M) strides \(strides)")
        }
    }

    @Test("the raw solvers find optima whose allocations differ under ties, so the rule is not vacuous", .tags(.slow), .fullLaneOnly)
    func rawSolversDisagreeWithoutTheRule() throws {
        let maker = try TieInstances(families: ["uniform"])
        var g = SplitMix64(seed: 77)
        var differing = 0
        for n in 0..<300 {
            let inst = try maker.instance(.dag, nodes: 5, groups: 2, kappa: 0, using: &g)
            let prices = inst.virtualBids
            let raw = [try MILPSolver(model: inst.model).solve(prices: prices).agents,
                       try VariableElimination(model: inst.model).solve(prices: prices).agents]
            if raw.contains(where: { $0 != lexicographicOptimum(inst.model, prices: prices) }) { differing += 1 }
            _ = n
        }
        #expect(differing > 0, "no raw solver ever broke a tie differently: this suite would not notice a missing tie rule")
    }
}

@Suite("The tie rule's shortcut: the lowest candidates at once when they form an optimum")
struct TieRuleShortcutTests {
    @Test("on instances built to tie (identical agents, every prior family) and at tie prices, the shortcut gives the node-by-node rule's allocation and brute force's, with fewer min-marginal passes somewhere and never more", .tags(.slow), .fullLaneOnly)
    func shortcutMatchesNodeByNode() throws {
        try compare(try TieInstances(), count: 400, seed: 2027_1201, fewerAtLeast: 50)
    }

    @Test("the same on 60 instances (uniform priors): the quick lane's check")
    func shortcutMatchesNodeByNodeQuick() throws {
        try compare(try TieInstances(families: ["uniform"]), count: 60, seed: 2027_1202, fewerAtLeast: 5)
    }

    func compare(_ maker: TieInstances, count: Int, seed: UInt64, fewerAtLeast: Int) throws {
        var g = SplitMix64(seed: seed)
        var fewer = 0, checked = 0
        for n in 0..<count {
            let inst: Instance
            var prices: [Double]
            if n % 2 == 0 {
                inst = try maker.instance(RandomWorkflow.Shape.allCases[(n / 2) % 4], nodes: Int.random(in: 2...6, using: &g),
                                          groups: Int.random(in: 1...3, using: &g), kappa: n % 4 == 0 ? 0 : 0.3, using: &g)
                guard inst.model.capable.allSatisfy({ $0.contains(true) }) else { continue }
                prices = inst.virtualBids
            } else {
                inst = try SolverAgreementTests.small(n, &g)
                prices = inst.virtualBids
                if prices.count > 1 { prices[1] = prices[0] }   // a breakpoint probe's kind of price
            }
            let expected = lexicographicOptimum(inst.model, prices: prices)
            var ways: [(String, any MinMarginals)] = [("elimination", try LexicographicElimination(model: inst.model))]
            if let forest = try? LexicographicForest(model: inst.model) { ways.append(("forest", forest)) }
            for (name, lex) in ways {
                let fast = try lex.canonicalCountingPasses(prices: prices, shortcut: true)
                let slow = try lex.canonicalCountingPasses(prices: prices, shortcut: false)
                #expect(fast.assignment.agents == slow.assignment.agents, "\(name) #\(n): shortcut \(fast.assignment.agents) ≠ node by node \(slow.assignment.agents)")
                #expect(fast.assignment.agents == expected, "\(name) #\(n): \(fast.assignment.agents) ≠ brute force's \(expected)")
                #expect(fast.passes <= slow.passes, "\(name) #\(n): the shortcut took \(fast.passes) passes, node by node \(slow.passes)")
                if fast.passes < slow.passes { fewer += 1 }
            }
            checked += 1
        }
        #expect(checked >= count * 7 / 8)
        // Not vacuous: the shortcut answers before the node-by-node rule on many instances.
        #expect(fewer >= fewerAtLeast, "the shortcut saved a pass on only \(fewer) instances")
    }
}
