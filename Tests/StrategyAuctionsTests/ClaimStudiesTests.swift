import Foundation
import LabNumerics
import Testing
@testable import StrategyAuctions

@Suite("SALE claims: learning curves, overhead, feasible region")
struct ClaimStudiesTests {
    @Test func rollingMeanMatchesHandComputation() {
        let xs: [Double] = [1, 0, 0, 1, 1, 1, 0, 1]
        // Windows of 3: [1,0,0] [0,0,1] [0,1,1] [1,1,1] [1,1,0] [1,0,1]
        let third = 1.0 / 3, twoThirds = 2.0 / 3
        let expected: [Double] = [third, third, twoThirds, 1, twoThirds, twoThirds]
        #expect(StreamStatistics.rollingMean(xs, window: 3) == expected)
        #expect(StreamStatistics.rollingMean(xs, window: 1) == xs)
        #expect(StreamStatistics.rollingMean(xs, window: 9).isEmpty)
        #expect(StreamStatistics.rollingMean(xs, window: 8) == [5.0 / 8])
    }

    @Test func slopeAndFifthsOfKnownStreams() {
        let line = (0..<50).map { 3 + 0.02 * Double($0) }
        #expect(abs(StreamStatistics.slope(line) - 0.02) < 1e-12)
        #expect(StreamStatistics.slope(Array(repeating: 0.7, count: 20)) == 0)
        #expect(StreamStatistics.slope([1]).isNaN)
        let xs = (1...10).map(Double.init)  // fifths of 10: [1, 2] and [9, 10]
        #expect(StreamStatistics.partMean(xs, fraction: 0.2, last: false) == 1.5)
        #expect(StreamStatistics.partMean(xs, fraction: 0.2, last: true) == 9.5)
    }

    /// A small simulated run shared by the curve and overhead tests.
    func streams(orders: Int = 3) throws -> (SaleDataset, [SaleStream], SaleSpec) {
        let spec = smallSpec(tasks: 120, orders: orders)
        let data = try Simulator(calibration: spec.simulator).dataset(seed: spec.seed)
        return (data, try SaleRunner(spec: spec, data: data).saleStreams(threads: 2), spec)
    }

    @Test func curvesPairMemoryOnAndOffAndMatchTheRunner() throws {
        let (data, streams, spec) = try streams()
        let lc = LearningCurves(data: data, streams: streams, window: 10)
        let pts = lc.curves()
        func at(_ arm: LearningCurves.Arm, _ metric: String, _ k: Int) -> Summary {
            pts.first { $0.domain == "all" && $0.arm == arm && $0.metric == metric && $0.taskIndex == k }!.value
        }
        for k in [10, 40, 96] {
            // The difference arm is the paired difference, so its mean is the difference of the means.
            #expect(abs(at(.difference, "pass_at_1", k).mean - (at(.memory, "pass_at_1", k).mean - at(.noMemory, "pass_at_1", k).mean)) < 1e-12)
            // Agent shares of one window sum to 1.
            let shares = data.agents.map { at(.memory, "share_\($0.name)", k).mean }.reduce(0, +)
            #expect(abs(shares - 1) < 1e-12)
        }
        // The memory-on stream is the runner's `sale` method on the same order.
        let runner = SaleRunner(spec: spec, data: data)
        let order0 = try runner.runOrder(0).rows.filter { $0.method == "sale" }.map(\.execution)
        #expect(order0 == streams[0].memory.map(\.execution))
        // A window over the whole stream equals the stream's mean.
        let n = lc.length(nil)
        let whole = LearningCurves(data: data, streams: streams, window: n).curves().first { $0.domain == "all" && $0.arm == .memory && $0.metric == "pass_at_1" }!
        #expect(abs(whole.value.mean - Summary(streams.map { s in Double(s.memory.prefix(n).filter(\.execution.success).count) / Double(n) }).mean) < 1e-12)
    }

    @Test func overheadBreakdownAddsUpAndBreakEvenIdentityHolds() throws {
        let (data, streams, spec) = try streams(orders: 2)
        let model = AuctionOverhead()
        for (k, out) in zip(streams[0].test, streams[0].memory) {
            let r = data.records[k]
            let b = model.breakdown(r, refined: out.refined, data: data, retrieved: spec.memory.k)
            #expect(b.cost == model.bill(r, refined: out.refined, data: data).cost)
            #expect(abs(b.planCost + b.juryCost - b.cost) < 1e-15)
            #expect(out.refined.isEmpty == (b.lookupCost == 0))
        }
        let rows = OverheadStudy.rows(data: data, streams: streams, retrieved: spec.memory.k)
        let all = rows.first { $0.slice == Slice(domain: nil, bin: nil) }!
        #expect(all.orders == 2)
        // Parts add up; at the break-even multiple SALE costs exactly what the largest agent costs.
        #expect(abs(all.plans.mean + all.jury.mean + all.lookups.mean - all.overhead.mean) < 1e-15)
        for (e, o, c) in [(3.0, 0.5, 5.0), (0.004, 0.0007, 0.011)] {
            let m = OverheadStudy.breakEvenMultiple(execution: e, overhead: o, largest: c)
            #expect(abs(e + m * o - c) < 1e-12 * c)
        }
        #expect(OverheadStudy.breakEvenMultiple(execution: 1, overhead: 0, largest: 2).isNaN)
        // The charged change equals the runner's sale-charged row's reduction in the same order.
        let runner = SaleRunner(spec: spec, data: data)
        let rowsOrder0 = try runner.runOrder(0).rows
        func cost(_ m: String) -> Double { rowsOrder0.filter { $0.method == m }.reduce(0) { $0 + $1.execution.cost } }
        let single = OverheadStudy.rows(data: data, streams: [streams[0]], retrieved: spec.memory.k).first { $0.slice == Slice(domain: nil, bin: nil) }!
        #expect(abs(single.changeCharged.mean - (cost("sale-charged") / cost(data.agents[data.largest].name) - 1)) < 1e-12)
    }

    @Test func latinHypercubeUsesEveryStratumOnce() {
        let n = 17, pts = FeasibleSearch.latinHypercube(n, dims: 4, seed: 3)
        #expect(pts.count == n)
        for d in 0..<4 { #expect(Set(pts.map { Int($0[d] * Double(n)) }) == Set(0..<n)) }
        #expect(pts.map { $0 } == FeasibleSearch.latinHypercube(n, dims: 4, seed: 3))
    }

    /// A planted region: figures meet every window only where pq32 ∈ [6, 8] and rho ≥ 0.8,
    /// with dataset noise; elsewhere pass@1 falls short.
    @Test func searchFindsAPlantedRegionAndNothingElse() throws {
        let design = try CalibrationDesign(axes: [.init("pq32", 0, 10), .init("rho", 0.5, 1)])
        var search = FeasibleSearch()
        search.points = 60; search.screen = 2; search.confirm = 6
        let inside: @Sendable ([Double]) -> Bool = { (6...8).contains($0[0]) && $0[1] >= 0.8 }
        let results = try search.run(design: design, threads: 2) { p, d in
            let noise = 0.01 * sin(Double(d) * 1.7 + p[0])
            return inside(p) ? HeadlineFigures(reliance: -0.53 + noise, cost: -0.35 - noise, passGap: 0.01)
                             : HeadlineFigures(reliance: -0.53 + noise, cost: -0.35, passGap: -0.04)
        }
        let feasible = results.filter(\.feasible)
        #expect(!feasible.isEmpty)
        let allInside = feasible.allSatisfy { inside($0.point) }
        let insideFound = results.filter { inside($0.point) }.allSatisfy { $0.feasible }
        #expect(allInside)
        #expect(insideFound)
        // Held-out judging: a point only ever feasible on the screen datasets is not.
        let tricky = try search.run(design: design) { p, d in
            HeadlineFigures(reliance: -0.53, cost: -0.35, passGap: d < 2 ? 0.02 : -0.02)
        }
        let heldOut = tricky.allSatisfy { $0.passedScreen && !$0.feasible }
        #expect(heldOut)
        // Intervals: a mean just outside a window whose interval reaches it is not excluded.
        let c = FeasibilityCriteria()
        let near = Summary([-0.60, -0.58]), inCost = Summary([-0.35, -0.34]), gap = Summary([-0.01, 0.005])
        #expect(!c.holds(HeadlineFigures(reliance: near.mean, cost: inCost.mean, passGap: gap.mean)))
        #expect(c.notExcluded(reliance: near, cost: inCost, passGap: gap))
        #expect(!c.notExcluded(reliance: Summary([-0.70, -0.69, -0.70, -0.71]), cost: inCost, passGap: gap))
        #expect(!c.notExcluded(reliance: near, cost: inCost, passGap: Summary([-0.030, -0.031, -0.029, -0.030])))
        let feasibleNotExcluded = results.filter { $0.feasible }.allSatisfy { $0.notExcluded }
        #expect(feasibleNotExcluded)
        #expect(abs(FeasibleSearch.emptyUpperBound(60) - (1 - pow(0.05, 1.0 / 60))) < 1e-15)
        #expect(StudyReports.feasibleMarkdown(search, design, tricky, command: "x", source: "y").contains("0 of 60"))
    }

    @Test func designAppliesFieldsAndRejectsUnknownOnes() throws {
        let design = try CalibrationDesign(axes: [.init("pq32", 0, 9), .init("kappa", 0.05, 1), .init("tok", 0.4, 1.2)])
        let c = design.apply([7, 1, 0.5], to: Calibration())
        #expect(c.planQuality == [0, 0, 0, 7])
        #expect(c.tokenMultiplier == [0.625, 0.575, 0.525, 1.0])
        // κ = 1: a geometric path with the default bins 1 and 5 kept.
        let d = Calibration().relativeSuccess
        for (row, base) in zip(c.relativeSuccess, d) {
            #expect(row[0] == base[0]); #expect(abs(row[4] - base[4]) < 1e-12)
            #expect(abs(row[2] - (base[0] * base[4]).squareRoot()) < 1e-12)
        }
        #expect(design.scale([0, 0.5, 1]) == [0, 0.525, 1.2])
        #expect(throws: SaleError.self) { try CalibrationDesign(axes: [.init("nope", 0, 1)]) }
        #expect(throws: SaleError.self) { try CalibrationDesign(axes: [.init("rho", 1, 0)]) }
    }
}
