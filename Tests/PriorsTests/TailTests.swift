import Foundation
import Testing
@testable import Priors
import LabNumerics
import LabIO

/// Far tails, extreme shapes and quantile robustness (issues "STAR truthful for every
/// prior" and "Hardening").
///
/// No expected value here comes from the code under test: they are closed forms
/// (truncated exponential, via libm's `expm1`, not GSL), identities, a GSL-independent
/// Simpson rule, or constants computed with mpmath at 60 significant digits by
/// `/tmp/priors-ref/ref.py` (reproduced in the comment of `MpmathReference`).
/// Every input x is the double literal shown, and mpmath evaluated at that exact double.
@Suite("Priors: far tails and extreme shapes")
struct TailTests {
    static func rel(_ a: Double, _ b: Double) -> Double {
        a == b ? 0 : abs(a - b) / max(abs(a), abs(b))
    }

    // MARK: closed forms

    /// Truncated exponential on [lo, hi] with rate λ, t = x − lo, u = hi − x, w = hi − lo:
    /// F = expm1(−λt)/expm1(−λw), 1 − F = (e^{−λt} − e^{−λw})/(1 − e^{−λw})
    /// = e^{−λt}·(1 − e^{−λu})/(1 − e^{−λw}), f = λe^{−λt}/(1 − e^{−λw}),
    /// φ_cost = x + expm1(λt)/λ, φ_value = x + expm1(−λu)/λ.
    @Test("truncated exponential far in the tail matches its closed form",
          arguments: [(10.0, 4.0, 4.3), (100.0, 10.0, 10.01), (1.0, 0.0, 50.0), (3.0, 200.0, 200.5), (0.5, 1.0, 2.0)])
    func exponentialClosedForm(rate: Double, lo: Double, hi: Double) throws {
        let p = try TruncatedExponentialPrior(rate: rate, low: lo, high: hi)
        let w = hi - lo
        for k in 0...200 {
            let x = lo + w * Double(k) / 200
            let t = x - lo, u = hi - x
            let F = expm1(-rate * t) / expm1(-rate * w)
            let S = -expm1(-rate * u) * exp(-rate * t) / -expm1(-rate * w)
            let f = rate * exp(-rate * t) / -expm1(-rate * w)
            let phiCost = x + expm1(rate * t) / rate
            let phiValue = x + expm1(-rate * u) / rate
            #expect(Self.rel(p.cdf(x), F) <= 1e-12 || abs(p.cdf(x) - F) <= 1e-300, "cdf(\(x)) = \(p.cdf(x)), expected \(F)")
            #expect(Self.rel(p.survival(x), S) <= 1e-12 || abs(p.survival(x) - S) <= 1e-300, "survival(\(x)) = \(p.survival(x)), expected \(S)")
            #expect(Self.rel(p.pdf(x), f) <= 1e-12, "pdf(\(x)) = \(p.pdf(x)), expected \(f)")
            if phiCost.isFinite {
                #expect(Self.rel(p.virtual(x, side: .cost), phiCost) <= 1e-12, "φ_cost(\(x)) = \(p.virtual(x, side: .cost)), expected \(phiCost)")
            } else {
                #expect(p.virtual(x, side: .cost) == .infinity)
            }
            #expect(Self.rel(p.virtual(x, side: .value), phiValue) <= 1e-12, "φ_value(\(x)) = \(p.virtual(x, side: .value)), expected \(phiValue)")
        }
    }

    @Test("the issue's example: exponential rate 10 on [4, 4.3] at 4.1")
    func exponentialIssueExample() throws {
        let p = try PriorSpec.parse(json: #"{"kind":"exponential","rate":10,"low":4,"high":4.3}"#).make()
        // mpmath: F = 0.66524095577482056, φ = 4.1 + (e − 1)/10 = 4.271828182845903 (was 0 and 4.1).
        #expect(abs(p.cdf(4.1) - 0.66524095577482056) <= 1e-14)
        #expect(abs(p.virtual(4.1) - 4.271828182845903) <= 1e-13)
    }

    // MARK: mpmath constants

    /// Computed with mpmath 1.3.0, mp.dps = 60 (script /tmp/priors-ref/ref.py, not kept in
    /// the repository): for the base law with CDF F, survival S = 1 − F (both from
    /// `erfc`, or from `exp`/`expm1` for the exponential), density f, on [lo, hi]:
    /// the differences are taken on the small side (F if F(lo) < ½, else S) so that no
    /// `1 − 1` happens even at 60 digits; cdf = D/M, survival = E/M, pdf = f/M,
    /// φ_cost = x + D/f, φ_value = x − E/f with D = F(x) − F(lo), E = F(hi) − F(x),
    /// M = F(hi) − F(lo). Printed with "%.17g".
    struct Reference: Sendable, CustomStringConvertible {
        let spec: PriorSpec, x: Double, cdf: Double, survival: Double, pdf: Double, phiCost: Double, phiValue: Double
        var description: String { "\(spec) at \(x)" }
    }

    static let references: [Reference] = [
        .init(spec: .exponential(rate: 10, low: 4, high: 4.3), x: 4.000000001, cdf: 1.0523957783048871e-08, survival: 0.99999998947604218,
              pdf: 10.523956859672984, phiCost: 4.0000000020000002, phiValue: 3.9049787078865736),
        .init(spec: .exponential(rate: 10, low: 4, high: 4.3), x: 4.29, cdf: 0.99448949649680174, survival: 0.0055105035031982642,
              pdf: 0.5790619999445431, phiCost: 6.0074145369443066, phiValue: 4.2804837418035966),
        .init(spec: .exponential(rate: 100, low: 10, high: 10.01), x: 10.005, cdf: 0.6224593312019373, survival: 0.3775406687980627,
              pdf: 95.951737566740874, phiCost: 10.011487212707003, phiValue: 10.001065306597127),
        .init(spec: .normal(mean: 0, sd: 1, low: 8, high: 9), x: 8.001, cdf: 0.0080904354923223114, survival: 0.99190956450767764,
              pdf: 8.0581142105768446, phiCost: 8.0020040110230379, phiValue: 7.8779054969206408),
        .init(spec: .normal(mean: 0, sd: 1, low: 8, high: 9), x: 8.5, cdf: 0.98494062861682907, survival: 0.015059371383170969,
              pdf: 0.1312935084135198, phiCost: 16.001822752079079, phiValue: 8.3852999545435232),
        .init(spec: .normal(mean: 0, sd: 1, low: 8, high: 9), x: 8.9, cdf: 0.99973250949981185, survival: 0.00026749050018819837,
              pdf: 0.0040448130796272531, phiCost: 256.06408145909705, phiValue: 8.8338682666115069),
        .init(spec: .normal(mean: 0, sd: 1, low: -9, high: -8), x: -8.999, cdf: 1.6602007805120213e-06, survival: 0.99999833979921948,
              pdf: 0.0016676823350967305, phiCost: -8.9980044861988571, phiValue: -608.6325865374605),
        .init(spec: .normal(mean: 0, sd: 1, low: -9, high: -8), x: -8.5, cdf: 0.015059371383170969, survival: 0.98494062861682907,
              pdf: 0.1312935084135198, phiCost: -8.3852999545435232, phiValue: -16.001822752079079),
        .init(spec: .normal(mean: 0, sd: 1, low: -9, high: -8), x: -8.1, cdf: 0.44162459857987668, survival: 0.55837540142012332,
              pdf: 3.631624468775537, phiCost: -7.9783947507852373, phiValue: -8.2537536180353985),
        // Φ(−39) ≈ 1e-333 underflows in doubles: only log space gets these.
        .init(spec: .normal(mean: 0, sd: 1, low: -40, high: -39), x: -39.5, cdf: 2.9610481035545631e-09, survival: 0.99999999703895193,
              pdf: 1.1703626781863105e-07, phiCost: -39.474699739159973, phiValue: -8544399.4294248987),
        // Straddles z = 37, where log Q switches from GSL to the asymptotic series.
        .init(spec: .normal(mean: 0, sd: 1, low: 37, high: 38), x: 37.01, cdf: 0.30948655885237181, survival: 0.69051344114762814,
              pdf: 25.574532796287873, phiCost: 37.02210135728842, phiValue: 36.982999958722694),
        .init(spec: .normal(mean: 0, sd: 1, low: 37, high: 38), x: 37.5, cdf: 0.9999999919565179, survival: 8.043482129101929e-09,
              pdf: 3.0184477061173905e-07, phiCost: 3312998.6287611513, phiValue: 37.473352256152062),
        .init(spec: .normal(mean: 2, sd: 0.5, low: 0, high: 4), x: 0.3, cdf: 0.00030527736087000555, survival: 0.99969472263912995,
              pdf: 0.0024645944504797612, phiCost: 0.4238651498264065, phiValue: -405.32240268151543),
        .init(spec: .normal(mean: 2, sd: 0.5, low: 0, high: 4), x: 2.2, cdf: 0.65543158703308713, survival: 0.34456841296691282,
              pdf: 0.73658693785272622, phiCost: 3.0898224409786299, phiValue: 1.7322094443170726),
        .init(spec: .normal(mean: 2, sd: 0.5, low: 0, high: 4), x: 3.9, cdf: 0.9999593206211751, survival: 4.0679378824888872e-05,
              pdf: 0.00058393083921256573, phiCost: 1716.3619106770011, phiValue: 3.8303352792948129),
        .init(spec: .lognormal(mu: 0, sigma: 0.25, low: 20, high: 21), x: 20.5, cdf: 0.76943050604981356, survival: 0.23056949395018647,
              pdf: 0.79099534613640565, phiCost: 21.472737083483583, phiValue: 20.208507142202041),
        .init(spec: .lognormal(mu: 0, sigma: 0.25, low: 0.02, high: 0.03), x: 0.025, cdf: 2.631748050028505e-05, survival: 0.9999736825194997,
              pdf: 0.062415371603668411, phiCost: 0.02542165062586503, phiValue: -15.996272594021168),
        .init(spec: .lognormal(mu: 0, sigma: 0.25, low: 0, high: 0.001), x: 0.0005, cdf: 1.0428955298710269e-35, survival: 1,
              pdf: 2.5393613340529569e-30, phiCost: 0.00050410692057048262, phiValue: -3.937998057188444e+29),
    ]

    @Test("truncated normal / lognormal / exponential far tails match mpmath", arguments: references)
    func mpmathReference(_ r: Reference) throws {
        let p = try r.spec.make()
        #expect(Self.rel(p.cdf(r.x), r.cdf) <= 1e-11, "cdf = \(p.cdf(r.x)), expected \(r.cdf)")
        #expect(Self.rel(p.survival(r.x), r.survival) <= 1e-11, "survival = \(p.survival(r.x)), expected \(r.survival)")
        #expect(Self.rel(p.pdf(r.x), r.pdf) <= 1e-11, "pdf = \(p.pdf(r.x)), expected \(r.pdf)")
        // The contract is 1e-9 relative; the implementation does better.
        #expect(Self.rel(p.virtual(r.x, side: .cost), r.phiCost) <= 1e-12, "φ_cost = \(p.virtual(r.x, side: .cost)), expected \(r.phiCost)")
        #expect(Self.rel(p.virtual(r.x, side: .value), r.phiValue) <= 1e-12, "φ_value = \(p.virtual(r.x, side: .value)), expected \(r.phiValue)")
    }

    // MARK: identities

    static let tailSpecs: [PriorSpec] = [
        .exponential(rate: 10, low: 4, high: 4.3), .exponential(rate: 100, low: 10, high: 10.01), .exponential(rate: 1.5, low: 0, high: 4),
        .normal(mean: 0, sd: 1, low: 8, high: 9), .normal(mean: 0, sd: 1, low: -9, high: -8), .normal(mean: 0, sd: 1, low: -40, high: -39),
        .normal(mean: 0, sd: 1, low: 37, high: 38), .normal(mean: 1, sd: 0.3, low: 0.2, high: 2), .normal(mean: 0, sd: 1, low: -50, high: 50),
        .lognormal(mu: 0, sigma: 0.25, low: 20, high: 21), .lognormal(mu: 0, sigma: 0.25, low: 0.02, high: 0.03),
        .lognormal(mu: 0, sigma: 0.5, low: 0.1, high: 5), .lognormal(mu: 0, sigma: 0.25, low: 0, high: 0.001),
        .beta(alpha: 0.01, beta: 3, low: 0, high: 1), .beta(alpha: 50, beta: 0.05, low: 0, high: 1), .beta(alpha: 200, beta: 200, low: 0, high: 1),
        .beta(alpha: 2, beta: 5, low: 0, high: 3),
    ]

    @Test("F + (1 − F) = 1, quantile(cdf(x)) = x, cdf(quantile(p)) = p", arguments: tailSpecs)
    func identities(_ spec: PriorSpec) throws {
        let p = try spec.make()
        for k in 0...400 {
            let x = p.low + (p.high - p.low) * Double(k) / 400
            let F = p.cdf(x), S = p.survival(x)
            // The density may be +∞ only at an edge where it blows up (Beta shape below 1).
            let f = p.pdf(x)
            #expect(F.isFinite && S.isFinite && (f.isFinite || (f == .infinity && (k == 0 || k == 400))), "\(spec) at \(x): pdf \(f)")
            #expect(!p.virtual(x).isNaN && !p.virtual(x, side: .value).isNaN, "\(spec) at \(x)")
            #expect(abs(F + S - 1) <= 1e-15, "\(spec): F + S − 1 = \(F + S - 1) at \(x)")
            // Round trip where x is determined by F(x) (F strictly between 0 and 1 with room to
            // resolve x: both F and 1 − F above 1e-12).
            if F > 1e-12, S > 1e-12 {
                let q = p.quantile(F)
                #expect(abs(q - x) <= 1e-9 * max(1, abs(x)) || abs(p.cdf(q) - F) <= 1e-15, "\(spec): quantile(cdf(\(x))) = \(q)")
            }
        }
        var last = p.low
        for k in 1..<200 {
            let pr = Double(k) / 200
            let q = p.quantile(pr)
            #expect(q.isFinite && q >= last && q <= p.high, "\(spec): quantile(\(pr)) = \(q)")
            // The generalised inverse: F(q) ≥ p and F just below q is < p (one ulp tolerance of F).
            #expect(p.cdf(q) >= pr - 1e-12 * pr && p.cdf(q.nextDown) <= pr + 1e-12 * pr, "\(spec): F(quantile(\(pr))) = \(p.cdf(q))")
            last = q
        }
    }

    /// ∫_lo^x pdf = F(x) by composite Simpson (pure Swift, no GSL) on 20 000 panels per
    /// piece. The grid is split at quantiles 0.1…0.9 so that steep tails get points.
    @Test("∫ pdf = cdf by a GSL-independent Simpson rule", arguments: tailSpecs.filter {
        if case .beta(let a, let b, _, _) = $0 { return a >= 1 && b >= 1 }   // integrable singularity at an edge: skip
        return true
    })
    func integralOfDensity(_ spec: PriorSpec) throws {
        let p = try spec.make()
        func simpson(_ a: Double, _ b: Double, _ n: Int = 20_000) -> Double {
            let h = (b - a) / Double(n)
            var s = p.pdf(a) + p.pdf(b)
            for i in 1..<n { s += (i % 2 == 1 ? 4 : 2) * p.pdf(a + Double(i) * h) }
            return s * h / 3
        }
        let cuts = [p.low] + (1...9).map { p.quantile(Double($0) / 10) } + [p.high]
        var acc = 0.0
        for (a, b) in zip(cuts, cuts.dropFirst()) where b > a {
            acc += simpson(a, b)
            let F = p.cdf(b)
            #expect(abs(acc - F) <= 1e-10 * max(F, 1e-3), "\(spec): ∫ pdf to \(b) = \(acc), cdf = \(F)")
        }
    }

    // MARK: scaled Beta with extreme shapes

    @Test("the issue's example: Beta(0.01, 3) builds (GSL used to abort in betainv.c)")
    func betaIssueExample() throws {
        let spec = try PriorSpec.parse(json: #"{"kind":"beta","alpha":0.01,"beta":3,"low":0,"high":1}"#)
        let vc = try VirtualCost(spec: spec)   // what `auctionlab prior` does
        for k in 0...10 {
            let x = Double(k) / 10
            #expect(!vc.prior.cdf(x).isNaN && !vc.prior.pdf(x).isNaN && !vc.virtual(x).isNaN && !vc.ironed(x).isNaN)
        }
        _ = try VirtualCost(spec: spec, side: .value)
    }

    /// mpmath `betainc(a, b, 0, x, regularized=True)`, `betainc(b, a, 0, 1 − x, …)` and
    /// x^{a−1}(1−x)^{b−1}/B(a, b) at 60 digits; quantiles by bisection in mpmath.
    @Test("Beta(0.01, 3), Beta(50, 0.05), Beta(200, 200): cdf, pdf, quantile match mpmath")
    func betaExtremes() throws {
        let points: [(Double, Double, Double, Double, Double, Double)] = [
            // alpha, beta, x, F, S, f
            (0.01, 3, 0.1, 0.99002974479673267, 0.0099702552032672771, 0.080347515931626839),
            (0.01, 3, 1e-30, 0.50873010149336273, 0.49126989850663727, 5.0873010149336234e+27),
            (50, 0.05, 0.9, 4.996613826254741e-05, 0.99995003386173742, 0.0031860801747679197),
            (50, 0.05, 0.5, 2.1038236292661665e-18, 1, 2.1423106462872988e-16),
            (200, 200, 0.45, 0.022547053568539914, 0.97745294643146008, 2.158252975322378),
            (200, 200, 0.3, 3.5310788533570058e-17, 1, 1.3623118982116215e-14),
        ]
        for (a, b, x, F, S, f) in points {
            let p = try ScaledBetaPrior(alpha: a, beta: b, low: 0, high: 1)
            // GSL's incomplete beta is good to ~1e-13 relative for these shapes.
            #expect(Self.rel(p.cdf(x), F) <= 1e-11, "Beta(\(a), \(b)) cdf(\(x)) = \(p.cdf(x)), expected \(F)")
            #expect(Self.rel(p.survival(x), S) <= 1e-11, "Beta(\(a), \(b)) survival(\(x)) = \(p.survival(x)), expected \(S)")
            #expect(Self.rel(p.pdf(x), f) <= 1e-11, "Beta(\(a), \(b)) pdf(\(x)) = \(p.pdf(x)), expected \(f)")
        }
        let quantiles: [(Double, Double, Double, Double)] = [
            (0.01, 3, 0.5, 1.7711562650563261e-31), (0.01, 3, 0.9, 5.9636551002798406e-06),
            (50, 0.05, 0.01, 0.97827895293098799), (50, 0.05, 0.5, 0.99999998874551443),
            (200, 200, 0.3, 0.48688404849733669), (200, 200, 0.999, 0.57684434169748899),
        ]
        for (a, b, pr, q) in quantiles {
            let p = try ScaledBetaPrior(alpha: a, beta: b, low: 0, high: 1)
            #expect(Self.rel(p.quantile(pr), q) <= 1e-11, "Beta(\(a), \(b)) quantile(\(pr)) = \(p.quantile(pr)), expected \(q)")
        }
    }

    /// Where F and f both underflow (F(1e-7) ≈ 1.3e-347 for Beta(50, 3)), φ comes from the
    /// hypergeometric series. mpmath: F/f = 2.0000000078431381e-09 at x = 1e-7.
    @Test("Beta(50, 3) near low and Beta(3, 50) near high: φ where F and f underflow")
    func betaUnderflowingEdge() throws {
        let p = try ScaledBetaPrior(alpha: 50, beta: 3, low: 0, high: 1)
        #expect(Self.rel(p.virtual(1e-7, side: .cost), 1.0200000000784313e-07) <= 1e-12, "φ_cost = \(p.virtual(1e-7, side: .cost))")
        let q = try ScaledBetaPrior(alpha: 3, beta: 50, low: 0, high: 1)
        #expect(Self.rel(q.virtual(0.9999999, side: .value), 0.999999898) <= 1e-12, "φ_value = \(q.virtual(0.9999999, side: .value))")
        // Scaled to [2, 5]: the rent scales with the width.
        let s = try ScaledBetaPrior(alpha: 50, beta: 3, low: 2, high: 5)
        let x = 2 + 3e-7   // u = 1e-7 up to rounding of x
        let u = (x - 2) / 3
        // Rent = 3·u(1−u)/50·(1 + 53/51·u + O(u²)); the O(u²) term is 1e-14 of it.
        #expect(Self.rel(s.virtual(x, side: .cost), x + 3 * u / 50 * (1 - u) * (1 + 53.0 / 51 * u)) <= 1e-15)
    }

    /// Which edges are infinite, and never NaN: a density that vanishes at an edge gives
    /// φ = +∞ (cost) and −∞ (value) there; a density that blows up gives the finite limit.
    @Test("zero density at a support edge gives ±∞, never NaN")
    func zeroDensityEdges() throws {
        let p = try ScaledBetaPrior(alpha: 2, beta: 3, low: 1, high: 2)
        #expect(p.virtual(1, side: .cost) == .infinity)    // f(low) = 0 (α > 1)
        #expect(p.virtual(2, side: .cost) == .infinity)    // f(high) = 0 (β > 1), F/f → ∞ there
        #expect(p.virtual(1, side: .value) == -.infinity)
        #expect(p.virtual(2, side: .value) == -.infinity)
        let u = try ScaledBetaPrior(alpha: 0.5, beta: 0.5, low: 1, high: 2)
        #expect(u.virtual(1, side: .cost) == 1)            // f(low) = ∞: F/f = 0
        #expect(u.virtual(2, side: .value) == 2)
        let l = try TruncatedLognormalPrior(mu: 0, sigma: 0.5, low: 0, high: 3)
        #expect(l.virtual(0, side: .cost) == .infinity)    // lognormal density is 0 at 0
        #expect(!l.virtual(0, side: .value).isNaN)
    }

    @Test("parameters GSL cannot evaluate are refused at construction, naming the field")
    func refusal() throws {
        // gsl_cdf_beta_Pinv never returns for these (measured), and gsl_cdf_beta_P gives NaN.
        #expect(throws: FieldError.self) { try PriorSpec.beta(alpha: 1e6, beta: 1e6, low: 0, high: 1).make(path: "agents[2].prior") }
        do {
            _ = try PriorSpec.beta(alpha: 1e300, beta: 1, low: 0, high: 1).make(path: "agents[2].prior")
            Issue.record("Beta(1e300, 1) should be refused")
        } catch let e as FieldError {
            #expect(e.field == "agents[2].prior.alpha", "\(e)")
        }
    }

    // MARK: quantiles by bisection

    @Test("mixture quantile is the generalised inverse: the left end of a flat stretch, exactly")
    func mixtureQuantile() throws {
        let m = try PriorSpec.mixture([.init(weight: 0.5, prior: .uniform(low: 0, high: 1)),
                                       .init(weight: 0.5, prior: .uniform(low: 3, high: 4))]).make()
        #expect(m.quantile(0.5) == 1)
        #expect(abs(m.quantile(0.75) - 3.5) <= 4 * 3.5.ulp)
        // Components in far tails: the mixture CDF is tiny-stepped, bisection still lands.
        let t = try PriorSpec.mixture([.init(weight: 0.3, prior: .normal(mean: 0, sd: 1, low: 8, high: 9)),
                                       .init(weight: 0.7, prior: .exponential(rate: 10, low: 4, high: 4.3))]).make()
        for k in 1..<100 {
            let pr = Double(k) / 100
            let q = t.quantile(pr)
            #expect(t.cdf(q) >= pr - 1e-15 && t.cdf(q.nextDown) < pr + 1e-15, "quantile(\(pr)) = \(q), cdf = \(t.cdf(q))")
        }
    }

    @Test("double ordering used by the bisection is monotone")
    func orderedDouble() {
        let xs: [Double] = [-.greatestFiniteMagnitude, -1e300, -1, -Double.leastNonzeroMagnitude, -0.0, 0.0,
                            Double.leastNonzeroMagnitude, 1e-300, 1, 4.1, 1e300, .greatestFiniteMagnitude]
        for (a, b) in zip(xs, xs.dropFirst()) {
            #expect(OrderedDouble.key(a) < OrderedDouble.key(b), "\(a) < \(b)")
            #expect(OrderedDouble.value(OrderedDouble.key(a)).bitPattern == a.bitPattern)
        }
        #expect(OrderedDouble.key(4.1.nextUp) == OrderedDouble.key(4.1) + 1)
    }
}
