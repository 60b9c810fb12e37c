import Foundation
import LabIO
import LabNumerics

/// SALE's three headline figures on one dataset, each against the largest agent running every
/// test task alone: reliance change (SALE's share of tasks run by the largest agent − 1), total
/// cost change (SALE's $ / largest's $ − 1, execution only) and the pass@1 gap (SALE − largest).
public struct HeadlineFigures: Sendable, Hashable {
    /// Reliance change, cost change and pass@1 gap, as fractions (−0.5 = −50 %).
    public var reliance, cost, passGap: Double
    /// The three figures.
    public init(reliance: Double, cost: Double, passGap: Double) { self.reliance = reliance; self.cost = cost; self.passGap = passGap }

    /// The figures of SALE's memory-on test outcomes in `stream` on `data`.
    public init(_ stream: SaleStream, data: SaleDataset) {
        let large = data.largest
        let sale = MethodMetrics(stream.memory.map(\.execution))
        let alone = MethodMetrics(stream.test.map { Execution(data.records[$0].attempts[large], agent: large, in: data) })
        self.init(reliance: sale.largestShare / alone.largestShare - 1, cost: sale.costPerTask / alone.costPerTask - 1,
                  passGap: sale.passAt1 - alone.passAt1)
    }
}

/// Where all three headline figures hold at once: reliance and cost within `tolerance` of their
/// targets and the pass@1 gap at least `minPassGap`.
public struct FeasibilityCriteria: Sendable, Hashable {
    /// Target reliance change and cost change (fractions; default: the SALE paper's overall
    /// reliance and total cost changes, ``SaleHeadline/paper``).
    public var reliance = SaleHeadline.paper.largestAgentRelianceChange.overall, cost = SaleHeadline.paper.totalCostChange
    /// Half-width of the reliance and cost windows (fraction; 0.05 = ±5 points).
    public var tolerance = 0.05
    /// Least pass@1 gap, SALE − largest (fraction; 0 = at or above).
    public var minPassGap = 0.0
    /// The paper's targets, ±5 points, pass@1 at or above the largest agent's.
    public init() {}

    /// Whether `f` (typically means over datasets) meets all three.
    public func holds(_ f: HeadlineFigures) -> Bool {
        abs(f.reliance - reliance) <= tolerance && abs(f.cost - cost) <= tolerance && f.passGap >= minPassGap
    }
    /// Whether held-out intervals leave all three possible: each figure's 95 % interval reaches its
    /// window (reliance and cost intervals overlap target ± tolerance; the gap's upper end ≥ the least gap).
    public func notExcluded(reliance r: Summary, cost c: Summary, passGap g: Summary) -> Bool {
        r.ciHigh >= reliance - tolerance && r.ciLow <= reliance + tolerance &&
            c.ciHigh >= cost - tolerance && c.ciLow <= cost + tolerance && g.ciHigh >= minPassGap
    }
    /// Whether `f` is within `slack` more of each window (the screen of ``FeasibleSearch``).
    public func near(_ f: HeadlineFigures, slack: Double) -> Bool {
        abs(f.reliance - reliance) <= tolerance + slack && abs(f.cost - cost) <= tolerance + slack && f.passGap >= minPassGap - slack
    }
}

/// A two-stage search of a box of simulator settings for points where the headline figures hold
/// together. A Latin hypercube of `points` design points (seeded) is screened on `screen` datasets;
/// points whose screen means are within `slack` of every window go on to `confirm` further
/// datasets, held out from the screen, and are judged on those alone (means over datasets).
/// The evaluator is a parameter, so the search is tested against planted regions.
public struct FeasibleSearch: Sendable {
    /// Design points, screen datasets, confirmation datasets.
    public var points = 48, screen = 3, confirm = 10
    /// Extra width of every window at the screen (fraction).
    public var slack = 0.05
    /// Seed of the Latin hypercube.
    public var seed: UInt64 = 1
    /// The windows.
    public var criteria = FeasibilityCriteria()
    /// A search with the defaults (48 points, 3 screen and 10 confirmation datasets, slack 5 points).
    public init() {}

    /// One design point's results.
    public struct PointResult: Sendable {
        /// Index in the design and the point in field units.
        public let index: Int, point: [Double]
        /// Figures per screen dataset and (if it passed the screen) per confirmation dataset.
        public let screen: [HeadlineFigures], confirm: [HeadlineFigures]
        /// Whether the screen means were near every window.
        public let passedScreen: Bool
        /// Whether the confirmation means meet every window (false when screened out).
        public let feasible: Bool
        /// Whether the confirmation intervals reach every window (``FeasibilityCriteria/notExcluded(reliance:cost:passGap:)``;
        /// false when screened out).
        public let notExcluded: Bool
    }

    /// `n` points of a Latin hypercube in [0, 1]^`dims`: each axis cut into `n` strata, every stratum
    /// used once per axis, a uniform draw inside it; deterministic for `seed`.
    public static func latinHypercube(_ n: Int, dims: Int, seed: UInt64) -> [[Double]] {
        var g = SplitMix64(seed: SplitMix64.derive(master: seed, index: 0, salt: 0x1A7E))
        let columns = (0..<dims).map { _ in (0..<n).shuffled(using: &g).map { (Double($0) + g.nextOpenUnit()) / Double(n) } }
        return (0..<n).map { i in columns.map { $0[i] } }
    }

    /// Means of each figure over datasets (Summary per figure).
    public static func summaries(_ fs: [HeadlineFigures]) -> (reliance: Summary, cost: Summary, passGap: Summary) {
        (Summary(fs.map(\.reliance)), Summary(fs.map(\.cost)), Summary(fs.map(\.passGap)))
    }
    static func mean(_ fs: [HeadlineFigures]) -> HeadlineFigures {
        let s = summaries(fs)
        return HeadlineFigures(reliance: s.reliance.mean, cost: s.cost.mean, passGap: s.passGap.mean)
    }

    /// 95 % upper bound on the share of the box that is feasible when none of `n` uniformly placed
    /// points is (1 − 0.05^(1/n)).
    public static func emptyUpperBound(_ n: Int) -> Double { n > 0 ? 1 - pow(0.05, 1 / Double(n)) : 1 }

    /// Runs the search over `design`: `evaluate(point, dataset)` gives the figures of a point (field
    /// units) on dataset index `dataset` (screen datasets 0..<screen, confirmation screen..<screen+confirm).
    /// Points run in parallel; results are in design order for any thread count.
    public func run(design: CalibrationDesign, threads: Int = 1, progress: (@Sendable (Int, Int) -> Void)? = nil,
                    evaluate: @escaping @Sendable ([Double], Int) throws -> HeadlineFigures) throws -> [PointResult] {
        let unit = Self.latinHypercube(points, dims: design.axes.count, seed: seed)
        let (screen, confirm, criteria, slack) = (self.screen, self.confirm, self.criteria, self.slack)
        return try IndexedResults<PointResult>.map(count: points, threads: threads, progress: progress) { i in
            let p = design.scale(unit[i])
            let s = try (0..<screen).map { try evaluate(p, $0) }
            let pass = criteria.near(Self.mean(s), slack: slack)
            let c = pass ? try (screen..<(screen + confirm)).map { try evaluate(p, $0) } : []
            let held = Self.summaries(c)
            return PointResult(index: i, point: p, screen: s, confirm: c, passedScreen: pass, feasible: pass && criteria.holds(Self.mean(c)),
                               notExcluded: pass && criteria.notExcluded(reliance: held.reliance, cost: held.cost, passGap: held.passGap))
        }
    }
}
