import Foundation
import Testing
@testable import Priors
import LabNumerics
import LabIO

/// `PriorCache`: one built curve per canonical spec, bounded, safe to share between threads.
@Suite("Priors: the prior cache")
struct PriorCacheTests {
    /// One spec of every kind, each written twice in JSON with different spellings (key order,
    /// spaces, `2` vs `2.0` vs `2e0`), so that only decoding can make them equal.
    static let spellings: [(String, String)] = [
        (#"{"kind":"uniform","low":0.5,"high":5}"#, #"{ "high": 5.0, "low": 5e-1, "kind": "uniform" }"#),
        (#"{"kind":"normal","mean":2,"sd":1,"low":0.5,"high":5}"#, #"{"high":5,"low":0.50,"sd":1.0,"mean":2e0,"kind":"normal"}"#),
        (#"{"kind":"lognormal","mu":0.3,"sigma":0.5,"low":0.5,"high":5}"#, #"{"sigma":0.5,"mu":0.3,"kind":"lognormal","high":5.0,"low":0.5}"#),
        (#"{"kind":"beta","alpha":2,"beta":3,"low":0.5,"high":5}"#, #"{"beta":3.0,"alpha":2.0,"high":5,"low":0.5,"kind":"beta"}"#),
        (#"{"kind":"exponential","rate":2,"low":0.5,"high":5}"#, #"{"rate":2.0,"high":5,"low":0.5,"kind":"exponential"}"#),
        (#"{"kind":"mixture","components":[{"weight":0.25,"prior":{"kind":"uniform","low":0.5,"high":3.3125}},{"weight":0.75,"prior":{"kind":"uniform","low":3.3125,"high":5}}]}"#,
         #"{"components":[{"prior":{"high":3.3125,"low":0.5,"kind":"uniform"},"weight":2.5e-1},{"prior":{"kind":"uniform","high":5,"low":3.3125},"weight":0.75}],"kind":"mixture"}"#),
        (#"{"kind":"empirical","samples":[0.5,1,1,2.5,5]}"#, #"{"samples":[0.50,1.0,1e0,2.5,5.0],"kind":"empirical"}"#),
    ]

    /// φ̄ on a grid of the support, the ends included: what every caller reads from a curve.
    static func profile(_ vc: VirtualCost) -> [Double] {
        let lo = vc.support.lowerBound, hi = vc.support.upperBound
        return (0...200).map { vc.ironed(lo + (hi - lo) * Double($0) / 200) }
    }

    @Test("equal canonical specs (every kind, spelt differently) share one built curve: one build, then hits; the curve is the uncached one")
    func equalSpecsShare() throws {
        let cache = PriorCache()
        for (k, (a, b)) in Self.spellings.enumerated() {
            let sa = try PriorSpec.parse(json: a), sb = try PriorSpec.parse(json: b)
            #expect(PriorCache.key(sa, side: .cost) == PriorCache.key(sb, side: .cost), "\(a)")
            let first = try cache.curve(for: sa), second = try cache.curve(for: sb), third = try cache.curve(for: sa)
            #expect(cache.count == k + 1)
            #expect(cache.statistics == (hits: 2 * (k + 1), misses: k + 1), "\(cache.statistics)")
            let fresh = try VirtualCost(spec: sb)
            for curve in [first, second, third] {
                #expect(curve.intervals == fresh.intervals && curve.gaps == fresh.gaps)
                #expect(Self.profile(curve).map(\.bitPattern) == Self.profile(fresh).map(\.bitPattern), "\(a)")
            }
        }
    }

    @Test("different specs get different curves: one ulp apart, −0 vs 0, another side, another kind with the same numbers, reordered components")
    func differentSpecsDiffer() throws {
        let cache = PriorCache()
        let base = PriorSpec.normal(mean: 2, sd: 1, low: 0.5, high: 5)
        let variants: [(PriorSpec, Side)] = [
            (base, .cost),
            (base, .value),
            (.normal(mean: 2, sd: 1, low: 0.5, high: 5.0.nextUp), .cost),
            (.lognormal(mu: 2, sigma: 1, low: 0.5, high: 5), .cost),
            (.uniform(low: 0, high: 1), .cost),
            (.uniform(low: -0.0, high: 1), .cost),
            (.mixture([.init(weight: 0.5, prior: .uniform(low: 0, high: 1)), .init(weight: 0.5, prior: .uniform(low: 2, high: 3))]), .cost),
            (.mixture([.init(weight: 0.5, prior: .uniform(low: 2, high: 3)), .init(weight: 0.5, prior: .uniform(low: 0, high: 1))]), .cost),
        ]
        #expect(Set(variants.map { PriorCache.key($0.0, side: $0.1) }).count == variants.count)
        for (k, (spec, side)) in variants.enumerated() {
            let curve = try cache.curve(for: spec, side: side)
            #expect(cache.count == k + 1 && cache.statistics.misses == k + 1, "\(spec) \(side)")
            let fresh = try VirtualCost(spec: spec, side: side)
            #expect(curve.side == side && curve.support == fresh.support)
        }
        // The two sides of one prior really are different curves (φ = c + F/f vs v − (1 − F)/f).
        let cost = try cache.curve(for: base, side: .cost), value = try cache.curve(for: base, side: .value)
        #expect(cost.ironed(2) > 2 && value.ironed(2) < 2)
        #expect(cache.statistics.hits == 2)
    }

    @Test("bounded: the oldest curve goes first when the capacity or the key-word budget is exceeded")
    func bounded() throws {
        let cache = PriorCache(capacity: 3)
        let specs = (0..<5).map { PriorSpec.uniform(low: 0, high: Double($0 + 1)) }
        for s in specs { _ = try cache.curve(for: s) }
        #expect(cache.count == 3 && cache.statistics.misses == 5)
        _ = try cache.curve(for: specs[4]); _ = try cache.curve(for: specs[2])
        #expect(cache.statistics == (hits: 2, misses: 5))
        _ = try cache.curve(for: specs[0])   // evicted: built again
        #expect(cache.statistics == (hits: 2, misses: 6) && cache.count == 3)
        // An empirical prior of 10 samples has 12 key words: a budget of 30 keeps two of them.
        let small = PriorCache(wordBudget: 30)
        let samples = (0..<3).map { k in PriorSpec.empirical(samples: (0..<10).map { Double($0 + k) }) }
        for s in samples { _ = try small.curve(for: s) }
        #expect(small.count == 2)
        _ = try small.curve(for: samples[0])
        #expect(small.statistics == (hits: 0, misses: 4))
        // Larger than the whole budget: built and returned, not stored.
        let huge = PriorSpec.empirical(samples: (0..<40).map(Double.init))
        #expect(try small.curve(for: huge).support == 0...39)
        #expect(small.count == 2)
    }

    @Test("a spec that fails names the caller's path and is not stored")
    func failuresNotStored() throws {
        let cache = PriorCache()
        let bad = PriorSpec.normal(mean: 2, sd: -1, low: 0.5, high: 5)
        for path in ["agents[0].prior", "agents[3].prior"] {
            #expect(throws: FieldError(field: "\(path).sd", reason: "must be a positive finite number (got -1.0)")) {
                try cache.curve(for: bad, path: path)
            }
        }
        #expect(cache.count == 0 && cache.statistics == (hits: 0, misses: 2))
    }

    @Test("shared by 8 threads: every lookup gets the uncached curve, one entry per spec, hits + misses = lookups")
    func threads() throws {
        let cache = PriorCache()
        let specs: [PriorSpec] = [.uniform(low: 0.5, high: 5), .normal(mean: 2, sd: 1, low: 0.5, high: 5),
                                  .exponential(rate: 2, low: 0.5, high: 5), .empirical(samples: [0.5, 1, 1, 2.5, 5])]
        let expected = try specs.map { Self.profile(try VirtualCost(spec: $0)).map(\.bitPattern) }
        let wrong = Atomic()
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for k in 0..<40 {
                let j = (k + t) % specs.count
                guard let curve = try? cache.curve(for: specs[j]), Self.profile(curve).map(\.bitPattern) == expected[j] else { wrong.bump(); continue }
            }
        }
        #expect(wrong.value == 0)
        #expect(cache.count == specs.count)
        let s = cache.statistics
        #expect(s.hits + s.misses == 8 * 40 && s.misses >= specs.count && s.misses <= 8 * specs.count)
    }
}

/// A counter shared by threads.
final class Atomic: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func bump() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
