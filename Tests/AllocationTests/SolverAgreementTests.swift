import Testing
import TestSupport
import LabNumerics
import Workflows
@testable import Allocation

@Suite("Allocation: exact solvers agree with brute force")
struct SolverAgreementTests {
    /// Instance #n of a seeded stream: shape n mod 4 (tree, chain, layered, DAG), 2–6 nodes, 1–2
    /// agents per tier, κ 0 or 0.3 alternately, every third with two agents tied exactly.
    static func small(_ n: Int, _ g: inout SplitMix64) throws -> Instance {
        try Instance(spec: RandomWorkflow.instance(RandomWorkflow.Shape.allCases[n % 4], nodes: Int.random(in: 2...6, using: &g),
                                                   perTier: Int.random(in: 1...2, using: &g), kappa: n % 2 == 0 ? 0 : 0.3,
                                                   ties: n % 3 == 0, using: &g))
    }

    /// 2,000+ seeded instances: trees, chains, layered and multi-parent DAGs, κ ∈ {0, 0.3},
    /// per-agent ρ, and exact ties between agents.
    @Test(.tags(.slow), .fullLaneOnly) func allSolversMatchBruteForce() throws {
        var g = SplitMix64(seed: 20261124)
        for n in 0..<2000 {
            let shape = RandomWorkflow.Shape.allCases[n % 4]
            let inst = try Self.small(n, &g)
            let prices = inst.virtualBids
            let brute = try BruteForce(model: inst.model).solve(prices: prices)
            var solvers: [any AllocationSolver] = [try VariableElimination(model: inst.model)]
            if inst.model.isForest { solvers.append(try TreeDP(model: inst.model)) }
            if let c = try? CutsetConditioning(model: inst.model, maxCut: 3) { solvers.append(c) }
            if n % 10 == 0 { solvers.append(MILPSolver(model: inst.model)) }
            for s in solvers {
                let a = try s.solve(prices: prices)
                #expect(inst.model.isFeasible(a.agents), "\(s.name) infeasible on #\(n)")
                #expect(abs(a.objective - brute.objective) <= 1e-9 * max(1, abs(brute.objective)),
                        "\(s.name) objective \(a.objective) ≠ brute \(brute.objective) on instance #\(n) (\(shape))")
            }
        }
    }

    /// The shortcuts a threshold search takes: `optimalValue` (no allocation) and `anyOptimum` (no
    /// tie rule) of every raw solver and of every kind's tie-rule wrapper, against brute force, on
    /// instances with exact ties between agents.
    @Test(.tags(.slow), .fullLaneOnly) func optimalValueAndAnyOptimumMatchBruteForce() throws {
        var g = SplitMix64(seed: 20261126)
        for n in 0..<600 {
            let inst = try Self.small(n, &g)
            // Every fourth instance at a price vector where an agent's price equals another's (a tie).
            var prices = inst.virtualBids
            if n % 4 == 1, prices.count > 1 { prices[1] = prices[0] }
            let brute = try BruteForce(model: inst.model).solve(prices: prices)
            var solvers: [any AllocationSolver] = [try VariableElimination(model: inst.model)]
            if inst.model.isForest { solvers.append(try TreeDP(model: inst.model)) }
            if let c = try? CutsetConditioning(model: inst.model, maxCut: 3) { solvers.append(c) }
            for kind in [SolverKind.auto, .elimination, .brute] + (n % 20 == 0 ? [.milp] : []) { solvers.append(try kind.make(for: inst.model)) }
            let tol = 1e-9 * max(1, abs(brute.objective))
            for s in solvers {
                let v = try s.optimalValue(prices: prices)
                #expect(abs(v - brute.objective) <= tol, "\(s.name) optimalValue \(v) ≠ brute \(brute.objective) on #\(n)")
                let a = try s.anyOptimum(prices: prices)
                #expect(inst.model.isFeasible(a.agents), "\(s.name) anyOptimum infeasible on #\(n)")
                #expect(abs(inst.model.objective(a.agents, prices: prices) - brute.objective) <= tol, "\(s.name) anyOptimum not optimal on #\(n)")
            }
        }
    }

    /// The elimination order is min-fill's, or the better of min-fill and min-degree by largest
    /// bag (then total entries) once min-fill's width reaches 5; it is a permutation of the nodes, and solves as MILP does, on layered DAGs and
    /// random DAGs of 20–60 nodes (beyond brute force).
    @Test func eliminationOrderIsTheBetterGreedyOrder() throws {
        var g = SplitMix64(seed: 20261127)
        var compared = 0
        for n in 0..<24 {
            let shape: RandomWorkflow.Shape = n % 2 == 0 ? .layered : .dag
            let inst = try Instance(spec: RandomWorkflow.instance(shape, nodes: Int.random(in: 20...60, using: &g), perTier: 1,
                                                                  kappa: 0.3, using: &g))
            let ve = try VariableElimination(model: inst.model, tableLimit: .infinity)
            #expect(ve.order.sorted() == Array(0..<inst.model.nodeCount), "order is not a permutation on #\(n)")
            let fill = VariableElimination.greedyOrder(inst.model, minDegree: false).degrees.max() ?? 0
            let degree = VariableElimination.greedyOrder(inst.model, minDegree: true).degrees.max() ?? 0
            let expected = fill >= VariableElimination.secondOrderWidth ? min(fill, degree) : fill
            #expect(ve.width == expected, "width \(ve.width) vs min-fill \(fill), min-degree \(degree) on #\(n)")
            guard ve.width <= 4 else { continue }
            let prices = inst.virtualBids
            let a = try ve.solve(prices: prices), m = try MILPSolver(model: inst.model).solve(prices: prices)
            #expect(inst.model.isFeasible(a.agents))
            #expect(abs(a.objective - m.objective) <= 1e-7 * max(1, abs(m.objective)), "elimination \(a.objective) vs MILP \(m.objective) on #\(n)")
            compared += 1
        }
        #expect(compared >= 12, "only \(compared) of 24 instances were narrow enough to compare with MILP")
    }

    @Test func eliminationRefusesWideGraphs() throws {
        // A complete DAG on 8 nodes has width 7: 9^8 > 1e6 entries.
        var g = SplitMix64(seed: 1)
        var spec = RandomWorkflow.instance(.chain, nodes: 8, using: &g)
        spec.edges = (0..<8).flatMap { u in ((u + 1)..<8).map { EdgeSpec(from: "n\(u)", to: "n\($0)") } }
        let inst = try Instance(spec: spec)
        #expect(throws: AllocationError.self) { try VariableElimination(model: inst.model, tableLimit: 1e6) }
        let ve = try VariableElimination(model: inst.model, tableLimit: 1e9)
        #expect(ve.width == 7)
    }

    @Test func treeDPLinearStructureOnLargeForest() throws {
        var g = SplitMix64(seed: 2)
        let inst = try Instance(spec: RandomWorkflow.instance(.tree, nodes: 3000, using: &g))
        let a = try TreeDP(model: inst.model).solve(prices: inst.virtualBids)
        let b = try VariableElimination(model: inst.model).solve(prices: inst.virtualBids)
        #expect(abs(a.objective - b.objective) <= 1e-9 * abs(a.objective))
    }
}
