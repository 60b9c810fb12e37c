import Foundation
import LabIO
import Testing
@testable import Equilibrium

/// Issue 25: a certificate never reports convergence from too few profiles (2 gave "converged"
/// at relative ε −22 %) or on an infinite or NaN ε.
@Suite("Equilibrium certificate: when it may say converged")
struct CertificateRuleTests {
    /// An agent whose relative ε has mean `rel` and interval [rel − half, rel + half].
    static func agent(_ rel: Double, half: Double = 0) -> AgentCertificate {
        let e = Estimate(mean: rel, ciLow: rel - half, ciHigh: rel + half, count: 40)
        return AgentCertificate(agent: "a", epsilon: e, equilibriumUtility: Estimate(mean: 1, ciLow: 1, ciHigh: 1, count: 40),
                                relativeEpsilon: e, inSampleEpsilon: 0, worstType: 0, worstGain: 0)
    }
    static func certificate(_ rels: [Double]) -> Certificate {
        Certificate(perAgent: rels.map { agent($0) }, samples: 40, types: 5, bids: 9, target: 0.01)
    }

    @Test("relative ε +∞ or NaN on one agent is not converged; finite and at most target is", arguments: [
        ([0.005, .infinity], false), ([0.005, .nan], false), ([0.005, -0.004], true), ([0.009, 0.0], true), ([0.011], false), ([0.02, -0.3], false),
    ] as [([Double], Bool)])
    func rule(rels: [Double], converged: Bool) {
        #expect(Self.certificate(rels).converged == converged, "\(rels)")
    }

    @Test("a negative estimate from the cross-fitting bias (−1.07 % [−2.4 %, +0.26 %], as the analytic n = 2 first-price equilibrium gives) still converges")
    func noisyNegative() {
        let c = Certificate(perAgent: [Self.agent(0.005), Self.agent(-0.0107, half: 0.0133)], samples: 300, types: 19, bids: 37, target: 0.01)
        #expect(c.converged)
    }

    @Test("fewer than 10 certificate profiles are refused, naming certificateSamples")
    func minimumSamples() throws {
        for n in [2, 9] {
            let c = EquilibriumConfig(grid: 3, samples: 10, iterations: 1, certificateSamples: n)
            #expect(throws: FieldError.self) { try c.validate() }
            do { try c.validate() } catch { #expect("\(error)".contains("certificateSamples"), "\(error)") }
        }
        try EquilibriumConfig(grid: 3, samples: 10, iterations: 1, certificateSamples: 10).validate()
    }
}
