import Foundation
import Testing
@testable import Priors
import LabNumerics

/// `VirtualCost.bidStretch` walks ulps from a kind's closed-form φ⁻¹ (`virtualInverseGuess`)
/// instead of bisecting. The walk is only right if it stops at the same pair of adjacent doubles
/// as bisection; here the bisection runs on the same law behind `Opaque` (no guess, so the
/// reference never walks) and every stretch must be bit-identical.
@Suite("Priors: the closed-form inverse walk equals bisection")
struct InverseWalkTests {
    /// Supports: the paper's tiers, a unit one, a tiny width, large magnitudes, negative, one
    /// straddling 0, and a width of a few ulps.
    static let supports: [(Double, Double)] = [
        (0.025, 0.25), (0.05, 0.5), (0.5, 5), (0, 1), (1, 1 + 1e-12), (1e6, 1e9), (-5, -1), (-2, 3),
        (1, 1 + 8 * Double.ulpOfOne),
    ]

    /// Prices to invert: uniform draws over [φ(low) − w, φ(high) + w], exact values φ(x) of
    /// random types x and their neighbouring doubles (the payment's breakpoints are such values).
    static func prices(_ vc: VirtualCost, seed: UInt64) -> [Double] {
        var g = SplitMix64(seed: seed)
        let lo = vc.prior.low, hi = vc.prior.high
        let a = vc.ironed(lo), b = vc.ironed(hi), w = b - a
        var ps: [Double] = [a, b, a.nextUp, b.nextDown]
        for _ in 0..<300 { ps.append(a - w + 3 * w * g.nextOpenUnit()) }
        for _ in 0..<300 {
            let x = lo + (hi - lo) * g.nextOpenUnit()
            let v = vc.ironed(x)
            ps += [v, v.nextUp, v.nextDown]
        }
        return ps
    }

    @Test("uniform: bidStretch with the walk equals bisection, both sides", arguments: Side.allCases)
    func walkEqualsBisection(side: Side) throws {
        var compared = 0, walked = 0
        for (k, (lo, hi)) in Self.supports.enumerated() {
            let u = try UniformPrior(low: lo, high: hi)
            let fast = try VirtualCost(prior: u, side: side)
            let slow = try VirtualCost(prior: Opaque(base: u), side: side)
            #expect(slow.intervals.isEmpty && fast.intervals.isEmpty)
            for p in Self.prices(fast, seed: UInt64(100 + k)) {
                let f = fast.bidStretch(p), s = slow.bidStretch(p)
                #expect(f?.low == s?.low && f?.high == s?.high, "U[\(lo), \(hi)] \(side) p = \(p): walk \(String(describing: f)) vs bisection \(String(describing: s))")
                compared += 1
                if fast.walkedBoundary(p, { fast.ironed($0) < p }) != nil { walked += 1 }
            }
        }
        // The walk must actually be taken (else this test compares bisection with itself).
        #expect(walked > compared / 3, "walk taken on \(walked) of \(compared) prices")
    }

    /// The contract behind the walk: the computed φ of a uniform prior never decreases from one
    /// double to the next (checked on runs of consecutive doubles at random points and the ends).
    @Test("uniform: computed φ is non-decreasing over consecutive doubles", arguments: Side.allCases)
    func computedPhiMonotone(side: Side) throws {
        var g = SplitMix64(seed: 77)
        for (lo, hi) in Self.supports {
            let u = try UniformPrior(low: lo, high: hi)
            var starts = [lo, hi]
            for _ in 0..<50 { starts.append(lo + (hi - lo) * g.nextOpenUnit()) }
            for s in starts {
                var x = max(lo, s - 20 * s.ulp), prev = -Double.infinity
                for _ in 0..<40 where x <= hi {
                    let v = u.virtual(x, side: side)
                    #expect(v >= prev, "U[\(lo), \(hi)] \(side): φ(\(x)) = \(v) < \(prev)")
                    prev = v
                    x = x.nextUp
                }
            }
        }
    }

    /// Kinds without a provably monotone computed φ offer no guess, so they keep bisecting.
    @Test("no guess for kinds whose computed φ is not provably monotone")
    func noGuessElsewhere() throws {
        let specs: [PriorSpec] = [.normal(mean: 2, sd: 1, low: 0.5, high: 5), .exponential(rate: 2, low: 0.5, high: 5),
                                  .beta(alpha: 2, beta: 3, low: 0.5, high: 5)]
        for spec in specs {
            let p = try spec.make(path: "prior")
            #expect(p.virtualInverseGuess(2, side: .cost) == nil, "\(spec)")
        }
    }
}
