import Foundation
import Testing
import TestSupport
@testable import Priors
import LabNumerics

/// Random priors of every kind, including bimodal mixtures, from a seed.
enum RandomPriors {
    static func spec<G: RandomNumberGenerator>(_ g: inout G, depth: Int = 0) -> PriorSpec {
        let lo = Double.random(in: 0...2, using: &g)
        let hi = lo + Double.random(in: 0.5...4, using: &g)
        switch Int.random(in: 0..<(depth == 0 ? 8 : 6), using: &g) {
        case 0: return .uniform(low: lo, high: hi)
        case 1: return .normal(mean: Double.random(in: lo...hi, using: &g), sd: Double.random(in: 0.2...2, using: &g), low: lo, high: hi)
        case 2: return .lognormal(mu: Double.random(in: -0.5...1, using: &g), sigma: Double.random(in: 0.2...1, using: &g), low: lo, high: hi)
        case 3: return .beta(alpha: Double.random(in: 0.8...5, using: &g), beta: Double.random(in: 0.8...5, using: &g), low: lo, high: hi)
        case 4: return .exponential(rate: Double.random(in: 0.2...3, using: &g), low: lo, high: hi)
        case 5: return .empirical(samples: (0..<40).map { _ in (Double.random(in: lo...hi, using: &g) * 100).rounded() / 100 })
        default:
            // Bimodal: two narrow bumps far apart, unequal weights — φ decreases between them.
            let w = Double.random(in: 0.2...0.8, using: &g)
            let m1 = lo + 0.2 * (hi - lo), m2 = lo + 0.8 * (hi - lo)
            let sd = Double.random(in: 0.03...0.12, using: &g) * (hi - lo)
            return .mixture([.init(weight: w, prior: .normal(mean: m1, sd: sd, low: lo, high: hi)),
                             .init(weight: 1 - w, prior: depth == 0 && Bool.random(using: &g)
                                   ? .uniform(low: m2 - sd, high: min(hi, m2 + sd))
                                   : .normal(mean: m2, sd: sd, low: lo, high: hi))])
        }
    }
}

@Suite("Priors: properties over seeded random priors")
struct PropertyTests {
    static let count = 120

    @Test("ironed φ is non-decreasing, equals φ outside ironed intervals, and E[φ] = high (cost) / low (value)", .tags(.slow), .fullLaneOnly,
          arguments: [Side.cost, Side.value])
    func ironingProperties(side: Side) throws {
        var g = SplitMix64(seed: side == .cost ? 7 : 8)
        var ironedSeen = 0
        for n in 0..<Self.count {
            let spec = RandomPriors.spec(&g)
            let vc = try VirtualCost(spec: spec, side: side)
            if !vc.intervals.isEmpty { ironedSeen += 1 }
            let lo = vc.support.lowerBound, hi = vc.support.upperBound
            let xs = (0...600).map { lo + (hi - lo) * Double($0) / 600 }
            let ironed = xs.map(vc.ironed)
            let scale = max(1, abs(lo), abs(hi))
            // Far tails where the density is below 1e-9 of the uniform level are excluded:
            // there F/f is a ratio of two underflowing numbers (TheModel.md's "f → 0" trap),
            // outside the numerically reliable range.
            let floor = 1e-9 / (hi - lo)
            let reliable = xs.map { vc.prior.pdf($0) >= floor }
            for k in 1..<xs.count where ironed[k].isFinite && ironed[k - 1].isFinite && reliable[k] && reliable[k - 1] {
                #expect(ironed[k] >= ironed[k - 1] - 1e-9 * scale, "prior #\(n) \(spec): φ̄ decreases at \(xs[k])")
            }
            for (x, v) in zip(xs, ironed) where !vc.intervals.contains(where: { x >= $0.low && x <= $0.high }) {
                // At a zero-density edge with no mass beyond it φ is ±∞ by convention while φ̄ takes
                // the limit x (F/f → 0); everywhere else they are the same number.
                if vc.prior.pdf(x) == 0 && (side == .cost ? vc.prior.cdf(x) == 0 : vc.prior.survival(x) == 0) {
                    #expect(v == x, "prior #\(n): φ̄ at the zero-density edge \(x) is \(v)")
                    continue
                }
                #expect(v == vc.virtual(x), "prior #\(n): φ̄ ≠ φ outside the ironed intervals at \(x)")
            }
            let e = try vc.expectedVirtual()
            let target = side == .cost ? hi : lo
            #expect(abs(e - target) <= 1e-6 * max(1, abs(target)), "prior #\(n) \(spec): E[φ] = \(e), expected \(target)")
            // Integral of the ironed φ against f is also the same (ironing preserves the area under R′).
            if !vc.intervals.isEmpty {
                let p = vc.prior
                let eIroned = try Integrate.integral({ x in let f = p.pdf(x); return f > 0 ? vc.ironed(x) * f : 0 }, from: lo, to: hi,
                                                     breakpoints: p.breakpoints + vc.intervals.flatMap { [$0.low, $0.high] },
                                                     epsRel: 1e-10).value
                #expect(abs(eIroned - target) <= 1e-6 * max(1, abs(target)), "prior #\(n): E[φ̄] = \(eIroned)")
            }
        }
        #expect(ironedSeen >= 10, "the generator must produce priors that need ironing (saw \(ironedSeen))")
    }

    @Test("where φ is increasing on the whole support, nothing is ironed")
    func regularPriorsNotIroned() throws {
        for spec: PriorSpec in [.normal(mean: 1, sd: 0.5, low: 0, high: 3), .exponential(rate: 1, low: 0, high: 4),
                                .beta(alpha: 2, beta: 3, low: 1, high: 2), .lognormal(mu: 0, sigma: 0.5, low: 0.1, high: 5)] {
            #expect(try VirtualCost(spec: spec).intervals.isEmpty, "\(spec)")
        }
    }

    @Test("sampling is reproducible from a seed and matches the CDF (KS distance)")
    func sampling() throws {
        var g = SplitMix64(seed: 99)
        for _ in 0..<20 {
            let p = try RandomPriors.spec(&g).make()
            var a = SplitMix64(seed: 5), b = SplitMix64(seed: 5)
            let xs = (0..<2000).map { _ in p.sample(using: &a) }
            #expect(xs == (0..<2000).map { _ in p.sample(using: &b) })
            let sorted = xs.sorted()
            let ks = sorted.enumerated().map { k, x in abs(p.cdf(x) - Double(k + 1) / Double(sorted.count)) }.max()!
            #expect(ks < 0.05, "KS distance \(ks)")
        }
    }
}
