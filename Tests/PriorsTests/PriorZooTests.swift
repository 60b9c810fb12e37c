import Testing
import TestSupport
@testable import Priors

@Suite("Prior zoo: every family irons to a non-decreasing φ̄ with exact stretches")
struct PriorZooTests {
    @Test("every family on several supports builds, irons and is monotone on a dense grid", .tags(.slow), .fullLaneOnly, arguments: PriorZoo.names)
    func family(name: String) throws {
        for (lo, hi) in [(0.0, 8.0), (0.1, 1.0), (2.5, 25.0)] {
            let vc = try VirtualCost(spec: PriorZoo.spec(name, low: lo, high: hi))
            var prev = -Double.infinity
            for k in 0...5_000 {
                let x = lo + (hi - lo) * Double(k) / 5_000
                guard vc.prior.pdf(x) > 0 || vc.gaps.contains(where: { $0.contains(x) }) else { continue }
                let v = vc.ironed(x)
                #expect(!v.isNaN, "\(name) on [\(lo), \(hi)]: φ̄(\(x)) is NaN")
                #expect(v >= prev - 1e-9 * max(1, abs(prev)), "\(name) on [\(lo), \(hi)]: φ̄ decreases at \(x): \(prev) → \(v)")
                prev = max(prev, v)
            }
            if ["ironing-mixture", "narrow-dip"].contains(name) { #expect(!vc.intervals.isEmpty, "\(name) should need ironing") }
            if name == "gap-mixture" { #expect(vc.gaps.count == 1) }
        }
    }

    /// The textbook case in closed form: ¼·U[0,5] + ¾·U[5,8] irons on [(5+√5)/2, (9+√5)/2] at φ̄ = 5 + √5.
    @Test func textbookStretch() throws {
        let vc = try VirtualCost(spec: PriorZoo.spec("ironing-mixture", low: 0, high: 8))
        try #require(vc.intervals.count == 1)
        let iv = vc.intervals[0], r5 = 5.0.squareRoot()
        #expect(abs(iv.low - (5 + r5) / 2) <= 1e-13)
        #expect(abs(iv.high - (9 + r5) / 2) <= 1e-13)
        #expect(abs(iv.value - (5 + r5)) <= 1e-13)
        // The stretch's bids map back exactly (what payments use).
        let st = try #require(vc.bidStretch(iv.value))
        #expect(st.low == iv.low && st.high == iv.high)
        // Single-valued at the shared edge 5: the right-hand density 0.25, not 0.25 + 0.05.
        #expect(abs(vc.prior.pdf(5) - 0.25) <= 1e-15)
    }
}
