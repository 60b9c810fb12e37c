import Testing
import TestSupport
import LabNumerics
import Priors
import Workflows
@testable import Allocation

@Suite("Pruned elimination: dominance, then elimination on what is left")
struct PrunedEliminationTests {
    /// Small instance #n: every shape, 2–6 nodes, 1–2 agents per tier, κ 0 or 0.3, every third with
    /// an agent copied exactly; every fourth priced at a tie (agent 1 at agent 0's price).
    static func small(_ n: Int, _ g: inout SplitMix64) throws -> (Instance, [Double]) {
        let inst = try SolverAgreementTests.small(n, &g)
        var prices = inst.virtualBids
        if n % 4 == 1, prices.count > 1 { prices[1] = prices[0] }
        return (inst, prices)
    }

    @Test("on random small instances (every shape, tied agents, tie prices) the allocation is the tie rule's (brute-force lexicographic optimum), and optimalValue / anyOptimum match brute force")
    func matchesBruteForceAndTheTieRule() throws {
        var g = SplitMix64(seed: 2027_0001)
        for n in 0..<200 {
            let (inst, prices) = try Self.small(n, &g)
            let solver = try SolverKind.pruned.make(for: inst.model)
            let expected = lexicographicOptimum(inst.model, prices: prices)
            let best = inst.model.objective(expected, prices: prices)
            let tol = 1e-9 * max(1, abs(best))
            #expect(try solver.solve(prices: prices).agents == expected, "solve on #\(n)")
            #expect(abs(try solver.optimalValue(prices: prices) - best) <= tol, "optimalValue on #\(n)")
            let any = try solver.anyOptimum(prices: prices)
            #expect(inst.model.isFeasible(any.agents) && abs(any.objective - best) <= tol, "anyOptimum on #\(n)")
        }
    }

    @Test("the tie rule's instances (identical agents, bids on ironed stretches, every prior family): pruned returns the lexicographic optimum", .tags(.slow), .fullLaneOnly)
    func tieInstances() throws {
        let maker = try TieInstances()
        var g = SplitMix64(seed: 2027_0002)
        var checked = 0
        for n in 0..<300 {
            let inst = try maker.instance(RandomWorkflow.Shape.allCases[n % 4], nodes: Int.random(in: 2...6, using: &g),
                                          groups: Int.random(in: 1...3, using: &g), kappa: n % 2 == 0 ? 0 : 0.3, using: &g)
            guard inst.model.capable.allSatisfy({ $0.contains(true) }) else { continue }
            let prices = inst.virtualBids
            #expect(try SolverKind.pruned.make(for: inst.model).solve(prices: prices).agents == lexicographicOptimum(inst.model, prices: prices), "#\(n)")
            checked += 1
        }
        #expect(checked >= 250)
    }

    @Test("strict removals keep every allocation within the tie tolerance of the optimum; all removals keep the tie rule's allocation and the optimum")
    func reductionKeepsOptima() throws {
        var g = SplitMix64(seed: 2027_0003)
        var removedStrict = 0, removedWeak = 0
        for n in 0..<200 {
            let (inst, prices) = try Self.small(n, &g)
            let model = inst.model
            let all = allAllocations(model, prices: prices)
            let best = all.map(\.1).min()!
            let tau = TieRule.tolerance(best, model)
            let costs = PricedCosts(model: model, prices: prices, allowed: model.capable)
            let r = DominanceReduction(model: model)
            let margin = DominanceReduction.margin(unary: costs.unary, model: model)
            #expect(margin >= tau, "margin \(margin) below the tolerance \(tau) on #\(n)")
            let strict = r.reduce(unary: costs.unary, edge: costs.edge, margin: margin, weak: false)
            let both = r.reduce(unary: costs.unary, edge: costs.edge, margin: margin, weak: true)
            func inside(_ a: [Int], _ dom: [UInt64]) -> Bool { a.indices.allSatisfy { dom[$0] & (1 << UInt64(a[$0])) != 0 } }
            for (a, w) in all where w <= best + tau {
                #expect(inside(a, strict), "strict reduction removed a value of \(a) (objective \(w), optimum \(best)) on #\(n)")
            }
            let expected = lexicographicOptimum(model, prices: prices)
            #expect(inside(expected, both), "reduction removed a value of the tie rule's \(expected) on #\(n)")
            let reducedBest = all.filter { inside($0.0, both) }.map(\.1).min()!
            #expect(abs(reducedBest - best) <= 1e-12 * max(1, best), "reduced optimum \(reducedBest) ≠ \(best) on #\(n)")
            let capable = model.capable.map { $0.filter { $0 }.count }.reduce(0, +)
            removedStrict += capable - strict.map(\.nonzeroBitCount).reduce(0, +)
            removedWeak += capable - both.map(\.nonzeroBitCount).reduce(0, +)
        }
        // The test is not vacuous: both kinds of removal happen.
        #expect(removedStrict > 50 && removedWeak > removedStrict, "removed \(removedStrict) strictly, \(removedWeak) in all")
    }

    @Test("medium random DAGs (layered and multi-parent, 20–80 nodes, tie prices included): the optimum equals MILP's and the allocation the previous tie-rule path's (elimination with min-marginals)")
    func mediumInstancesAgreeWithMILPAndThePreviousPath() throws {
        var g = SplitMix64(seed: 2027_0004)
        var pieces = 0
        for n in 0..<12 {
            let shape: RandomWorkflow.Shape = n % 2 == 0 ? .layered : .dag
            let inst = try Instance(spec: RandomWorkflow.instance(shape, nodes: Int.random(in: 20...80, using: &g), perTier: Int.random(in: 1...3, using: &g),
                                                                  kappa: n % 3 == 0 ? 0.3 : 0, ties: n % 2 == 1, using: &g))
            var prices = inst.virtualBids
            if n % 3 == 1 { prices[2] = prices[1] }
            let pruned = try PrunedElimination(model: inst.model) { MILPSolver(model: inst.model) }
            let a = try pruned.solve(prices: prices)
            if n % 4 == 0 {
                let milp = try MILPSolver(model: inst.model).solve(prices: prices)
                #expect(abs(a.objective - milp.objective) <= 1e-7 * max(1, milp.objective), "MILP \(milp.objective) vs \(a.objective) on #\(n)")
            }
            if let old = try? SolverKind.elimination.make(for: inst.model, eliminationLimit: 1e6) {
                #expect(try old.solve(prices: prices).agents == a.agents, "previous path's allocation differs on #\(n)")
            }
            pieces += try pruned.reduce(prices: prices)?.pieces.filter { $0.nodes.count > 1 }.count ?? 0
        }
        #expect(pieces > 0, "no piece with more than one node: elimination on the pieces was never exercised")
    }

    @Test("a table limit too small for the reduced problem sends the call to the fallback, with the same allocation")
    func fallbackBeyondTheTableLimit() throws {
        var g = SplitMix64(seed: 2027_0005)
        var fellBack = 0
        for n in 0..<12 {
            let inst = try Instance(spec: RandomWorkflow.instance(.dag, nodes: 6, perTier: 2, kappa: 0.3, ties: true, using: &g))
            var prices = inst.virtualBids
            prices[1] = prices[0]
            let tight = try PrunedElimination(model: inst.model, tableLimit: 3) { try SolverKind.brute.make(for: inst.model) }
            if try tight.reduce(prices: prices) == nil { fellBack += 1 }
            #expect(try tight.solve(prices: prices).agents == lexicographicOptimum(inst.model, prices: prices), "#\(n)")
        }
        #expect(fellBack > 0)
    }

    @Test("the payments' saturation probe (one agent priced 1, the others 0: ties everywhere) is settled by weak dominance alone, at MILP's optimum")
    func saturationProbeReducesToConstants() throws {
        var g = SplitMix64(seed: 2027_0006)
        let inst = try Instance(spec: RandomWorkflow.instance(.layered, nodes: 60, using: &g))
        let pruned = try PrunedElimination(model: inst.model) { throw AllocationError.tooLarge("no fallback in this test") }
        for i in 0..<inst.agentCount {
            var unit = [Double](repeating: 0, count: inst.agentCount)
            unit[i] = 1
            let r = try #require(try pruned.reduce(prices: unit))
            #expect(r.pieces.isEmpty, "agent \(i): \(r.pieces.count) pieces left")
            let milp = try MILPSolver(model: inst.model).solve(prices: unit).objective
            #expect(abs(try pruned.solve(prices: unit).objective - milp) <= 1e-9 * max(1, milp), "agent \(i)")
        }
    }

    @Test("the certificate of tree DP and cutset conditioning never exceeds the true gap to the second-best allocation (brute force), and the wrapped solvers still return the tie rule's allocation")
    func certificatesAreSound() throws {
        var g = SplitMix64(seed: 2027_0007)
        var positive = 0, zero = 0
        for n in 0..<150 {
            let (inst, prices) = try Self.small(n, &g)
            let model = inst.model
            let all = allAllocations(model, prices: prices).map(\.1).sorted()
            let trueGap = all.count > 1 ? all[1] - all[0] : .infinity
            var certified: [(String, any CertifiedOptimum)] = []
            if model.isForest { certified.append(("tree", try TreeDP(model: model))) }
            if let c = try? CutsetConditioning(model: model, maxCut: 3) { certified.append(("cutset", c)) }
            for (name, s) in certified {
                let c = try s.certifiedOptimum(prices: prices)
                #expect(abs(c.value - all[0]) <= 1e-9 * max(1, all[0]), "\(name) value on #\(n)")
                #expect(c.gap <= trueGap + 1e-9 * max(1, all[0]), "\(name) certifies \(c.gap) but the second-best allocation is \(trueGap) above the optimum on #\(n)")
                if c.gap > 0 { positive += 1 } else { zero += 1 }
            }
            let expected = lexicographicOptimum(model, prices: prices)
            for kind in [SolverKind.auto, .cutset] + (model.isForest ? [.tree] : []) {
                guard let s = try? kind.make(for: model) else { continue }
                #expect(try s.solve(prices: prices).agents == expected, "\(kind) on #\(n)")
            }
        }
        // Both branches of the shortcut are exercised: settled by the certificate, and ties.
        #expect(positive > 25 && zero > 10, "\(positive) certified, \(zero) with a zero gap")
    }
}

@Suite("Pruned elimination prepared for one agent's price range")
struct PrunedRangeTests {
    @Test("with equal ends the range reduction removes what the plain one removes; within the range the prepared solver gives brute force's lexicographic optimum, its value and an optimum (ends, ties with other agents, random prices); outside it, the plain solver's answer", .tags(.slow), .fullLaneOnly)
    func preparedMatchesBruteForce() throws { try compareWithBruteForce(count: 200, seed: 2027_1203) }

    @Test("the same on 40 instances: the quick lane's check")
    func preparedMatchesBruteForceQuick() throws { try compareWithBruteForce(count: 40, seed: 2027_1206) }

    func compareWithBruteForce(count: Int, seed: UInt64) throws {
        var g = SplitMix64(seed: seed)
        var prepared = 0
        for n in 0..<count {
            let (inst, base) = try PrunedEliminationTests.small(n, &g)
            let model = inst.model
            let solver = try #require(try SolverKind.pruned.makeRaw(for: model) as? PrunedElimination)
            let costs = PricedCosts(model: model, prices: base, allowed: model.capable)
            let margin = DominanceReduction.margin(unary: costs.unary, model: model)
            #expect(solver.reduction.reduce(unaryLow: costs.unary, edgeLow: costs.edge, unaryHigh: costs.unary, edgeHigh: costs.edge, margin: margin)
                    == solver.reduction.reduce(unary: costs.unary, edge: costs.edge, margin: margin), "#\(n)")
            let i = n % model.agentCount
            let lo = base[i] * Double.random(in: 0.3...1, using: &g), hi = base[i] * Double.random(in: 1...4, using: &g) + 0.5
            guard let s = solver.specialised(agent: i, prices: base, range: lo...hi) else { continue }
            prepared += 1
            let probes = [lo, hi, Double.random(in: lo...hi, using: &g)] + base.filter { (lo...hi).contains($0) }
            for q in probes {
                var p = base
                p[i] = q
                let expected = lexicographicOptimum(model, prices: p)
                let best = model.objective(expected, prices: p)
                let tol = 1e-9 * max(1, abs(best))
                #expect(try s.solve(prices: p).agents == expected, "#\(n) agent \(i) at \(q)")
                #expect(abs(try s.optimalValue(prices: p) - best) <= tol, "optimalValue #\(n) agent \(i) at \(q)")
                let any = try s.anyOptimum(prices: p)
                #expect(model.isFeasible(any.agents) && abs(any.objective - best) <= tol, "anyOptimum #\(n) agent \(i) at \(q)")
            }
            var outside = base
            outside[i] = 2 * hi + 1
            #expect(try s.solve(prices: outside).agents == lexicographicOptimum(model, prices: outside), "outside the range #\(n)")
        }
        #expect(prepared >= count * 3 / 4, "prepared on \(prepared) of \(count)")
    }

    @Test("on medium random DAGs (20–80 nodes, tie prices included) the prepared solver's allocation equals the plain solver's at every probe")
    func preparedMatchesPlainOnMediumInstances() throws {
        var g = SplitMix64(seed: 2027_1205)
        var probes = 0
        for n in 0..<20 {
            let inst = try Instance(spec: RandomWorkflow.instance(n % 2 == 0 ? .layered : .dag, nodes: Int.random(in: 20...80, using: &g),
                                                                  ties: n % 3 == 0, using: &g))
            let solver = try #require(try SolverKind.pruned.makeRaw(for: inst.model) as? PrunedElimination)
            let base = inst.virtualBids
            let i = n % inst.agentCount
            guard let s = solver.specialised(agent: i, prices: base, range: base[i]...(3 * base[i] + 1)) else { continue }
            for q in [base[i], 3 * base[i] + 1] + base.filter { $0 >= base[i] && $0 <= 3 * base[i] + 1 } + (0..<4).map { _ in Double.random(in: base[i]...(3 * base[i] + 1), using: &g) } {
                var p = base
                p[i] = q
                let plain = try solver.solve(prices: p)
                #expect(try s.solve(prices: p).agents == plain.agents, "#\(n) agent \(i) at \(q)")
                #expect(abs(try s.optimalValue(prices: p) - plain.objective) <= 1e-9 * max(1, plain.objective), "#\(n) at \(q)")
                probes += 1
            }
        }
        #expect(probes >= 100, "only \(probes) probes")
    }
}

@Suite("Pruned elimination's incremental probes of one agent's price range")
struct IncrementalRangeProbeTests {
    /// The same prepared range answered by the incremental probes (only the pieces holding the
    /// agent re-run, the agent's entries and the constant rewritten in place) and by the reference
    /// path (every cost priced, every node folded, every piece run): the same allocation, value and
    /// optimum to the bit, at the range's ends, at tie prices, at random prices, and at a price
    /// probed again after others (the buffers hold the last probe's price).
    @Test("incremental probes equal whole-instance probes to the bit (solve, optimalValue, anyOptimum) on random DAGs with tied agents, in any probe order")
    func incrementalEqualsWholeInstance() throws {
        var g = SplitMix64(seed: 2027_1208)
        var probes = 0, skippedPieces = 0
        for n in 0..<8 {
            let inst = try Instance(spec: RandomWorkflow.instance(n % 2 == 0 ? .layered : .dag, nodes: Int.random(in: 20...60, using: &g),
                                                                  perTier: Int.random(in: 1...3, using: &g), kappa: n % 3 == 0 ? 0 : 0.3,
                                                                  ties: n % 3 == 0, bimodal: n % 4 == 1, using: &g))
            let solver = try #require(try SolverKind.pruned.makeRaw(for: inst.model) as? PrunedElimination)
            var reference = solver
            reference.rangeProbes = .wholeInstance
            var base = inst.virtualBids
            if n % 4 == 2, base.count > 1 { base[1] = base[0] }
            let i = n % inst.agentCount
            let range = base[i]...(3 * base[i] + 1)
            guard let fast = solver.specialised(agent: i, prices: base, range: range) as? PrunedElimination.RangeSolver,
                  let slow = reference.specialised(agent: i, prices: base, range: range) as? PrunedElimination.RangeSolver else { continue }
            #expect(slow.incremental == nil)
            let w = try #require(fast.incremental)
            skippedPieces += fast.plan.pieces.indices.filter { !w.holds($0) }.count
            let random = (0..<4).map { _ in Double.random(in: range, using: &g) }
            let ties = base.filter { range.contains($0) }
            for q in [range.upperBound, range.lowerBound] + random + ties + [random[0], range.upperBound] {
                var p = base
                p[i] = q
                let a = try fast.solve(prices: p), b = try slow.solve(prices: p)
                #expect(a.agents == b.agents && a.objective == b.objective, "#\(n) agent \(i) at \(q)")
                #expect(try fast.optimalValue(prices: p) == slow.optimalValue(prices: p), "#\(n) agent \(i) at \(q)")
                let c = try fast.anyOptimum(prices: p), d = try slow.anyOptimum(prices: p)
                #expect(c.agents == d.agents && c.objective == d.objective, "#\(n) agent \(i) at \(q)")
                probes += 1
            }
        }
        #expect(probes >= 50, "only \(probes) probes")
        #expect(skippedPieces > 0, "no piece without the agent: the reused runs were not exercised")
    }
}
