import Foundation
import Testing
import Mechanisms
import Payments
import Priors
import Truthfulness
import Workflows

// The code of the DocC tutorial "Add a mechanism" (Sources/Mechanisms/Mechanisms.docc/AddAMechanism.md).
// Every block between `tutorial:begin NAME` and `tutorial:end NAME` appears verbatim in that
// article; `TutorialSnippetTests` fails when the two drift apart. So the tutorial's code is the
// code this file compiles and runs.

// tutorial:begin weighted-star
/// STAR with a fixed weight per agent: the allocation minimises Σ_i w_i·φ̄_i(b_i)·x_i(A), so a
/// buyer can favour agents it trusts (w < 1) without giving up truthfulness. The price map
/// z ↦ w_i·φ̄_i(z) is non-decreasing, so the allocation is monotone in each bid and the
/// threshold payments of `OptimisationMechanism` make truthful bidding dominant (Myerson).
struct WeightedSTAR: OptimisationMechanism {
    /// One positive weight per agent, in the instance's agent order.
    let weights: [Double]
    var name: String { "weighted-star" }
    var claimsTruthful: Bool { true }

    func prices(_ inst: Instance) -> [Double] {
        zip(weights, inst.virtualBids).map { $0 * $1 }
    }

    func priceMap(_ inst: Instance, agent i: Int) -> PriceMap {
        PriceMap.virtual(inst.priors[i]).scaled(by: weights[i])
    }
}
// tutorial:end weighted-star

// tutorial:begin weighted-pay-as-bid
/// The same allocation paying each winner its own bid: a control that is *not* truthful.
struct WeightedPayAsBid: OptimisationMechanism {
    let weights: [Double]
    var name: String { "weighted-pay-as-bid" }
    var claimsTruthful: Bool { false }
    func paymentRule(_ options: MechanismOptions) -> any PaymentRule { OwnBidRule() }

    func prices(_ inst: Instance) -> [Double] {
        zip(weights, inst.virtualBids).map { $0 * $1 }
    }

    func priceMap(_ inst: Instance, agent i: Int) -> PriceMap {
        PriceMap.virtual(inst.priors[i]).scaled(by: weights[i])
    }
}
// tutorial:end weighted-pay-as-bid

@Suite("Tutorial: add a mechanism (weighted STAR), checked by the DSIC harness")
struct AddAMechanismTutorial {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("weighted STAR is truthful on an ironed, tying instance and on an asymmetric one; its pay-as-bid twin is caught")
    func weightedSTAR() throws {
        // tutorial:begin check
        // Two identical agents whose bimodal prior needs ironing (they tie on the ironed stretch).
        let path = Self.root.appendingPathComponent("Experiments/instances/tie-ironed.json").path
        let instance = try Instance(spec: InstanceSpec.decode(try Data(contentsOf: URL(fileURLWithPath: path)), file: path))

        let mechanism = WeightedSTAR(weights: [1.0, 0.9])
        let outcome = try mechanism.run(instance, options: MechanismOptions())
        print(outcome.assignment, outcome.payments)

        // The harness draws true costs from the priors, finds every step of x_i(z) from the
        // allocation rule alone and probes misreports around each: it never reads the mechanism's
        // own breakpoints to decide where to look.
        let report = try DSICHarness.check(mechanism, instance: instance, config: DSICConfig(profiles: 20, grid: 12, seed: 7))
        print("max regret", report.maxRegret, "identity error", report.identityError)
        // tutorial:end check
        let bound = 1e-9 * max(1, report.paymentScale)
        #expect(report.maxRegret <= bound, "weighted STAR regret \(report.maxRegret), worst \(String(describing: report.worst))")
        #expect(report.identityError <= bound)
        #expect(report.irViolations == 0)
        #expect(try #require(report.revenueEquivalence).holds)
        // The weight matters: with w = (1, 0.9) the second agent wins the tie region it lost at w = (1, 1).
        let equal = try WeightedSTAR(weights: [1, 1]).run(instance, options: MechanismOptions())
        let favoured = try WeightedSTAR(weights: [1, 0.5]).run(instance, options: MechanismOptions())
        #expect(equal.assignment == [0] && favoured.assignment == [1], "\(equal.assignment) vs \(favoured.assignment)")

        let control = try DSICHarness.check(WeightedPayAsBid(weights: [1.0, 0.9]), instance: instance,
                                            config: DSICConfig(profiles: 10, grid: 12, seed: 7))
        #expect(control.maxRegret > control.tolerance, "pay-as-bid twin not caught")
    }

    @Test("weighted STAR with all weights 1 is STAR: same allocation and payments on asymmetric prior families")
    func unitWeightsAreSTAR() throws {
        let families = ["uniform", "ironing-mixture", "beta-zero-top"]
        let agents = try families.enumerated().map { k, f in
            let prior = try PriorZoo.spec(f, low: Double(k), high: 8 + Double(k))
            return AgentSpec(id: "a\(k)", tier: 1, rho: 0.25 * Double(k + 1), bid: try prior.make().quantile(0.3), prior: prior)
        }
        let inst = try Instance(spec: InstanceSpec(agents: agents, nodes: [NodeSpec(id: "n", difficulty: 1, inputTokens: 100, outputTokens: 900)],
                                                   edges: []))
        let a = try WeightedSTAR(weights: [1, 1, 1]).run(inst, options: MechanismOptions())
        let b = try STAR().run(inst, options: MechanismOptions())
        #expect(a.assignment == b.assignment)
        for (p, q) in zip(a.payments, b.payments) { #expect(abs(p - q) <= 1e-12 * max(1, abs(q))) }
    }
}
