import Foundation
import Testing
import TestSupport
import LabNumerics
import Priors
import Workflows
@testable import Allocation

/// `Canonical.solve` for tree and cutset solvers (one `CutsetPlan.tieRule` call: the certificate,
/// then downward passes only under the cutset assignments that can tie) against
/// `Canonical.referenceSolve` (the certified optimum, then min-marginal passes over every
/// assignment): the same agents and the same objective bit for bit, and the tie rule's allocation
/// by brute force on the small instances.
@Suite("The tie rule's one-call plan path repeats the reference path bit for bit")
struct TieRulePlanTests {
    /// What the streams exercised, so that a test cannot pass vacuously.
    struct Counts {
        var compared = 0, bruteChecked = 0
        /// Price vectors at which the reference took its tie path (certificate ≤ 2τ).
        var tiePath = 0
        /// Of those, with a cutset, and with fewer assignments in reach than the cutset has.
        var tieWithCutset = 0, fewerInReach = 0
        /// Of those, where the node-by-node rule without the shortcut needed a second pass.
        var secondPass = 0
        /// Where the plan left the decision to the full passes (rounding fallback).
        var fallbacks = 0
        /// Where interchangeable agents spared downward passes (`CutsetPlan.interchangeable`), and
        /// of those, with two cut nodes or more (classes relabelled across cut nodes).
        var mirrored = 0, mirroredMultiCut = 0
    }

    /// Every `Canonical` with a plan that `model` gets (auto, tree on forests, cutset on almost-trees).
    static func solvers(_ model: CostModel) -> [(String, Canonical)] {
        var kinds: [SolverKind] = [.auto]
        if model.isForest { kinds.append(.tree) } else if (try? CutsetConditioning(model: model)) != nil { kinds.append(.cutset) }
        return kinds.compactMap { kind in
            guard let s = try? kind.make(for: model) as? Canonical, s.plan != nil else { return nil }
            return (kind.rawValue, s)
        }
    }

    /// Compares the two paths of every plan-backed solver of `model` at `prices`; with `brute`,
    /// also against the brute-force lexicographic optimum.
    static func check(_ model: CostModel, _ prices: [Double], _ label: String, brute: Bool, _ counts: inout Counts) throws {
        let expected = brute ? lexicographicOptimum(model, prices: prices) : nil
        for (name, s) in solvers(model) {
            let new = Result { try s.solve(prices: prices) }, old = Result { try s.referenceSolve(prices: prices) }
            switch (new, old) {
            case let (.success(a), .success(r)):
                #expect(a.agents == r.agents, "\(label) \(name): \(a.agents) ≠ reference \(r.agents)")
                #expect(a.objective.bitPattern == r.objective.bitPattern, "\(label) \(name): objective \(a.objective) vs \(r.objective)")
                if let expected {
                    #expect(a.agents == expected, "\(label) \(name): \(a.agents) ≠ brute force's \(expected)")
                    counts.bruteChecked += 1
                }
            case let (.failure(e), .failure(f)):
                #expect("\(e)" == "\(f)", "\(label) \(name): throws \(e), the reference \(f)")
            default:
                Issue.record("\(label) \(name): \(new) vs reference \(old)")
            }
            counts.compared += 1
            // What the plan did here (the counters only).
            guard let plan = s.plan, let lex = s.lex as? LexicographicForest,
                  let c = try? lex.cutsetSolver.certifiedOptimum(prices: prices) else { continue }
            let certified = c.gap > 2 * TieRule.tolerance(c.value, model)
            if let r = try? plan.tieRuleCounting(prices) {
                if r.result == nil { counts.fallbacks += 1 }
                if r.counts.mirrored > 0 {
                    counts.mirrored += 1
                    if plan.cut.count >= 2 { counts.mirroredMultiCut += 1 }
                }
                // The certificate's decision itself (the plan prunes against best + 4τ and stops at
                // the first node within 2τ; `search` finds the exact gap): the same on both sides.
                #expect((r.counts.inReach < 0) == certified, "\(label) \(name): certified \(r.counts.inReach < 0), the reference's gap \(c.gap)")
            }
            guard !certified else { continue }
            // The first pass's candidates (min-marginal within the limit) are the full passes': the
            // assignments left out of reach contribute none.
            var candidates: [Int] = []
            _ = try? plan.tieRuleCounting(prices, record: { candidates.append($0) })
            let full = lex.minMarginals(prices: prices, allowed: model.capable)
            let limit = full.best + TieRule.tolerance(full.best, model)
            #expect(candidates == full.marginal.indices.filter { full.marginal[$0] <= limit }, "\(label) \(name): first-pass candidates")
            counts.tiePath += 1
            // Node by node without the shortcut: a restricted pass after every real tie, on both sides.
            if let slow = try? lex.canonicalCountingPasses(prices: prices, shortcut: false),
               let plain = try? plan.tieRuleCounting(prices, shortcut: false), let p = plain.result {
                #expect(p.agents == slow.assignment.agents && p.objective.bitPattern == slow.assignment.objective.bitPattern,
                        "\(label) \(name) node by node: \(p.agents) ≠ reference \(slow.assignment.agents)")
                if slow.passes > 1 { counts.secondPass += 1 }
            }
            if !lex.cutset.isEmpty {
                counts.tieWithCutset += 1
                if let r = try? plan.tieRuleCounting(prices), r.counts.inReach < lex.cutset.reduce(1) { n, v in n * model.capable[v].filter { $0 }.count } { counts.fewerInReach += 1 }
            }
        }
    }

    /// Price vectors for an instance: its virtual bids, agent 1 priced like agent 0 (a breakpoint
    /// probe), every agent at one price, a saturation probe (1 for one agent, 0 for the others) and
    /// a random pair tied.
    static func priceVectors(_ inst: Instance, _ n: Int, _ g: inout SplitMix64) -> [[Double]] {
        var out = [inst.virtualBids]
        var p = inst.virtualBids
        guard p.count > 1 else { return out }
        p[1] = p[0]; out.append(p)
        out.append(p.map { _ in inst.virtualBids[n % p.count] })
        out.append(p.indices.map { $0 == n % p.count ? 1.0 : 0 })
        p = inst.virtualBids
        let i = Int.random(in: 0..<p.count, using: &g), j = Int.random(in: 0..<p.count, using: &g)
        p[j] = p[i]; out.append(p)
        return out
    }

    /// Instances built to tie (`TieInstances`: identical agents, bids on ironed stretches and flat
    /// stretches of φ̄, priors with zero density at an edge), every shape, 2–`maxNodes` nodes.
    /// Identical agents tie at every price vector here, so the interchangeable-agent path runs.
    static func stream(_ maker: TieInstances, count: Int, seed: UInt64, maxNodes: Int, _ counts: inout Counts) throws {
        var g = SplitMix64(seed: seed)
        for n in 0..<count {
            let shape = RandomWorkflow.Shape.allCases[n % RandomWorkflow.Shape.allCases.count]
            let inst = try maker.instance(shape, nodes: Int.random(in: 2...maxNodes, using: &g), groups: Int.random(in: 1...3, using: &g),
                                          kappa: n % 3 == 0 ? 0 : 0.3, using: &g)
            guard inst.model.capable.allSatisfy({ $0.contains(true) }) else { continue }
            let size = pow(Double(inst.model.agentCount), Double(inst.model.nodeCount))
            for (k, prices) in priceVectors(inst, n, &g).enumerated() {
                try check(inst.model, prices, "#\(n) (\(shape)) prices \(k)", brute: size <= 5_000, &counts)
            }
        }
    }

    @Test("instances built to tie from every prior family (`TieInstances.defaultFamilies`: ironed, zero density at an edge, gaps), at their bids and at tie prices: the plan path gives the reference's allocation and objective bit for bit, and brute force's lexicographic optimum")
    func tieInstancesQuick() throws {
        var counts = Counts()
        try Self.stream(try TieInstances(), count: 160, seed: 2028_0101, maxNodes: 7, &counts)
        #expect(counts.compared >= 500 && counts.bruteChecked >= 300, "\(counts)")
        // Not vacuous: the tie path ran with cutsets, skipped assignments, and needed second passes.
        #expect(counts.tiePath >= 100 && counts.tieWithCutset >= 30 && counts.fewerInReach >= 10 && counts.secondPass >= 5, "\(counts)")
        #expect(counts.fallbacks <= counts.tiePath / 10, "\(counts)")
        #expect(counts.mirrored >= 50, "\(counts)")
    }

    @Test("instances built to tie on `tiny-weight` priors (φ̄ up to 10¹² beside values near 1, left out of `TieInstances.defaultFamilies` for GLPK's sake), alone and mixed with every other family: the plan path gives the reference's allocation and objective bit for bit, and brute force's")
    func tinyWeight() throws {
        var counts = Counts()
        try Self.stream(try TieInstances(families: ["tiny-weight"]), count: 60, seed: 2028_0105, maxNodes: 7, &counts)
        try Self.stream(try TieInstances(families: TieInstances.defaultFamilies + ["tiny-weight"]), count: 60, seed: 2028_0106, maxNodes: 7, &counts)
        #expect(counts.compared >= 300 && counts.bruteChecked >= 150 && counts.tiePath >= 40 && counts.mirrored >= 10, "\(counts)")
    }

    @Test("the same on 1,500 larger instances (up to 12 nodes; brute force where M^V ≤ 5,000)", .tags(.slow), .fullLaneOnly)
    func tieInstances() throws {
        var counts = Counts()
        try Self.stream(try TieInstances(), count: 1_500, seed: 2028_0102, maxNodes: 12, &counts)
        #expect(counts.tiePath >= 1_000 && counts.fewerInReach >= 100 && counts.secondPass >= 50, "\(counts)")
    }

    @Test("random layered and multi-parent workflows of 8–40 nodes (auto's cutset: one or two cut nodes; exact ties between agents, κ 0 and 0.3) at bids, tie and saturation prices")
    func randomCutsetWorkflows() throws {
        var g = SplitMix64(seed: 2028_0103)
        var counts = Counts()
        for n in 0..<80 {
            let shape: RandomWorkflow.Shape = n % 2 == 0 ? .layered : .dag
            let inst = try Instance(spec: RandomWorkflow.instance(shape, nodes: Int.random(in: 8...40, using: &g), perTier: Int.random(in: 1...3, using: &g),
                                                                  kappa: n % 3 == 0 ? 0.3 : 0, ties: n % 2 == 0, using: &g))
            for (k, prices) in Self.priceVectors(inst, n, &g).enumerated() {
                try Self.check(inst.model, prices, "#\(n) (\(shape)) prices \(k)", brute: false, &counts)
            }
        }
        #expect(counts.tieWithCutset >= 20 && counts.mirrored >= 10 && counts.mirroredMultiCut >= 1, "\(counts)")
    }

    @Test("S1–S4 at 60 price vectors each drawn from their priors' ironed virtual costs, with agent pairs tied and every agent at one price")
    func paperInstances() throws {
        var counts = Counts()
        var g = SplitMix64(seed: 2028_0104)
        for label in ["s1", "s2", "s3", "s4"] {
            let path = Repository.path("Experiments/instances/\(label).json").path
            let inst = try Instance(spec: InstanceSpec.decode(try Data(contentsOf: URL(fileURLWithPath: path)), file: path))
            for n in 0..<60 {
                var prices = inst.priors.map { $0.ironed($0.prior.quantile(g.nextOpenUnit())) }
                switch n % 4 {
                case 1: prices[1] = prices[0]
                case 2: let i = Int.random(in: 0..<prices.count, using: &g); prices[(i + 1) % prices.count] = prices[i]
                case 3: prices = prices.map { _ in prices[0] }
                default: break
                }
                try Self.check(inst.model, prices, "\(label) #\(n)", brute: false, &counts)
            }
            try Self.check(inst.model, inst.virtualBids, "\(label) bids", brute: false, &counts)
            var tie = inst.virtualBids
            tie[1] = tie[0]
            try Self.check(inst.model, tie, "\(label) bench tie", brute: false, &counts)
        }
        #expect(counts.tiePath >= 40 && counts.tieWithCutset >= 20 && counts.mirrored >= 10, "\(counts)")
    }
}

/// `CutsetPlan.canonicalOrdinal` against brute force: on random cutset workflows with identical
/// agents at one price and two cut nodes or more, each assignment's representative is the
/// smallest ordinal among the assignments reached by permuting each class of interchangeable
/// agents (so two cut nodes on different agents of one class keep different agents).
@Suite("Interchangeable agents: each cutset assignment's representative")
struct CanonicalOrdinalTests {
    @Test("the representative is the smallest ordinal of the assignment's class, by brute force over the permutations of each class of interchangeable agents")
    func representatives() throws {
        var g = SplitMix64(seed: 2028_0107)
        var checked = 0, moved = 0, splitKept = 0
        for n in 0..<200 where checked < 400 {
            let inst = try Instance(spec: RandomWorkflow.instance(n % 2 == 0 ? .layered : .dag, nodes: Int.random(in: 8...30, using: &g),
                                                                  perTier: 3, ties: true, using: &g))
            guard let solver = try? CutsetConditioning(model: inst.model), solver.plan.cut.count >= 2 else { continue }
            let plan = solver.plan
            let V = plan.V, M = plan.M, E = plan.E, S = plan.S, C = plan.cut.count
            // Every agent priced alike: identical agents become interchangeable.
            let prices = [Double](repeating: inst.virtualBids[0], count: M)
            let unary = UnsafeMutablePointer<Double>.allocate(capacity: V * S), edge = UnsafeMutablePointer<Double>.allocate(capacity: max(1, E * S))
            let ints = UnsafeMutablePointer<Int>.allocate(capacity: 2 * M + 2 * C)
            defer { unary.deallocate(); edge.deallocate(); ints.deallocate() }
            let classOf = ints, members = ints + M, idx = members + M, canonical = idx + C
            plan.priced(prices, unary: unary, edge: edge)
            guard plan.interchangeable(unary: unary, edge: edge, allowed: plan.capable.baseAddress!, stride: S,
                                       classOf: classOf, members: members) > 0 else { continue }
            let sizes = (0..<C).map { plan.choiceStart[$0 + 1] - plan.choiceStart[$0] }
            let count = sizes.reduce(1, *)
            func agentsOf(_ ordinal: Int) -> [Int] {
                var r = ordinal, out = [Int](repeating: 0, count: C)
                for j in stride(from: C - 1, through: 0, by: -1) { out[j] = plan.choice[plan.choiceStart[j] + r % sizes[j]]; r /= sizes[j] }
                return out
            }
            func ordinalOf(_ agents: [Int]) -> Int? {
                var r = 0
                for j in 0..<C {
                    guard let p = (plan.choiceStart[j]..<plan.choiceStart[j + 1]).first(where: { plan.choice[$0] == agents[j] }) else { return nil }
                    r = r * sizes[j] + (p - plan.choiceStart[j])
                }
                return r
            }
            // Every permutation of the agents that maps each class onto itself.
            var perms: [[Int]] = [Array(0..<M)]
            for c in 0..<M where classOf[c] == c {
                let cls = (0..<M).filter { classOf[$0] == c }
                guard cls.count > 1 else { continue }
                func permutations(_ xs: [Int]) -> [[Int]] { xs.count <= 1 ? [xs] : xs.indices.flatMap { i in permutations(xs.enumerated().filter { $0.offset != i }.map(\.element)).map { [xs[i]] + $0 } } }
                perms = perms.flatMap { p in permutations(cls).map { q in var p = p; for (k, a) in cls.enumerated() { p[a] = q[k] }; return p } }
            }
            for ordinal in 0..<count {
                let a = agentsOf(ordinal)
                let expected = perms.compactMap { p in ordinalOf(a.map { p[$0] }) }.min()!
                let r = plan.canonicalOrdinal(ordinal, classOf: classOf, idx: idx, canonical: canonical)
                #expect(r == expected, "#\(n) \(a): representative \(agentsOf(r)), expected \(agentsOf(expected))")
                checked += 1
                if r != ordinal { moved += 1 }
                if (0..<C).contains(where: { i in (0..<i).contains { a[$0] != a[i] && classOf[a[$0]] == classOf[a[i]] } }) { splitKept += 1 }
            }
        }
        // Not vacuous: assignments moved, and some with two cut nodes on different agents of one class.
        #expect(checked >= 200 && moved >= 40 && splitKept >= 5, "checked \(checked), moved \(moved), split \(splitKept)")
    }
}
