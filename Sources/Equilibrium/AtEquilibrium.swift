import Foundation
import LabNumerics
import Mechanisms
import Workflows

/// A manipulable mechanism played at its approximate Bayes–Nash equilibrium: the name
/// `BASE@equilibrium` in an experiment spec (issue 14).
///
/// On an instance, the equilibrium of `base` is computed from the instance's priors alone
/// (``EquilibriumSolver/solve(_:instance:config:progress:)``, with its certificate); the
/// instance's bids are read as the agents' **true costs**, each agent bids its equilibrium bid
/// function at its cost, and `base` runs at those bids. So a sweep row of `pay-as-bid@equilibrium`
/// is what pay-as-bid pays on that trial's costs when every agent plays the computed
/// equilibrium, paired with the truthful mechanisms' rows on the same costs.
///
/// Cost: one equilibrium computation per call (seconds to minutes; see `EquilibriumConfig`),
/// so `allocate` and the DSIC probes are not meant for it — the DSIC sweeps refuse it.
public struct AtEquilibrium: Mechanism {
    /// The suffix that marks an equilibrium entry in a spec's `mechanisms` list.
    public static let suffix = "@equilibrium"

    /// The manipulable mechanism played at its equilibrium (pay-as-bid, Myopic, …).
    public let base: any Mechanism
    /// Solver and certificate settings; `seed` is replaced per call by ``play(_:seed:)``'s.
    public let config: EquilibriumConfig

    /// `base` played at the equilibrium `config` computes (its seed is replaced per play).
    public init(base: any Mechanism, config: EquilibriumConfig) {
        self.base = base
        self.config = config
    }

    /// `BASE@equilibrium`, e.g. `pay-as-bid@equilibrium`.
    public var name: String { base.name + Self.suffix }
    /// Played at an equilibrium, not at truthful bids: no truthfulness claim.
    public var claimsTruthful: Bool { false }

    /// The base mechanism named by `name` (`pay-as-bid@equilibrium` → pay-as-bid), or nil when
    /// `name` is not an equilibrium entry.
    public static func baseName(_ name: String) -> String? {
        name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : nil
    }

    /// What one play produced: the base mechanism's outcome at equilibrium bids, and the
    /// equilibrium with its certificate and payment comparison.
    public struct Play: Sendable {
        /// The base mechanism's outcome at the equilibrium bids b_i(c_i).
        public let outcome: Outcome
        /// The equilibrium strategies, their ε-certificate and the payment comparison.
        public let equilibrium: EquilibriumResult
    }

    /// The equilibrium of `base` on `instance`'s priors (solver and certificate seeded by `seed`),
    /// then `base` at the bids b_i(c_i) with c_i = the instance's bid of agent i.
    /// With `start` (strategies on `instance`'s supports, e.g. a reference equilibrium carried
    /// over by ``EquilibriumSolver/carry(_:to:)``) the solver is warm-started there with
    /// `warmIterations` iterations whose steps begin at `warmStepOffset` (see
    /// ``EquilibriumConfig/stepOffset``).
    public func play(_ instance: Instance, seed: UInt64, start: [BidFunction]? = nil, warmIterations: Int? = nil,
                     warmStepOffset: Int = 0) throws -> Play {
        var c = config
        c.seed = seed
        if let start {
            c.start = start
            c.stepOffset = warmStepOffset
            if let w = warmIterations { c.iterations = w }
        }
        let eq = try EquilibriumSolver.solve(base, instance: instance, config: c)
        var atEq = instance
        for i in 0..<instance.agentCount { atEq = atEq.withBid(i, eq.strategies[i].bid(instance.bids[i])) }
        return Play(outcome: try base.run(atEq, options: c.options), equilibrium: eq)
    }

    /// `play` with `config.seed`: the outcome only (the certificate is in ``play(_:seed:)``).
    public func run(_ instance: Instance, options: MechanismOptions) throws -> Outcome {
        try play(instance, seed: config.seed).outcome
    }
}
