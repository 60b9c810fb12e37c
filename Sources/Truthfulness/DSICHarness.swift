import LabNumerics
import Mechanisms
import Priors
import Workflows

/// A profitable (or the most profitable) misreport, enough to replay it with `auctionlab solve`.
public struct Misreport: Sendable, Codable, Equatable {
    /// Index of the sampled cost profile (replayable from the config's seed).
    public let profile: Int
    /// The agent's id.
    public let agent: String
    /// Its true cost c_i (money per work unit).
    public let trueCost: Double
    /// The misreport b.
    public let bid: Double
    /// u_i(bid) − u_i(trueCost).
    public let gain: Double
    /// u_i(trueCost) = P_i − c_i·x_i at the truthful report (money).
    public let truthfulUtility: Double
}

/// Revenue equivalence (STAR Eq. 16, Myerson 1981), checked for **every** mechanism: for a
/// truthful mechanism with independent private costs,
///
///     E[Σ P_i] = E[Σ φ_i(c_i)·x_i(c)] + Σ_i E[∫_{gaps of F_i} x_i(z)·F_i(z) dz] + Σ_i E[u_i(hi_i)]
///
/// The gap term is the rent an agent earns across a zero-density gap of its prior (sampled
/// costs never land there, so E[φ·x] cannot see it); u_i(hi_i) is the utility of the highest
/// type (0 when the prior's top is the reserve, as in STAR and VCG). φ is the *unironed*
/// virtual cost, so the identity holds for any truthful allocation, not only STAR's.
public struct RevenueEquivalence: Sendable, Codable, Equatable {
    /// E[Σ P_i] over the profiles (money).
    public let expectedPayment: Double
    /// E[Σ φ_i(c_i)·x_i + gap rent + top rent].
    public let expectedVirtualCost: Double
    /// E[Σ_i ∫_{gaps} x_i(z)·F_i(z) dz]: rent across zero-density gaps of the priors.
    public let expectedGapRent: Double
    /// E[Σ_i u_i(hi_i)]: the highest types' utility (0 with the prior top as reserve).
    public let expectedTopRent: Double
    /// Paired per-profile difference payment − (virtual cost + rents), with its 95% interval.
    public let meanDifference: Double
    /// Lower end of that interval.
    public let ciLow: Double
    /// Upper end of that interval.
    public let ciHigh: Double
    /// The two-sided 99.9% Student-t interval of the mean difference covers 0: with many instances
    /// a 95% interval would flag one truthful case in twenty by chance alone.
    public let holds: Bool
    /// The ironed form E[Σ P_i] = E[Σ φ̄_i(c_i)·x_i(c)] + Σ_i E[u_i(hi_i)], which holds for a
    /// truthful allocation that is constant on every ironed stretch of φ̄ (STAR's): there the
    /// gap rent is part of E[φ̄·x], since the envelope of R(q) carries R's jump across the gap.
    /// Other mechanisms (VCG) need not satisfy it; it is reported, not judged, for them.
    public let ironed: IronedForm?

    /// E[Σ φ̄·x] + top rent against E[Σ P] (paired per profile), with the same 99.9% rule.
    public struct IronedForm: Sendable, Codable, Equatable {
        /// E[Σ φ̄_i(c_i)·x_i + u_i(hi_i)].
        public let expected: Double
        /// Mean of payment − (φ̄·x + top rent) per profile, with its 95% interval.
        public let meanDifference: Double, ciLow: Double, ciHigh: Double
        /// The 99.9% interval of the difference covers 0.
        public let holds: Bool
    }
}

/// How many misreports of each kind the harness tried (over all profiles and agents).
public struct ProbeCounts: Sendable, Codable, Equatable {
    /// Evenly spaced bids over the support.
    public var grid = 0
    /// Uniform random bids (seeded per profile and agent).
    public var random = 0
    /// Both sides of every step of x_i(z) that the harness located by bisection on the allocation.
    public var located = 0
    /// Both sides of the breakpoints the mechanism reports about itself (kept, never relied on).
    public var reported = 0
    /// All probes.
    public var total: Int { grid + random + located + reported }
    /// No probes yet.
    public init() {}
}

/// Empirical DSIC report over sampled profiles (TheModel.md).
public struct DSICReport: Sendable, Codable {
    /// The mechanism's registry name.
    public let mechanism: String
    /// Sampled cost profiles (true costs drawn from the priors).
    public let profiles: Int
    /// (profile, agent) pairs evaluated.
    public let evaluations: Int
    /// Largest max_b u_i(b) − u_i(c_i) over profiles and agents (money).
    public let maxRegret: Double
    /// Mean regret over (profile, agent) pairs.
    public let meanRegret: Double
    /// Share of (profile, agent) pairs whose regret exceeds `tolerance`.
    public let profitableShare: Double
    /// Truthful outcomes with P_i < c_i·x_i beyond the tolerance (individual rationality).
    public let irViolations: Int
    /// `relativeTolerance × max(1, paymentScale)`: regret above it counts as profitable.
    public let tolerance: Double
    /// The most profitable misreport found, if any beat the tolerance.
    public let worst: Misreport?
    /// Revenue equivalence; nil with fewer than two profiles.
    public let revenueEquivalence: RevenueEquivalence?
    /// Largest truthful payment seen: the scale regrets are compared against.
    public let paymentScale: Double
    /// Largest |P_i − c_i·x_i(c_i) − ∫_{c_i}^{hi} x_i(z) dz| over profiles and agents, the integral
    /// computed by the harness from the allocation alone (Myerson's payment identity, TheModel.md).
    /// Zero (to rounding) for a threshold-paying mechanism; large for pay-as-bid.
    public let identityError: Double
    /// How many misreports of each kind were tried.
    public let probes: ProbeCounts
    /// Per agent: max and mean regret, profitable share, IR violations.
    public let perAgent: [AgentRegret]
}

/// One agent's share of a ``DSICReport``: the same figures restricted to its (profile, agent) pairs.
public struct AgentRegret: Sendable, Codable, Equatable {
    /// The agent's id.
    public let agent: String
    /// Largest regret of this agent (money).
    public let maxRegret: Double
    /// Its mean regret over profiles.
    public let meanRegret: Double
    /// Share of its profiles with regret above the tolerance.
    public let profitableShare: Double
    /// Its individual-rationality violations.
    public let irViolations: Int
    /// Its largest payment-identity error.
    public let identityError: Double
}

/// What the harness samples and probes.
public struct DSICConfig: Sendable {
    /// Cost profiles to draw (each a full vector of true costs).
    public var profiles: Int
    /// Evenly spaced misreports per agent and profile.
    public var grid: Int
    /// Uniform random misreports per agent and profile (default: as many as grid points).
    public var randomProbes: Int?
    /// Profiles for the revenue-equivalence check (cheap: no misreports); default `profiles`.
    public var revenueProfiles: Int?
    /// Master seed of the profiles and random probes.
    public var seed: UInt64
    /// Regret above `relativeTolerance × paymentScale` counts as profitable.
    public var relativeTolerance: Double
    /// Solver and payment search the mechanism runs with.
    public var options: MechanismOptions
    /// Defaults: 20 profiles, 25 grid points, random probes as many as grid points, seed 1, tolerance 1e-9.
    public init(profiles: Int = 20, grid: Int = 25, randomProbes: Int? = nil, revenueProfiles: Int? = nil, seed: UInt64 = 1,
                relativeTolerance: Double = 1e-9, options: MechanismOptions = .init()) {
        self.profiles = profiles; self.grid = grid; self.randomProbes = randomProbes; self.revenueProfiles = revenueProfiles; self.seed = seed
        self.relativeTolerance = relativeTolerance; self.options = options
    }
}

/// The harness. For each profile, true costs are drawn from the priors (seeded per profile).
/// For each agent it
/// 1. reconstructs x_i(z) from the allocation rule alone (`WorkloadProfile`): grid, random bids
///    and stretch/gap ends as seeds, every step bracketed by bisection to 1e-13 of the support;
/// 2. evaluates u_i(b) = P_i(b) − c_i·x_i(b) at the grid, the random bids, both sides of every
///    located step and of every breakpoint the mechanism reports; regret = max_b u_i(b) − u_i(c_i);
/// 3. checks Myerson's identity P_i = c_i·x_i(c_i) + ∫_{c_i}^{hi} x_i(z) dz with that x_i, and
///    collects the terms of revenue equivalence (gap rent, the top type's utility).
/// Nothing here reads a payment to decide where to probe.
public enum DSICHarness {
    /// Runs the checks above on `mechanism` at `config.profiles` cost profiles of `base`'s priors.
    /// Cost: per profile and agent, the step search plus one `agentOutcome` per probe, so roughly
    /// profiles × agents × (grid + random + 2·steps) mechanism runs.
    /// - Throws: the mechanism's errors (allocation or payment) on any probed profile.
    public static func check(_ mechanism: any Mechanism, instance base: Instance, config: DSICConfig) throws -> DSICReport {
        var worst: Misreport?
        var probes = ProbeCounts()
        var scale = 0.0
        struct Entry { let profile: Int, agent: Int, cost: Double, truthful: Double, best: Double, bid: Double, identity: Double }
        var entries: [Entry] = []
        let options = config.options
        for p in 0..<config.profiles {
            let (truthful, costs) = profile(base, seed: config.seed, index: p)
            let outcome = try mechanism.run(truthful, options: options)
            scale = max(scale, outcome.payments.max() ?? 0)
            var rng = SplitMix64(seed: SplitMix64.derive(master: config.seed ^ 0x5eed_d51c, index: UInt64(p)))
            for i in 0..<base.agentCount {
                let c = costs[i]
                let curve = base.priors[i]
                let prior = curve.prior
                let (lo, hi) = validEnds(curve)
                let width = prior.high - prior.low
                let u0 = outcome.payments[i] - c * outcome.workloads[i]
                // 1. x_i(z) from the allocation alone.
                let n = max(1, config.grid)
                let grid = (0...n).map { lo + (hi - lo) * Double($0) / Double(n) }
                let randomBids = (0..<(config.randomProbes ?? n)).map { _ in lo + (hi - lo) * rng.nextOpenUnit() }
                var seeds = grid + randomBids + [c]
                for iv in curve.intervals { seeds += [iv.low, iv.high] }
                for g in curve.gaps { seeds += [g.lowerBound, g.upperBound] }
                let x = try WorkloadProfile(over: lo...hi, seeds: seeds, resolution: 1e-13 * width) { z in
                    let a = try mechanism.allocate(truthful.withBid(i, z), options: options)
                    return truthful.model.workloads(a)[i]
                }
                // 3. Myerson's identity at the truthful report (the sliver above `hi` — nonempty only
                // when the density is zero at the top — carries x(hi)).
                let integral = x.integral(from: c, to: hi) + x.value(at: hi) * (prior.high - hi)
                let identity = abs(outcome.payments[i] - c * outcome.workloads[i] - integral)
                // 2. Misreports.
                var bids: [Double] = []
                bids += grid; probes.grid += grid.count
                bids += randomBids; probes.random += randomBids.count
                for s in x.steps { bids += [s.left, s.right]; probes.located += 2 }
                let delta = 1e-7 * width
                for z in try mechanism.allocationBreakpoints(truthful, agent: i, options: options) where z >= lo && z <= hi {
                    bids += [max(lo, z - delta), min(hi, z + delta)]; probes.reported += 2
                }
                var best = u0, bestBid = c
                for z in Set(bids).sorted() where z != c && prior.pdf(z) > 0 {
                    let o = try mechanism.agentOutcome(truthful.withBid(i, z), agent: i, options: options)
                    let u = o.payment - c * o.workload
                    if u > best { best = u; bestBid = z }
                }
                entries.append(Entry(profile: p, agent: i, cost: c, truthful: u0, best: best, bid: bestBid, identity: identity))
            }
        }
        let tol = config.relativeTolerance * max(1, scale)
        for e in entries where e.best - e.truthful > (worst?.gain ?? tol) {
            worst = Misreport(profile: e.profile, agent: base.agentIDs[e.agent], trueCost: e.cost, bid: e.bid, gain: e.best - e.truthful,
                              truthfulUtility: e.truthful)
        }
        let regrets = entries.map { $0.best - $0.truthful }
        let perAgent = (0..<base.agentCount).map { i -> AgentRegret in
            let mine = entries.filter { $0.agent == i }
            let r = mine.map { $0.best - $0.truthful }
            return AgentRegret(agent: base.agentIDs[i], maxRegret: r.max() ?? 0,
                               meanRegret: r.isEmpty ? 0 : r.reduce(0, +) / Double(r.count),
                               profitableShare: r.isEmpty ? 0 : Double(r.filter { $0 > tol }.count) / Double(r.count),
                               irViolations: mine.filter { $0.truthful < -tol }.count,
                               identityError: mine.map(\.identity).max() ?? 0)
        }
        let re = try revenueEquivalence(mechanism, instance: base, config: config, scale: scale)
        return DSICReport(mechanism: mechanism.name, profiles: config.profiles, evaluations: regrets.count,
                          maxRegret: regrets.max() ?? 0, meanRegret: regrets.isEmpty ? 0 : regrets.reduce(0, +) / Double(regrets.count),
                          profitableShare: regrets.isEmpty ? 0 : Double(regrets.filter { $0 > tol }.count) / Double(regrets.count),
                          irViolations: entries.filter { $0.truthful < -tol }.count, tolerance: tol, worst: worst,
                          revenueEquivalence: re, paymentScale: scale,
                          identityError: entries.map(\.identity).max() ?? 0, probes: probes, perAgent: perAgent)
    }

    /// Revenue equivalence over `config.revenueProfiles` profiles (default: `profiles`); `nil` with
    /// fewer than two (no interval). Per profile: Σ P_i against Σ φ_i(c_i)·x_i, plus each agent's
    /// rent across its prior's zero-density gaps, F·∫_gap x_i(z) dz with x_i from the allocation
    /// alone, plus the top type's utility u_i(hi) = P_i(hi) − hi·x_i(hi).
    static func revenueEquivalence(_ mechanism: any Mechanism, instance base: Instance, config: DSICConfig,
                                   scale: Double) throws -> RevenueEquivalence? {
        let n = config.revenueProfiles ?? config.profiles
        guard n >= 2 else { return nil }
        var payments: [Double] = [], virtuals: [Double] = [], gapRents: [Double] = [], topRents: [Double] = [], ironedVirtuals: [Double] = []
        for p in 0..<n {
            let (truthful, costs) = profile(base, seed: config.seed, index: p)
            let outcome = try mechanism.run(truthful, options: config.options)
            var virtual = 0.0, gapRent = 0.0, topRent = 0.0, ironedVirtual = 0.0
            for i in 0..<base.agentCount {
                let curve = base.priors[i]
                virtual += curve.prior.virtual(costs[i]) * outcome.workloads[i]
                ironedVirtual += curve.ironed(costs[i]) * outcome.workloads[i]
                for g in curve.gaps {
                    let seeds = (0...8).map { g.lowerBound + (g.upperBound - g.lowerBound) * Double($0) / 8 }
                    let x = try WorkloadProfile(over: g, seeds: seeds, resolution: 1e-13 * (curve.support.upperBound - curve.support.lowerBound)) { z in
                        truthful.model.workloads(try mechanism.allocate(truthful.withBid(i, z), options: config.options))[i]
                    }
                    gapRent += curve.prior.cdf(g.lowerBound) * x.integral(from: g.lowerBound, to: g.upperBound)
                }
                let hi = validEnds(curve).1
                let o = try mechanism.agentOutcome(truthful.withBid(i, hi), agent: i, options: config.options)
                topRent += o.payment - hi * o.workload
            }
            payments.append(outcome.totalPayment); virtuals.append(virtual); gapRents.append(gapRent); topRents.append(topRent)
            ironedVirtuals.append(ironedVirtual)
        }
        let diffs = (0..<n).map { payments[$0] - virtuals[$0] - gapRents[$0] - topRents[$0] }
        let diff = Summary(diffs)
        // Holds when the two-sided 99.9% Student-t interval covers 0 (a z-based 3.29·se would
        // reject far too often with a handful of profiles).
        let wide = Summary(diffs, level: 0.999)
        let slack = 1e-9 * max(1, scale)
        let ironedDiffs = (0..<n).map { payments[$0] - ironedVirtuals[$0] - topRents[$0] }
        let ironedDiff = Summary(ironedDiffs), ironedWide = Summary(ironedDiffs, level: 0.999)
        let ironed = RevenueEquivalence.IronedForm(
            expected: Summary((0..<n).map { ironedVirtuals[$0] + topRents[$0] }).mean,
            meanDifference: ironedDiff.mean, ciLow: ironedDiff.ciLow, ciHigh: ironedDiff.ciHigh,
            holds: ironedWide.ciLow - slack <= 0 && 0 <= ironedWide.ciHigh + slack)
        return RevenueEquivalence(expectedPayment: Summary(payments).mean,
                                  expectedVirtualCost: Summary((0..<n).map { virtuals[$0] + gapRents[$0] + topRents[$0] }).mean,
                                  expectedGapRent: Summary(gapRents).mean, expectedTopRent: Summary(topRents).mean,
                                  meanDifference: diff.mean, ciLow: diff.ciLow, ciHigh: diff.ciHigh,
                                  holds: wide.ciLow - slack <= 0 && 0 <= wide.ciHigh + slack, ironed: ironed)
    }

    /// The support's ends, each moved inward to the nearest point with a finite ironed virtual
    /// cost (a density of zero at an edge makes φ infinite there, and no type sits exactly there).
    static func validEnds(_ curve: VirtualCost) -> (Double, Double) {
        let lo = curve.support.lowerBound, hi = curve.support.upperBound
        /// `edge` moved towards the inside by w·1e-16·2^k, k = 0…40, until it is a valid type.
        func inward(_ edge: Double, _ direction: Double) -> Double {
            var z = edge, step = (hi - lo) * 1e-16
            for _ in 0..<40 where !(curve.ironed(z).isFinite && curve.prior.pdf(z) > 0) {
                step *= 2
                z = edge + direction * step
            }
            return z
        }
        return (inward(lo, 1), inward(hi, -1))
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
            let o = try mechanism.agentOutcome(truthful.withBid(i, z), agent: i, options: options)
            return UtilityPoint(bid: z, payment: o.payment, workload: o.workload, utility: o.payment - c * o.workload)
        }
    }
}

/// One point of an agent's utility-vs-bid curve.
public struct UtilityPoint: Sendable, Codable, Equatable {
    /// The reported bid z (money per work unit).
    public let bid: Double
    /// Payment P_i(z) to the agent.
    public let payment: Double
    /// Workload x_i(z) allocated to the agent.
    public let workload: Double
    /// Utility P_i(z) − c_i·x_i(z) at the agent's true cost c_i.
    public let utility: Double
}
