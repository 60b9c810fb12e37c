import Foundation
import Testing
import TestSupport
import LabNumerics
import Workflows
@testable import Allocation

/// `CutsetPlan.search` (the flat, allocation-free passes) against `CutsetConditioning.referenceSearch`
/// (the nested-array form it replaced, which tries every cutset assignment in order): the same
/// doubles bit for bit, the same allocation, the same certificate — so the plan's pruning of
/// assignments changes nothing — on random cyclic workflows and on S2 with prices drawn from its priors; likewise the
/// tie rule's min-marginal passes (`LexicographicForest`) against their reference form.
@Suite("Allocation: the cutset plan repeats the reference passes bit for bit")
struct CutsetPlanTests {
    /// Both searches at `prices`, every mode; a mismatch names `label`.
    static func compare(_ solver: CutsetConditioning, _ model: CostModel, _ prices: [Double], _ label: String) throws {
        for (traceback, certify) in [(false, false), (true, false), (true, true)] {
            let r = try solver.referenceSearch(prices, traceback: traceback, certify: certify)
            let p = try solver.plan.search(prices, traceback: traceback, certify: certify)
            // The same answer when the assignments are tried worst bound first (ties met the other way round).
            let q = try solver.plan.search(prices, traceback: traceback, certify: certify, reverse: true)
            #expect(q.value.bitPattern == r.value.bitPattern && q.agents == r.agents && (!certify || q.gap.bitPattern == r.gap.bitPattern),
                    "\(label) tried in reverse (traceback \(traceback), certify \(certify))")
            #expect(p.value.bitPattern == r.value.bitPattern, "\(label) value \(p.value) vs \(r.value) (traceback \(traceback))")
            #expect(p.agents == r.agents, "\(label) allocation (traceback \(traceback), certify \(certify))")
            // The gap is the certificate only when certifying (the plan leaves it out otherwise).
            if certify { #expect(p.gap.bitPattern == r.gap.bitPattern, "\(label) gap \(p.gap) vs \(r.gap)") }
            if !p.agents.isEmpty {
                let o = solver.plan.objective(p.agents, prices: prices), ref = model.objective(p.agents, prices: prices)
                #expect(o.bitPattern == ref.bitPattern, "\(label) objective \(o) vs \(ref)")
            }
        }
    }

    /// The tie rule's min-marginal passes, plan against reference, under `model.capable` and under
    /// random restrictions (some nodes fixed to one capable agent, as the tie rule fixes them).
    static func compareMarginals(_ lex: LexicographicForest, _ model: CostModel, _ prices: [Double], _ g: inout SplitMix64,
                                 _ label: String) {
        var allowed = model.capable
        for round in 0..<3 {
            let r = lex.referenceMinMarginals(prices: prices, allowed: allowed)
            let p = lex.minMarginals(prices: prices, allowed: allowed)
            #expect(p.best.bitPattern == r.best.bitPattern, "\(label) round \(round): optimum \(p.best) vs \(r.best)")
            #expect(p.marginal.map(\.bitPattern) == r.marginal.map(\.bitPattern), "\(label) round \(round): min-marginals")
            for _ in 0..<max(1, model.nodeCount / 4) {
                let v = Int.random(in: 0..<model.nodeCount, using: &g)
                let capable = (0..<model.agentCount).filter { model.capable[v][$0] }
                let a = capable.randomElement(using: &g)!
                allowed[v] = (0..<model.agentCount).map { $0 == a }
            }
        }
    }

    @Test("random layered and multi-parent workflows (1–3 cut nodes, ties between agents, κ 0 and 0.3) at their virtual bids, at a tied price and at a unit price vector; min-marginals with nodes fixed")
    func randomWorkflows() throws {
        var g = SplitMix64(seed: 20261207)
        var compared = 0
        for n in 0..<120 {
            let shape: RandomWorkflow.Shape = n % 2 == 0 ? .layered : .dag
            let spec = RandomWorkflow.instance(shape, nodes: Int.random(in: 5...14, using: &g), perTier: Int.random(in: 1...3, using: &g),
                                               kappa: n % 3 == 0 ? 0.3 : 0, ties: n % 4 == 0, using: &g)
            let inst = try Instance(spec: spec)
            guard let solver = try? CutsetConditioning(model: inst.model, maxCut: 3), !solver.cutset.isEmpty else { continue }
            var prices = inst.virtualBids
            try Self.compare(solver, inst.model, prices, "#\(n)")
            if let lex = try? LexicographicForest(model: inst.model, reusing: solver) { Self.compareMarginals(lex, inst.model, prices, &g, "#\(n)") }
            if prices.count > 1 { prices[1] = prices[0]; try Self.compare(solver, inst.model, prices, "#\(n) tied") }
            // A threshold search's saturation probe: price 1 for one agent, 0 for the others.
            let unit = prices.indices.map { $0 == n % prices.count ? 1.0 : 0 }
            try Self.compare(solver, inst.model, unit, "#\(n) unit")
            compared += 1
        }
        // The stream must have exercised the cutset path, not skipped every instance.
        #expect(compared >= 50, "only \(compared) instances had a cutset")
    }

    @Test("S2 (46 nodes, the merger as cutset, 9 agents) at 40 price vectors drawn from the priors' virtual costs, some with two agents tied; min-marginals at 10 of them")
    func s2() throws {
        let path = Repository.path("Experiments/instances/s2.json").path
        let inst = try Instance(spec: InstanceSpec.decode(try Data(contentsOf: URL(fileURLWithPath: path)), file: path))
        let solver = try CutsetConditioning(model: inst.model, maxCut: 2)
        #expect(solver.cutset.count == 1)
        let lex = try LexicographicForest(model: inst.model, reusing: solver)
        var g = SplitMix64(seed: 46)
        for n in 0..<40 {
            var prices = inst.priors.map { $0.ironed($0.prior.quantile(g.nextOpenUnit())) }
            if n % 5 == 4 { prices[4] = prices[3] }
            try Self.compare(solver, inst.model, prices, "S2 #\(n)")
            if n % 4 == 0 { Self.compareMarginals(lex, inst.model, prices, &g, "S2 #\(n)") }
        }
    }
}
