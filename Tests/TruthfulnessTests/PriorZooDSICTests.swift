import Foundation
import Testing
import TestSupport
import LabNumerics
import Mechanisms
import Priors
import Workflows
@testable import Truthfulness

/// A truthful mechanism's DSIC report: max regret and Myerson identity error within 1e-9 of the
/// payment scale, and no individual-rationality violation. `label` names the case in messages.
func expectTruthful(_ r: DSICReport, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let bound = 1e-9 * max(1, r.paymentScale)
    #expect(r.maxRegret <= bound, "\(label): regret \(r.maxRegret), worst \(String(describing: r.worst))", sourceLocation: sourceLocation)
    #expect(r.identityError <= bound, "\(label): identity error \(r.identityError)", sourceLocation: sourceLocation)
    #expect(r.irViolations == 0, "\(label)", sourceLocation: sourceLocation)
}

/// Every claim about the mechanisms, on every prior family (issue 13): uniform priors hide bugs.
/// Single-node instances with 2 and 3 identical agents (ties on ironed stretches) and with
/// asymmetric agents (different families, supports and ρ); the harness finds its own probes.
@Suite("DSIC on every prior family, with identical and asymmetric agents")
struct PriorZooDSICTests {
    static func node(_ agents: [(String, ClosedRange<Double>, Double)]) throws -> Instance {
        let specs = try agents.enumerated().map { k, a in
            let prior = try PriorZoo.spec(a.0, low: a.1.lowerBound, high: a.1.upperBound)
            let bid = try prior.make().quantile(0.25)
            return AgentSpec(id: "a\(k)", tier: 1, rho: a.2, bid: bid, prior: prior)
        }
        return try Instance(spec: InstanceSpec(agents: specs, nodes: [NodeSpec(id: "n", difficulty: 1, inputTokens: 200, outputTokens: 1000)],
                                               edges: []))
    }

    static func cases(_ family: String) throws -> [(String, Instance)] {
        [("2 identical", try node([(family, 0...8, 0.25), (family, 0...8, 0.25)])),
         ("3 identical", try node([(family, 0...8, 0.25), (family, 0...8, 0.25), (family, 0...8, 0.25)])),
         ("asymmetric", try node([(family, 0...8, 0.25), ("uniform", 1...6, 0.5), (family, 0.5...10, 1)]))]
    }

    @Test("star and vcg: max regret and identity error ≤ 1e-9 × payment scale, no IR violation, revenue equivalence holds; pay-as-bid caught", .tags(.slow), .fullLaneOnly,
          arguments: PriorZoo.names)
    func family(_ family: String) throws {
        for (label, inst) in try Self.cases(family) {
            for mech in [STAR(), VCG()] as [any Mechanism] {
                let r = try DSICHarness.check(mech, instance: inst, config: .init(profiles: 30, grid: 12, seed: 17))
                expectTruthful(r, "\(mech.name), \(family), \(label)")
                #expect(r.probes.located > 0 && r.probes.random > 0, "\(family), \(label): \(r.probes)")
                let re = try #require(r.revenueEquivalence)
                #expect(re.holds, "\(mech.name), \(family), \(label): E[P] \(re.expectedPayment) vs \(re.expectedVirtualCost), CI [\(re.ciLow), \(re.ciHigh)]")
            }
            let pab = try DSICHarness.check(PayAsBid(), instance: inst, config: .init(profiles: 10, grid: 12, seed: 17))
            #expect(pab.maxRegret > pab.tolerance, "pay-as-bid not caught on \(family), \(label)")
            #expect(pab.identityError > pab.tolerance, "pay-as-bid's payments satisfy Myerson's identity on \(family), \(label)?")
        }
    }

    @Test("a payment bug is caught without the mechanism's help: pay-as-bid reporting VCG's own breakpoints still shows regret and identity error")
    func harnessDoesNotTrustMechanism() throws {
        /// Pay-as-bid that claims no breakpoints at all: the harness must find the steps itself.
        struct Silent: Mechanism {
            var name: String { "silent-pay-as-bid" }
            var claimsTruthful: Bool { true }
            func run(_ i: Instance, options: MechanismOptions) throws -> Outcome { try PayAsBid().run(i, options: options) }
        }
        let inst = try Self.node([("ironing-mixture", 0...8, 0.25), ("ironing-mixture", 0...8, 0.25)])
        let r = try DSICHarness.check(Silent(), instance: inst, config: .init(profiles: 10, grid: 4, randomProbes: 0, seed: 3))
        #expect(r.probes.reported == 0 && r.probes.located > 0)
        #expect(r.maxRegret > r.tolerance && r.identityError > r.tolerance)
    }

    @Test("revenue equivalence needs the gap rent: on a prior with a zero-density gap it is positive and the identity holds with it", .tags(.slow), .fullLaneOnly)
    func gapRent() throws {
        let inst = try Self.node([("gap-mixture", 0...8, 0.25), ("gap-mixture", 0...8, 0.25)])
        let r = try DSICHarness.check(STAR(), instance: inst, config: .init(profiles: 200, grid: 6, seed: 5))
        let re = try #require(r.revenueEquivalence)
        #expect(re.expectedGapRent > 0.01 * re.expectedPayment, "gap rent \(re.expectedGapRent)")
        #expect(re.holds, "E[P] \(re.expectedPayment) vs \(re.expectedVirtualCost) (gap rent \(re.expectedGapRent))")
        // Without the gap rent the identity would be rejected: E[P] − E[φx] is about the rent.
        let se = (re.ciHigh - re.ciLow) / 2 / 1.96
        #expect(re.meanDifference + re.expectedGapRent > 3.29 * se, "gap rent \(re.expectedGapRent) not detectable (se \(se))")
    }
}
