import Testing
import TestSupport
import LabNumerics
import Priors
import Workflows
@testable import Allocation
@testable import Mechanisms
import Payments

/// Payments where ironing makes agents tie (issue 13), against closed forms.
///
/// The cost-side textbook prior ¼·U[0,5] + ¾·U[5,8] irons on [c₁, c₂] = [(5+√5)/2, (9+√5)/2]
/// at φ̄ = 5 + √5 (Myerson's ¾·U[0,3] + ¼·U[3,8] mirrored by c = 8 − v).
@Suite("Payments on ironed stretches and at zero-density edges")
struct FlatStretchTests {
    static let r5 = 5.0.squareRoot()
    static let c1 = (5 + r5) / 2, c2 = (9 + r5) / 2

    static func oneNode(_ bids: [Double], family: String = "ironing-mixture", low: Double = 0, high: Double = 8) throws -> Instance {
        let prior = try PriorZoo.spec(family, low: low, high: high)
        let agents = bids.enumerated().map { AgentSpec(id: "a\($0.offset)", tier: 1, rho: 0.25, bid: $0.element, prior: prior) }
        return try Instance(spec: InstanceSpec(agents: agents, nodes: [NodeSpec(id: "n", difficulty: 1, inputTokens: 0, outputTokens: 1)], edges: []))
    }
    static let methods: [PaymentMethod] = [.exact, .bisection(epsilon: 1e-9)]

    @Test("two identical agents bidding 4.0 and 4.2 (both on the stretch): the tie-winner is paid the stretch's top under both methods")
    func tieWinnerPaidTopOfStretch() throws {
        let inst = try Self.oneNode([4.0, 4.2])
        for m in Self.methods {
            let o = try STAR().run(inst, options: .init(payment: m))
            #expect(o.assignment == [0])
            #expect(abs(o.payments[0] - Self.c2) <= 1e-9, "\(m): paid \(o.payments[0]), expected \(Self.c2)")
            #expect(o.payments[1] == 0)
        }
    }

    @Test("three identical agents on the stretch: same payment; a tie-loser that wins below the stretch is paid its bottom")
    func threeAgentsAndTieLoser() throws {
        for m in Self.methods {
            let o = try STAR().run(try Self.oneNode([4.5, 3.9, 5.5]), options: .init(payment: m))
            #expect(o.assignment == [0])
            #expect(abs(o.payments[0] - Self.c2) <= 1e-9)
            // Agent 1 bids 3.0 < c₁ (φ̄ = 6 < 5 + √5) and wins outright; at the stretch it would lose the tie to agent 0.
            let l = try STAR().run(try Self.oneNode([4.5, 3.0]), options: .init(payment: m))
            #expect(l.assignment == [1])
            #expect(abs(l.payments[1] - Self.c1) <= 1e-9, "\(m): tie-loser paid \(l.payments[1]), expected c₁ = \(Self.c1)")
        }
    }

    /// Under random tie-breaking among k tied agents, an agent on the stretch wins with probability
    /// 1/k up to c₂, so its expected payment is c₂/k (Myerson's optimal auction). Averaging the
    /// deterministic rule over the k! orders of the agents gives the same.
    @Test("averaged over the agents' orderings, the payment equals random tie-breaking's c₂/k", .tags(.slow), .fullLaneOnly, arguments: [2, 3])
    func orderingAverage(k: Int) throws {
        let bids = [4.0, 4.6, 5.1].prefix(k)
        func permutations(_ xs: [Int]) -> [[Int]] {
            xs.count <= 1 ? [xs] : xs.indices.flatMap { i in permutations(Array(xs[..<i] + xs[(i + 1)...])).map { [xs[i]] + $0 } }
        }
        let perms = permutations(Array(0..<k))
        var total = 0.0
        for p in perms {
            let o = try STAR().run(try Self.oneNode(p.map { bids[$0] }), options: .init())
            total += o.payments[p.firstIndex(of: 0)!]  // the agent that bids bids[0]
        }
        #expect(abs(total / Double(perms.count) - Self.c2 / Double(k)) <= 1e-12)
    }

    @Test("density zero at an edge: a lone Beta(2,3) agent is paid the top (φ = +∞ there), two are paid the other's bid")
    func zeroDensityEdges() throws {
        for m in Self.methods {
            let alone = try STAR().run(try Self.oneNode([0.3], family: "beta-zero-both", low: 0, high: 1), options: .init(payment: m))
            #expect(abs(alone.payments[0] - 1) <= 1e-9, "\(m): \(alone.payments[0])")
            // Beta(2,3) is regular, so with identical priors the threshold is the other's bid.
            let two = try STAR().run(try Self.oneNode([0.3, 0.55], family: "beta-zero-both", low: 0, high: 1), options: .init(payment: m))
            #expect(abs(two.payments[0] - 0.55) <= 1e-9, "\(m): \(two.payments[0])")
            for family in ["beta-zero-top", "beta-zero-bottom"] {
                let o = try STAR().run(try Self.oneNode([0.4, 0.6], family: family, low: 0, high: 1), options: .init(payment: m))
                #expect(abs(o.payments[0] - 0.6) <= 1e-9 && o.payments.allSatisfy(\.isFinite), "\(family) \(m): \(o.payments)")
            }
        }
    }

    @Test("random tie instances on every prior family: exact = bisection within ε·x, payments finite and IR, and identical across solver kinds", .tags(.slow), .fullLaneOnly)
    func exactMatchesBisectionEverywhere() throws {
        let maker = try TieInstances()
        var g = SplitMix64(seed: 2613)
        let eps = 1e-8
        for n in 0..<150 {
            let inst = try maker.instance(RandomWorkflow.Shape.allCases[n % 4], nodes: Int.random(in: 1...4, using: &g),
                                          groups: Int.random(in: 1...3, using: &g), kappa: n % 2 == 0 ? 0 : 0.3, using: &g)
            for mech in [STAR(), VCG()] as [any Mechanism] {
                let exact = try mech.run(inst, options: .init())
                let bis = try mech.run(inst, options: .init(payment: .bisection(epsilon: eps)))
                #expect(exact.assignment == bis.assignment)
                for i in 0..<inst.agentCount {
                    #expect(exact.payments[i].isFinite && exact.payments[i] >= inst.bids[i] * exact.workloads[i] - 1e-9 * max(1, exact.payments[i]),
                            "\(mech.name) #\(n) agent \(i): payment \(exact.payments[i]) below cost \(inst.bids[i] * exact.workloads[i])")
                    #expect(abs(exact.payments[i] - bis.payments[i]) <= eps * exact.workloads[i] + 1e-9 * max(1, exact.payments[i]),
                            "\(mech.name) #\(n) agent \(i): exact \(exact.payments[i]) vs bisection \(bis.payments[i])")
                }
                if n % 5 == 0 {
                    for kind in [SolverKind.elimination, .milp, .brute] {
                        let o = try mech.run(inst, options: .init(solver: kind))
                        #expect(o.assignment == exact.assignment && zip(o.payments, exact.payments).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) },
                                "\(mech.name) #\(n): --solver \(kind) changed the outcome")
                    }
                }
            }
        }
    }
}
