import Foundation
import Testing
@testable import Priors
import LabNumerics

/// The same law as `base`, behind a type the ironing code does not recognise: `VirtualCost` then
/// runs the full machinery (sampled curve, lower hull, refinement, monotonicity check) on it.
struct Opaque: Prior {
    let base: any Prior
    var support: ClosedRange<Double> { base.support }
    var breakpoints: [Double] { base.breakpoints }
    func pdf(_ x: Double) -> Double { base.pdf(x) }
    func cdf(_ x: Double) -> Double { base.cdf(x) }
    func survival(_ x: Double) -> Double { base.survival(x) }
    func quantile(_ p: Double) -> Double { base.quantile(p) }
    func costRatio(_ x: Double) -> Double { base.costRatio(x) }
    func valueRatio(_ x: Double) -> Double { base.valueRatio(x) }
}

/// Log-concave kinds skip the ironing (`CostSideIroning.knownMonotone`); here the skipped
/// computation is run anyway and must agree.
@Suite("Priors: the log-concave fast path equals full ironing")
struct LogConcaveFastPathTests {
    /// Log-concave kinds, cut in the middle, at the mode, at both edges of a tail, barely (almost
    /// the whole normal) and narrowly (almost flat), on the cost and the value side.
    static let monotone: [(String, PriorSpec)] = [
        ("uniform", .uniform(low: 0.5, high: 5)),
        ("normal mid-support", .normal(mean: 2, sd: 1, low: 0.5, high: 5)),
        ("normal cut at its mean (low)", .normal(mean: 0.5, sd: 1, low: 0.5, high: 5)),
        ("normal cut at its mean (high)", .normal(mean: 5, sd: 1, low: 0.5, high: 5)),
        ("normal far upper tail", .normal(mean: -6.25, sd: 1.8, low: 0.5, high: 5)),
        ("normal far lower tail", .normal(mean: 12, sd: 1.5, low: 0.5, high: 5)),
        ("normal nearly untruncated", .normal(mean: 10, sd: 0.5, low: 0, high: 20)),
        ("normal nearly flat", .normal(mean: 2, sd: 100, low: 0.5, high: 5)),
        ("exponential steep", .exponential(rate: 10 / 4.5, low: 0.5, high: 5)),
        ("exponential far out", .exponential(rate: 10, low: 4, high: 4.3)),
        ("exponential nearly flat", .exponential(rate: 1e-3, low: 0, high: 5)),
        ("beta(1,1)", .beta(alpha: 1, beta: 1, low: 0.5, high: 5)),
        ("beta(2,3)", .beta(alpha: 2, beta: 3, low: 0.5, high: 5)),
        ("beta(1,3)", .beta(alpha: 1, beta: 3, low: 0.5, high: 5)),
        ("beta(5,1.5)", .beta(alpha: 5, beta: 1.5, low: 0.5, high: 5)),
    ]

    @Test("fast path = full ironing: no stretch or gap found, φ̄ equal to 1e-12 on a dense grid and next to the edges",
          arguments: [Side.cost, Side.value])
    func agrees(side: Side) throws {
        for (name, spec) in Self.monotone {
            let prior = try spec.make()
            #expect(CostSideIroning.knownMonotone(prior) && !CostSideIroning.knownMonotone(Opaque(base: prior)), "\(name)")
            let fast = try VirtualCost(prior: prior, side: side)
            let full = try VirtualCost(prior: Opaque(base: prior), side: side)
            #expect(fast.intervals.isEmpty && fast.gaps.isEmpty)
            #expect(full.intervals.isEmpty, "\(name) \(side): full ironing found \(full.intervals)")
            #expect(full.gaps.isEmpty, "\(name) \(side): full ironing found gaps \(full.gaps)")
            let lo = prior.low, hi = prior.high
            var xs = (0...2000).map { lo + (hi - lo) * Double($0) / 2000 }
            xs += [lo.nextUp, hi.nextDown, lo + 1e-9 * (hi - lo), hi - 1e-9 * (hi - lo)]
            for x in xs {
                let a = fast.ironed(x), b = full.ironed(x)
                if !a.isFinite || !b.isFinite { #expect(a == b, "\(name) \(side) at \(x): \(a) vs \(b)"); continue }
                #expect(abs(a - b) <= 1e-12 * max(1, abs(a)), "\(name) \(side) at \(x): \(a) vs \(b)")
            }
        }
    }

    @Test("the theorem's conclusion, checked from F and f alone: F/f non-decreasing and (1 − F)/f non-increasing on the fast-path kinds")
    func ratiosMonotone() throws {
        for (name, spec) in Self.monotone {
            let p = try spec.make()
            let lo = p.low, hi = p.high
            // Interior points where the density is not negligible (far-tail quotients of two
            // underflowing numbers are outside what doubles resolve).
            let xs = (1..<1000).map { lo + (hi - lo) * Double($0) / 1000 }.filter { p.pdf($0) > 1e-9 / (hi - lo) }
            let up = xs.map { p.cdf($0) / p.pdf($0) }, down = xs.map { p.survival($0) / p.pdf($0) }
            for k in 1..<xs.count {
                #expect(up[k] >= up[k - 1] * (1 - 1e-10), "\(name): F/f falls at \(xs[k])")
                #expect(down[k] <= down[k - 1] * (1 + 1e-10), "\(name): (1 − F)/f rises at \(xs[k])")
            }
        }
    }

    @Test("control: kinds that are not log-concave take the full path, and it irons the mixtures")
    func notLogConcave() throws {
        let ironed = try ["ironing-mixture", "gap-mixture", "narrow-dip"].map { try PriorZoo.spec($0, low: 0.5, high: 5).make() }
        for p in ironed {
            #expect(!CostSideIroning.knownMonotone(p))
            let vc = try VirtualCost(prior: p)
            #expect(!vc.intervals.isEmpty, "\(p)")
        }
        for spec in [PriorSpec.lognormal(mu: 0, sigma: 1, low: 0.5, high: 5), .beta(alpha: 0.5, beta: 2, low: 0.5, high: 5),
                     .beta(alpha: 2, beta: 0.9, low: 0.5, high: 5), .empirical(samples: [0.5, 1, 2, 5])] {
            #expect(!CostSideIroning.knownMonotone(try spec.make()), "\(spec)")
        }
    }
}
