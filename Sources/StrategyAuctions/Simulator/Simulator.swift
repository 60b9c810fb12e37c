import Foundation
import LabNumerics

/// Draws a `SaleDataset` from a `Calibration` — the stand-in for running LLMs.
///
/// Per task: a domain, a bin, a latent difficulty ε ~ N(0,1) shared by all agents, and a
/// feature vector = (domain centroid + bin centroid + 0.3·ε·difficulty direction + noise),
/// normalised, so similar tasks are near in cosine and features carry a little of ε.
/// Per agent (Gaussian copula): latent ℓ = √ρ·ε + √(1−ρ)·η; the first attempt succeeds when
/// ℓ < Φ⁻¹(p), the refined one when ℓ < Φ⁻¹(p + g(1−p)) — refinement never loses a success.
/// A plan's latent quality q = s·(±1) + δ_a + N(0,1) (δ = `planQuality`, default 0) drives its length, entropy and every juror's
/// grade; the bidder's own grade gets `selfBias`. Deterministic for a seed: task k draws from
/// its own SplitMix64 stream, so the dataset does not depend on evaluation order or threads.
public struct Simulator: Sendable {
    /// The generative model's parameters (validated).
    public let calibration: Calibration
    /// The agents, cheapest first (the largest last, as ``Calibration`` assumes).
    public let agents: [SaleAgent]
    /// A simulator for `agents` under `calibration`.
    /// - Throws: `SaleError.invalid` naming the first `simulator.` field that does not fit the
    ///   agents (see ``Calibration/validate(agents:)``).
    public init(calibration: Calibration = .init(), agents: [SaleAgent] = SaleAgent.paper) throws {
        let bad = calibration.validate(agents: agents.count)
        if let b = bad.first { throw SaleError.invalid("simulator.\(b.field) \(b.reason)") }
        self.calibration = calibration; self.agents = agents
    }

    /// Draws `calibration.tasks` task records (with plans and refined attempts) from `seed`;
    /// the same seed gives the same dataset on any thread count. O(tasks · agents² + tasks · featureDim).
    public func dataset(seed: UInt64) -> SaleDataset {
        let cal = calibration, M = agents.count, dim = cal.featureDim
        var g = SplitMix64(seed: SplitMix64.derive(master: seed, index: 0, salt: 0xFEA7))
        func gauss(_ r: inout SplitMix64) -> Double { GSLDist.normalQuantile(r.nextOpenUnit()) }
        let domainCentroid = Domain.allCases.map { _ in (0..<dim).map { _ in gauss(&g) } }
        let binCentroid = SaleTask.bins.map { _ in (0..<dim).map { _ in 0.6 * gauss(&g) } }
        let hardDirection = (0..<dim).map { _ in gauss(&g) }
        let binCDF = cal.binShares.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1) }
        var records: [TaskRecord] = []
        records.reserveCapacity(cal.tasks)
        for k in 0..<cal.tasks {
            var r = SplitMix64(seed: SplitMix64.derive(master: seed, index: UInt64(k), salt: 0x7A5C))
            let domain: Domain = r.nextOpenUnit() < cal.deepSearchShare ? .deepSearch : .coding
            let u = r.nextOpenUnit()
            let bin = (binCDF.firstIndex { u <= $0 } ?? 4) + 1
            let eps = gauss(&r)
            let d = domain == .deepSearch ? 0 : 1
            var x = (0..<dim).map { i in domainCentroid[d][i] + binCentroid[bin - 1][i] + 0.3 * eps * hardDirection[i] / Double(dim).squareRoot() + cal.featureNoise * gauss(&r) }
            let n = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            x = x.map { $0 / n }
            let task = SaleTask(id: String(format: "t%04d", k), domain: domain, bin: bin, features: x)
            var attempts: [Attempt] = [], refined: [Attempt?] = []
            for a in 0..<M {
                let p = cal.success(agent: a, of: M, domain: domain, bin: bin)
                let pr = p + cal.refineGain * (1 - p)
                let latent = cal.successCorrelation.squareRoot() * eps + (1 - cal.successCorrelation).squareRoot() * gauss(&r)
                let tokenNoise = exp(cal.tokenSpread * gauss(&r))
                func attempt(_ prob: Double, _ r: inout SplitMix64) -> Attempt {
                    let ok = prob >= 1 || (prob > 0 && latent < GSLDist.normalQuantile(prob))
                    let tokens = (cal.tokensPerBin[bin - 1] * cal.tokenMultiplier[a] * tokenNoise * (ok ? 1 : cal.failureTokenFactor)).rounded()
                    return Attempt(plan: plan(agent: a, bin: bin, success: ok, &r), success: ok, tokens: tokens)
                }
                attempts.append(attempt(p, &r))
                refined.append(attempt(pr, &r))
            }
            records.append(TaskRecord(task: task, attempts: attempts, refined: refined))
        }
        return SaleDataset(agents: agents, records: records)
    }

    /// A plan's observable signals given whether executing it succeeds (SALE §3.2 bid).
    func plan(agent a: Int, bin: Int, success: Bool, _ r: inout SplitMix64) -> Plan {
        let cal = calibration
        func gauss() -> Double { GSLDist.normalQuantile(r.nextOpenUnit()) }
        var q = cal.signalStrength * (success ? 1 : -1) + gauss()
        if !cal.planQuality.isEmpty { q += cal.planQuality[a] }  // empty: no offset, draws unchanged
        let length = (cal.planLength * (1 + 0.15 * Double(bin - 1)) * exp(0.25 * gauss() - cal.planLengthQuality * q)).rounded()
        let entropy = cal.entropyBase - cal.entropyQuality * q - cal.entropySize * Double(a) + 0.08 * gauss()
        let grades = agents.indices.map { j -> Double in
            let g = 3 + cal.jurorSkill[j] * q + cal.jurorNoise[j] * gauss() + (j == a ? cal.selfBias : 0)
            return min(5, max(0, g.rounded()))
        }
        return Plan(length: max(1, length), entropy: entropy, grades: grades)
    }
}
