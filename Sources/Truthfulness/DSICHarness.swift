import LabNumerics
import Mechanisms
import Priors
import Workflows

/// A profitable (or the most profitable) misreport, enough to replay it with `auctionlab solve`.
public struct Misreport: Sendable, Codable, Equatable {
    public let profile: Int
    public let agent: String
    public let trueCost: Double
    public let bid: Double
    /// u_i(bid) − u_i(trueCost).
    public let gain: Double
    public let truthfulUtility: Double
}

/// Revenue equivalence (STAR Eq. 16): E[Σ P_i] = E[Σ φ̄_i(c_i)·x_i] under truthful bidding.
public struct RevenueEquivalence: Sendable, Codable, Equatable {
    public let expectedPayment: Double
    public let expectedVirtualCost: Double
    /// Paired per-profile difference payment − virtual cost, with its 95% interval.
    public let meanDifference: Double
    public let ciLow: Double
    public let ciHigh: Double
    public var holds: Bool { ciLow <= 0 && 0 <= ciHigh }
}

/// Empirical DSIC report over sampled profiles (SPEC §6).
public struct DSICReport: Sendable, Codable {
    public let mechanism: String
    public let profiles: Int
    /// (profile, agent) pairs evaluated.
    public let evaluations: Int
    public let maxRegret: Double
    public let meanRegret: Double
    /// Share of (profile, agent) pairs whose regret exceeds `tolerance`.
    public let profitableShare: Double
    public let irViolations: Int
    public let tolerance: Double
    public let worst: Misreport?
    public let revenueEquivalence: RevenueEquivalence?
    /// Largest truthful payment seen: the scale regrets are compared against.
    public let paymentScale: Double
    /// Per agent: max and mean regret, profitable share, IR violations.
    public let perAgent: [AgentRegret]
}

public struct AgentRegret: Sendable, Codable, Equatable {
    public let agent: String
    public let maxRegret: Double
    public let meanRegret: Double
    public let profitableShare: Double
    public let irViolations: Int
}

public struct DSICConfig: Sendable {
    public var profiles: Int
    public var grid: Int
    public var seed: UInt64
    /// Regret above `relativeTolerance × paymentScale` counts as profitable.
    public var relativeTolerance: Double
    public var options: MechanismOptions
    public init(profiles: Int = 20, grid: Int = 25, seed: UInt64 = 1, relativeTolerance: Double = 1e-9,
                options: MechanismOptions = .init()) {
        self.profiles = profiles; self.grid = grid; self.seed = seed; self.relativeTolerance = relativeTolerance; self.options = options
    }
}

/// The harness: for each profile, true costs are drawn from the priors (seeded per profile);
/// each agent's utility u_i(b) = P_i(b) − c_i·x_i(b) is evaluated on a grid over its support
/// plus points just left and right of every allocation breakpoint (so step-function gains
/// are not missed), and regret = max_b u_i(b) − u_i(c_i).
public enum DSICHarness {
    public static func check(_ mechanism: any Mechanism, instance base: Instance, config: DSICConfig) throws -> DSICReport {
        var regrets: [Double] = []
        var worst: Misreport?
        var irViolations = 0
        var payments: [Double] = [], virtuals: [Double] = []
        var scale = 0.0
        var pending: [(profile: Int, agent: Int, cost: Double, truthful: Double, best: Double, bid: Double)] = []
        for p in 0..<config.profiles {
            let (truthful, costs) = profile(base, seed: config.seed, index: p)
            let outcome = try mechanism.run(truthful, options: config.options)
            payments.append(outcome.totalPayment)
            virtuals.append(outcome.totalVirtualCost)
            scale = max(scale, outcome.payments.max() ?? 0)
            for i in 0..<base.agentCount {
                let c = costs[i]
                let u0 = outcome.payments[i] - c * outcome.workloads[i]
                let curve = base.priors[i]
                let lo = curve.support.lowerBound, hi = curve.support.upperBound
                var bids = (0...max(1, config.grid)).map { lo + (hi - lo) * Double($0) / Double(max(1, config.grid)) }
                let delta = 1e-7 * (hi - lo)
                for z in try mechanism.allocationBreakpoints(truthful, agent: i, options: config.options) where z >= lo && z <= hi {
                    bids.append(max(lo, z - delta)); bids.append(min(hi, z + delta))
                }
                var best = u0, bestBid = c
                for z in bids where z != c && curve.prior.pdf(z) > 0 {
                    let o = try mechanism.run(truthful.withBid(i, z), options: config.options)
                    let u = o.payments[i] - c * o.workloads[i]
                    if u > best { best = u; bestBid = z }
                }
                pending.append((p, i, c, u0, best, bestBid))
            }
        }
        let tol = config.relativeTolerance * max(1, scale)
        for e in pending {
            let regret = e.best - e.truthful
            regrets.append(regret)
            if e.truthful < -tol { irViolations += 1 }
            if regret > (worst?.gain ?? tol) {
                worst = Misreport(profile: e.profile, agent: base.agentIDs[e.agent], trueCost: e.cost, bid: e.bid, gain: regret,
                                  truthfulUtility: e.truthful)
            }
        }
        let perAgent = (0..<base.agentCount).map { i -> AgentRegret in
            let mine = pending.filter { $0.agent == i }
            let r = mine.map { $0.best - $0.truthful }
            return AgentRegret(agent: base.agentIDs[i], maxRegret: r.max() ?? 0,
                               meanRegret: r.isEmpty ? 0 : r.reduce(0, +) / Double(r.count),
                               profitableShare: r.isEmpty ? 0 : Double(r.filter { $0 > tol }.count) / Double(r.count),
                               irViolations: mine.filter { $0.truthful < -tol }.count)
        }
        let diff = Summary(zip(payments, virtuals).map { $0 - $1 })
        let re = RevenueEquivalence(expectedPayment: Summary(payments).mean, expectedVirtualCost: Summary(virtuals).mean,
                                    meanDifference: diff.mean, ciLow: diff.ciLow, ciHigh: diff.ciHigh)
        return DSICReport(mechanism: mechanism.name, profiles: config.profiles, evaluations: regrets.count,
                          maxRegret: regrets.max() ?? 0, meanRegret: regrets.isEmpty ? 0 : regrets.reduce(0, +) / Double(regrets.count),
                          profitableShare: regrets.isEmpty ? 0 : Double(regrets.filter { $0 > tol }.count) / Double(regrets.count),
                          irViolations: irViolations, tolerance: tol, worst: worst,
                          revenueEquivalence: mechanism.name == "star" ? re : nil, paymentScale: scale, perAgent: perAgent)
    }

    /// Profile `index` of `check` with master `seed`: true costs drawn from the priors, and the
    /// instance with every agent bidding its true cost (so a reported worst misreport can be replayed).
    public static func profile(_ base: Instance, seed: UInt64, index p: Int) -> (instance: Instance, costs: [Double]) {
        var g = SplitMix64(seed: SplitMix64.derive(master: seed, index: UInt64(p)))
        var truthful = base
        var costs: [Double] = []
        for i in 0..<base.agentCount {
            var c = base.priors[i].prior.sample(using: &g)
            // A draw in a zero-density gap is impossible in theory; resample rather than clamp.
            var tries = 0
            while base.priors[i].prior.pdf(c) <= 0 && tries < 100 { c = base.priors[i].prior.sample(using: &g); tries += 1 }
            costs.append(c)
            truthful = truthful.withBid(i, c)
        }
        return (truthful, costs)
    }

    /// Agent `agent`'s utility u(b) = P(b) − trueCost·x(b) as a function of its own bid, the others
    /// bidding as in `truthful`: `grid` + 1 evenly spaced bids over its prior's support, both sides of
    /// every allocation breakpoint, and the true cost itself; sorted by bid. Bids at zero density are skipped.
    public static func utilityCurve(_ mechanism: any Mechanism, instance truthful: Instance, agent i: Int, trueCost c: Double,
                                    grid: Int, options: MechanismOptions = .init()) throws -> [UtilityPoint] {
        let curve = truthful.priors[i]
        let lo = curve.support.lowerBound, hi = curve.support.upperBound
        let n = max(1, grid)
        var bids = (0...n).map { lo + (hi - lo) * Double($0) / Double(n) } + [c]
        let delta = 1e-7 * (hi - lo)
        for z in try mechanism.allocationBreakpoints(truthful, agent: i, options: options) where z >= lo && z <= hi {
            bids.append(max(lo, z - delta)); bids.append(min(hi, z + delta))
        }
        return try Set(bids).sorted().filter { $0 == c || curve.prior.pdf($0) > 0 }.map { z in
            let o = try mechanism.run(truthful.withBid(i, z), options: options)
            return UtilityPoint(bid: z, payment: o.payments[i], workload: o.workloads[i], utility: o.payments[i] - c * o.workloads[i])
        }
    }
}

/// One point of an agent's utility-vs-bid curve.
public struct UtilityPoint: Sendable, Codable, Equatable {
    public let bid: Double
    public let payment: Double
    public let workload: Double
    public let utility: Double
}
