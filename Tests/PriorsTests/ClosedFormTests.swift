import Foundation
import Testing
@testable import Priors
import LabNumerics
import LabIO

@Suite("Priors: closed forms")
struct ClosedFormTests {
    @Test("uniform cost prior: φ = 2c − low, no ironing")
    func uniformCost() throws {
        let vc = try VirtualCost(spec: .uniform(low: 0.3, high: 2.5))
        #expect(vc.intervals.isEmpty)
        for k in 0...50 {
            let c = 0.3 + 2.2 * Double(k) / 50
            #expect(abs(vc.virtual(c) - (2 * c - 0.3)) <= 1e-12)
            #expect(vc.ironed(c) == vc.virtual(c))
        }
    }

    @Test("textbook value-side mixture: U[0,3]·¾ + U[3,8]·¼ irons to 3−√5 on [(7−√5)/2, (11−√5)/2]")
    func textbookIroning() throws {
        let spec = PriorSpec.mixture([.init(weight: 0.75, prior: .uniform(low: 0, high: 3)),
                                      .init(weight: 0.25, prior: .uniform(low: 3, high: 8))])
        let vc = try VirtualCost(spec: spec, side: .value)
        let r5 = 5.0.squareRoot()
        let a = (7 - r5) / 2, b = (11 - r5) / 2, s = 3 - r5
        try #require(vc.intervals.count == 1)
        let iv = vc.intervals[0]
        #expect(abs(iv.low - a) <= 1e-9)
        #expect(abs(iv.high - b) <= 1e-9)
        #expect(abs(iv.value - s) <= 1e-9)
        for k in 0...400 {
            let v = 8 * Double(k) / 400
            let expected = v < a ? 2 * v - 4 : (v <= b ? s : 2 * v - 8)
            #expect(abs(vc.ironed(v) - expected) <= 1e-9, "v = \(v)")
        }
        // Flat means equal: every point of the stretch returns the identical Double.
        let inside = stride(from: a + 1e-6, through: b - 1e-6, by: 0.01).map(vc.ironed)
        #expect(Set(inside).count == 1)
    }

    @Test("cost-side mirror of the textbook case irons to the negated constant")
    func mirroredCostSide() throws {
        // c = 8 − v: the cost-side prior U[5,8]·¾ + U[0,5]·¼ has φ̄_cost(c) = 8 − φ̄_value(8 − c)? No: reflect
        // around 0 instead, c = −v, on [−8, 0]: φ̄_cost(c) = −φ̄_value(−c).
        let value = try VirtualCost(spec: .mixture([.init(weight: 0.75, prior: .uniform(low: 0, high: 3)),
                                                    .init(weight: 0.25, prior: .uniform(low: 3, high: 8))]), side: .value)
        let cost = try VirtualCost(spec: .mixture([.init(weight: 0.75, prior: .uniform(low: -3, high: 0)),
                                                   .init(weight: 0.25, prior: .uniform(low: -8, high: -3))]), side: .cost)
        for k in 0...80 {
            let v = 8 * Double(k) / 80
            #expect(abs(cost.ironed(-v) + value.ironed(v)) <= 1e-9)
        }
    }

    @Test("inverse of the ironed φ returns the left end of a flat stretch")
    func inverseOnFlat() throws {
        let cost = try VirtualCost(spec: .mixture([.init(weight: 0.5, prior: .uniform(low: 0, high: 1)),
                                                   .init(weight: 0.5, prior: .uniform(low: 3, high: 4))]))
        for iv in cost.intervals {
            #expect(cost.inverseIroned(iv.value) == iv.low)
        }
        let u = try VirtualCost(spec: .uniform(low: 1, high: 3))
        // φ = 2z − 1 ⇒ φ⁻¹(p) = (p + 1)/2
        for p in [1.0, 2.0, 3.7, 5.0] {
            #expect(abs(u.inverseIroned(p)! - (p + 1) / 2) <= 1e-12)
        }
        #expect(u.inverseIroned(5.5) == nil)
    }

    @Test("bad parameters name the field")
    func badInput() throws {
        func message(_ json: String) -> String {
            do { _ = try PriorSpec.parse(json: json).make(); return "" } catch { return "\(error)" }
        }
        #expect(message(#"{"kind":"triangle","low":0,"high":1}"#).contains("kind"))
        #expect(message(#"{"kind":"uniform","low":0}"#).contains("high"))
        #expect(message(#"{"kind":"uniform","low":2,"high":1}"#).contains("low"))
        #expect(message(#"{"kind":"normal","mean":0,"sd":-1,"low":0,"high":1}"#).contains("sd"))
        #expect(message(#"{"kind":"mixture","components":[{"weight":0.5,"prior":{"kind":"uniform","low":0,"high":1}}]}"#).contains("sum to 1"))
        #expect(message(#"{"kind":"mixture","components":[{"weight":1,"prior":{"kind":"uniform","low":0}}]}"#).contains("components"))
        #expect(message(#"{"kind":"empirical","samples":[1,1,1]}"#).contains("samples"))
        #expect(message(#"{"kind":"uniform","low":"a","high":1}"#).contains("low"))
        let vc = try VirtualCost(spec: .uniform(low: 0, high: 1))
        #expect(throws: FieldError(field: "agents[0].bid", reason: "= 1.5 is outside the prior's support [0.0, 1.0]")) {
            try vc.checkedIroned(1.5, field: "agents[0].bid")
        }
        #expect(throws: FieldError(field: "agents[0].bid", reason: "must be a finite number (got nan)")) { try vc.checkedIroned(.nan, field: "agents[0].bid") }
        let gap = try VirtualCost(spec: .mixture([.init(weight: 0.5, prior: .uniform(low: 0, high: 1)),
                                                  .init(weight: 0.5, prior: .uniform(low: 2, high: 3))]))
        #expect(throws: FieldError(field: "bid", reason: "= 1.5: the prior's density is zero there, so its virtual cost is undefined")) { try gap.checkedIroned(1.5, field: "bid") }
    }

    @Test("empirical prior: piecewise-linear CDF through mid-ranks, atoms spread")
    func empirical() throws {
        let p = try EmpiricalPrior(samples: [1, 2, 2, 2, 3, 4])
        #expect(p.cdf(1) == 0)
        #expect(p.cdf(4) == 1)
        #expect(p.pdf(2.5) > 0)
        for q in stride(from: 0.05, to: 1, by: 0.1) {
            #expect(abs(p.cdf(p.quantile(q)) - q) <= 1e-12)
        }
    }
}
