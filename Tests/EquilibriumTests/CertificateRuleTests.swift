import Foundation
import Testing
@testable import Equilibrium

/// Issue 25: a certificate never reports convergence on an ε estimate that is more negative
/// than the target (noise larger than the target), infinite, or from too few profiles.
@Suite("Equilibrium certificate: when it may say converged")
struct CertificateRuleTests {
    static func agent(_ rel: Double) -> AgentCertificate {
        let e = Estimate(mean: rel, ciLow: rel, ciHigh: rel, count: 40)
        return AgentCertificate(agent: "a", epsilon: e, equilibriumUtility: Estimate(mean: 1, ciLow: 1, ciHigh: 1, count: 40),
                                relativeEpsilon: e, inSampleEpsilon: 0, worstType: 0, worstGain: 0)
    }
    static func certificate(_ rels: [Double]) -> Certificate {
        Certificate(perAgent: rels.map(agent), samples: 40, types: 5, bids: 9, target: 0.01)
    }

    @Test("relative ε −22 % on one agent, or +∞, is not converged; within ±target is", arguments: [
        ([0.005, -0.22], false), ([0.005, .infinity], false), ([0.005, .nan], false), ([0.005, -0.004], true), ([0.009, 0.0], true), ([0.011], false),
    ] as [([Double], Bool)])
    func rule(rels: [Double], converged: Bool) {
        #expect(Self.certificate(rels).converged == converged, "\(rels)")
    }

    @Test("fewer than 10 certificate profiles are refused, naming certificateSamples")
    func minimumSamples() throws {
        for n in [2, 9] {
            let c = EquilibriumConfig(grid: 3, samples: 10, iterations: 1, certificateSamples: n)
            #expect(throws: EquilibriumError.self) { try c.validate() }
            do { try c.validate() } catch { #expect("\(error)".contains("certificateSamples"), "\(error)") }
        }
        try EquilibriumConfig(grid: 3, samples: 10, iterations: 1, certificateSamples: 10).validate()
    }
}
