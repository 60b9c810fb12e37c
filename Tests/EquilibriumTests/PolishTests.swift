import Foundation
import Testing
import TestSupport
import LabNumerics
import Mechanisms
import Priors
import Workflows
@testable import Equilibrium

/// The final polish (`EquilibriumSolver.polish`): who gets it, that it finds a known equilibrium,
/// and that it lowers the certified ε where it is used (Myopic on S4). Every ε here comes from
/// `certify`, which draws its own profiles and runs the mechanism directly.
@Suite("Equilibrium: the final polish of bid-independent payments")
struct PolishTests {
    @Test("the gate: Myopic's payment ignores the winner's bid (the runner-up's bid), pay-as-bid's is the bid")
    func gate() throws {
        let inst = try oneNodeThreeBids()
        let myopic = try OwnBidProfile(Myopic(), instance: inst, agent: 0, range: 1...2, options: .init())
        #expect(myopic.paymentIgnoresBid)
        // Written out: below the runner-up's bid 1.6 agent 0 wins and is paid 1.6 whatever it bids.
        for b in [1.0, 1.1, 1.3, 1.55] {
            let o = try Myopic().run(inst.withBid(0, b), options: .init())
            #expect(Swift.abs(o.payments[0] - 1.6) <= 1e-12, "bid \(b): paid \(o.payments[0])")
        }
        let firstPrice = try OwnBidProfile(PayAsBid(), instance: inst, agent: 0, range: 1...2, options: .init())
        #expect(!firstPrice.paymentIgnoresBid)
    }

    @Test("pay-as-bid is never polished: its strategies are bit-identical with and without a polish round")
    func payAsBidUntouched() throws {
        let inst = try singleNode(2, prior: .uniform(low: 1, high: 2), bid: 1.5)
        var config = EquilibriumConfig(grid: 5, samples: 40, iterations: 6, seed: 3, threads: 2, stopTolerance: 0, certificateSamples: 20)
        config.polishRounds = 1
        let with = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config)
        config.polishRounds = 0
        let without = try EquilibriumSolver.solve(PayAsBid(), instance: inst, config: config)
        #expect(with.strategies == without.strategies)
        #expect(with.solverRuns == without.solverRuns)
    }

    /// On one node Myopic is a second-price (procurement) auction, so bidding one's cost is a
    /// dominant strategy: the equilibrium is b(c) = c. The polish's exact best responses must find
    /// it; without the polish the damped logit iterations leave it further off.
    @Test("one node, Myopic = second price: the polished strategy is b(c) = c within 1 % of the width",
          .tags(.slow), .fullLaneOnly)
    func secondPriceClosedForm() throws {
        let (lo, hi) = (1.0, 2.0)
        let inst = try singleNode(3, prior: .uniform(low: lo, high: hi), bid: 1.5)
        var config = EquilibriumConfig(grid: 9, samples: 100, iterations: 10, seed: 5, threads: 2, stopTolerance: 0, certificateSamples: 100)
        func worst(_ r: EquilibriumResult) -> Double {
            // Types at which some rival can still lose to the agent (below the top); at the top the
            // agent never wins, so any bid is a best response there.
            let types = (1..<20).map { lo + (hi - lo) * Double($0) / 20 }
            return types.map { Swift.abs(r.strategies[0].bid($0) - $0) / (hi - lo) }.max()!
        }
        config.polishRounds = 1
        let polished = try EquilibriumSolver.solve(Myopic(), instance: inst, config: config)
        config.polishRounds = 0
        let plain = try EquilibriumSolver.solve(Myopic(), instance: inst, config: config)
        print("second price: worst |b(c) − c| polished \(worst(polished)), plain \(worst(plain)) of the width")
        #expect(worst(polished) <= 0.01)
        #expect(worst(polished) < worst(plain))
    }

    /// S4 under Myopic at small settings: the polished strategies' certified relative ε is below
    /// 1 % and below the unpolished ones' (same certificate, same profiles).
    @Test("S4, Myopic: the polish lowers the certified relative ε below 1 %", .tags(.slow), .fullLaneOnly)
    func s4Myopic() throws {
        let path = Repository.path("Experiments/instances/s4.json").path
        let inst = try Instance(spec: InstanceSpec.decode(try Data(contentsOf: URL(fileURLWithPath: path)), file: path))
        var config = EquilibriumConfig(grid: 9, samples: 60, iterations: 12, seed: 1, threads: 2, certificateSamples: 200, lowerEndKnot: true)
        config.stratifiedCertificate = true
        config.polishRounds = 1
        let polished = try EquilibriumSolver.solve(Myopic(), instance: inst, config: config)
        config.polishRounds = 0
        let plain = try EquilibriumSolver.solve(Myopic(), instance: inst, config: config)
        let (a, b) = (polished.certificate.maxRelativeEpsilon, plain.certificate.maxRelativeEpsilon)
        print("S4 Myopic: max relative ε polished \(a), plain \(b)")
        #expect(a <= 0.01)
        #expect(a < b)
    }
}
