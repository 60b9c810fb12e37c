import Dispatch
import Equilibrium
import Experiments
import Foundation
import LabIO
import LabNumerics
import Mechanisms
import Priors
import Workflows

/// One CSV row of `trials.csv`: a (parameter point, topology, trial, mechanism).
public struct TrialRow: Sendable, Hashable, Codable {
    /// Topology name.
    public let topology: String
    /// Mechanism name.
    public let mechanism: String
    /// Trial index (0-based) within the point and topology.
    public let trial: Int
    /// Seed of the trial's market (the same for every point, topology and mechanism of the trial).
    public let seed: UInt64
    /// The parameter point: every market parameter by name, swept or default.
    public let parameters: [String: Double]
    /// Total payment to agents, in $ (× the market's `payment_scale`).
    public let totalPayment: Double
    /// Σ true cost × workload of the allocation, in $ (× `payment_scale`).
    public let trueCost: Double
    /// Σ virtual cost × workload of the allocation, in $ (× `payment_scale`).
    public let virtualCost: Double
    /// Σ bid × workload of the allocation, in $ (× `payment_scale`).
    public let bidCost: Double
    /// Share of total workload done by each tier (three entries, in [0, 1], summing to 1 when any work is done).
    public let tierShare: [Double]
    /// Allocation-solver calls the mechanism made (allocation plus payment searches).
    public let solverCalls: Int
    /// For a spec with `BASE@equilibrium` entries: ``EquilibriumMeasures`` (NaN for the other
    /// mechanisms); empty otherwise.
    public var equilibrium: [Double] = []
}

/// Runs an experiment: every (point, topology, trial) item in parallel, each with its own
/// generator seeded from (master seed, trial index) — the same market for every mechanism
/// and parameter point of a trial (common random numbers), and results stored by item
/// index, so the output does not depend on the number of threads.
public struct SweepRunner: Sendable {
    /// The experiment spec (points, topologies, mechanisms, trials, seed).
    public let spec: ExperimentSpec
    /// The loaded topologies, in spec order.
    public let topologies: [Topology]
    /// The mechanisms, resolved from the registry in spec order.
    public let mechanisms: [any Mechanism]
    /// The market agents and costs are sampled from.
    public let market: MarketSpec
    /// Built priors shared by the items (and threads) of this runner. A trial samples the same
    /// market at every topology and parameter point that leaves the market alone (common random
    /// numbers), so its agents' priors repeat `trials` items apart (`trials × topologies` across
    /// points): the capacity keeps several thousand. Results are byte-identical without it.
    let priorCache = PriorCache(capacity: 8192)
    /// Reference equilibria of the equilibrium entries, solved once per process (`ReferenceEquilibria`).
    let references = ReferenceEquilibria()

    /// A runner on an in-memory market and loaded topologies (calibration varies the market).
    public init(spec: ExperimentSpec, market: MarketSpec, topologies: [Topology], file: String = "spec") throws {
        self.topologies = topologies
        mechanisms = try Self.resolveMechanisms(spec.mechanisms, file: file, equilibrium: spec.equilibrium)
        self.market = market
        self.spec = spec
        points = spec.points(defaults: market.defaults)
        inputs = Self.fingerprints(market: market, marketFile: "market \"\(market.name)\" (in memory)",
                                   topologies: topologies, topologyFiles: topologies.map { "topology \"\($0.name)\" (in memory)" })
        try checkEquilibriumMarket(file: file)
    }

    /// A runner for `spec`, loading its topologies (from `topologyDirectory`, else the spec's
    /// `topology_dir`, else `Experiments/topologies`) and its market (else the paper market).
    /// - Throws: a `FieldError` naming the field of `file` for an unknown topology or
    ///   mechanism, or a market file that does not load.
    public init(spec: ExperimentSpec, file: String = "spec", topologyDirectory: String? = nil) throws {
        topologies = try Self.loadTopologies(spec.topologies, directory: topologyDirectory ?? spec.topologyDir ?? "Experiments/topologies", file: file)
        mechanisms = try Self.resolveMechanisms(spec.mechanisms, file: file, equilibrium: spec.equilibrium)
        market = try spec.market.map { try MarketSpec.load($0, field: "market", specFile: file) } ?? .paper
        self.spec = spec
        points = spec.points(defaults: market.defaults)
        let dir = topologyDirectory ?? spec.topologyDir ?? "Experiments/topologies"
        inputs = Self.fingerprints(market: market, marketFile: spec.market ?? "the built-in paper market",
                                   topologies: topologies, topologyFiles: spec.topologies.map { (dir as NSString).appendingPathComponent("\($0).json") })
        try checkEquilibriumMarket(file: file)
    }

    /// The files a trial's rows depend on besides the spec (the market, then each topology in
    /// spec order), each with a fingerprint of its *content*: FNV-1a over the decoded value
    /// encoded as JSON with sorted keys (so comments, key order and number spelling do not
    /// count; names and free-text `source` do not either — the spec hash has the names). Row
    /// files carry them, so a market or topology edited between shards or before `--resume`
    /// is refused, naming the file.
    public let inputs: [(file: String, hash: UInt64)]

    static func fingerprints(market: MarketSpec, marketFile: String, topologies: [Topology], topologyFiles: [String]) -> [(file: String, hash: UInt64)] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        func fnv(_ data: Data) -> UInt64 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            return h
        }
        var m = market
        m.name = ""
        var out = [(file: marketFile, hash: fnv((try? enc.encode(m)) ?? Data()))]
        for (t, file) in zip(topologies, topologyFiles) {
            let content = Topology(name: "", source: nil, nodes: t.nodes, edges: t.edges)
            out.append((file, fnv((try? enc.encode(content)) ?? Data())))
        }
        return out
    }

    /// A spec's `topologies` list loaded from `directory`; errors name `topologies[k]` of `file`.
    public static func loadTopologies(_ names: [String], directory: String, file: String) throws -> [Topology] {
        try names.enumerated().map { k, name in
            do { return try Topology.load(name: name, directory: directory) } catch let e where e is ExperimentError || e is FieldError {
                throw FieldError(file: file, field: "topologies[\(k)]", reason: "\"\(name)\": \(e)")
            }
        }
    }

    /// A spec's `mechanisms` list from the registry; errors name `mechanisms[k]` of `file`.
    /// `BASE@equilibrium` is BASE played at its computed equilibrium (`AtEquilibrium`, module Equilibrium), solved
    /// with `equilibrium`'s settings (defaults when nil).
    public static func resolveMechanisms(_ names: [String], file: String, equilibrium: EquilibriumSettings? = nil) throws -> [any Mechanism] {
        try names.enumerated().map { k, name in
            let baseName = AtEquilibrium.baseName(name) ?? name
            guard let m = MechanismRegistry.named(baseName) else {
                throw FieldError(file: file, field: "mechanisms[\(k)]",
                                 reason: "\"\(name)\" is unknown; expected one of \(MechanismRegistry.names.joined(separator: ", ")), or one of them followed by \(AtEquilibrium.suffix)")
            }
            guard baseName != name else { return m }
            return AtEquilibrium(base: m, config: (equilibrium ?? EquilibriumSettings()).config)
        }
    }

    /// Equilibrium entries are solved on the base mechanism as defined; a market that changes
    /// the baselines' payments (`baseline_cap`) or the bundle's bidders would make the computed
    /// equilibrium another game's, so it is refused.
    func checkEquilibriumMarket(file: String) throws {
        guard mechanisms.contains(where: { $0 is AtEquilibrium }) else { return }
        let a = market.assumed
        guard a.cap == .none, a.bundle == .capable else {
            throw FieldError(file: file, field: "market",
                             reason: "sets baseline_cap or bundle_bidders, which the equilibrium entries (\(AtEquilibrium.suffix)) do not model; use the default assumptions")
        }
    }

    /// DSIC checks probe a mechanism thousands of times; an equilibrium entry would recompute
    /// its equilibrium on every probe, so the DSIC experiments refuse it, naming the entry.
    public static func refuseEquilibriumEntries(_ mechanisms: [any Mechanism], file: String) throws {
        if let k = mechanisms.firstIndex(where: { $0 is AtEquilibrium }) {
            throw FieldError(file: file, field: "mechanisms[\(k)]",
                             reason: "\"\(mechanisms[k].name)\" is played at equilibrium; DSIC checks take mechanisms as defined (use `auctionlab equilibrium` or a sweep)")
        }
    }

    /// Whether rows carry ``EquilibriumMeasures``.
    var hasEquilibrium: Bool { mechanisms.contains { $0 is AtEquilibrium } }

    /// Parameter points with the market's defaults for unswept parameters (built once: the
    /// merge and the journal reader look points up per item).
    public let points: [[String: Double]]

    struct Item: Sendable { let point: Int; let topology: Int; let trial: Int }

    /// Item `k` of the canonical order (point-major, then topology, then trial); an item's
    /// index is its identity in journals and shard files.
    func item(_ k: Int) -> Item {
        let block = k / spec.trials
        return Item(point: block / topologies.count, topology: block % topologies.count, trial: k % spec.trials)
    }

    /// The seed of trial `trial`'s market (the same for every point, topology and mechanism).
    func seed(trial: Int) -> UInt64 { SplitMix64.derive(master: spec.seed, index: UInt64(trial)) }

    /// Number of work items: points × topologies × trials (each item runs every mechanism).
    public var itemCount: Int { points.count * topologies.count * spec.trials }

    /// Runs the items of this shard (all when `shard` is nil), skipping those already in
    /// `journal` and writing each finished item into it, so a killed run can be resumed.
    /// `stopAfter` ends the run after that many new items (tests use it to simulate a kill).
    /// Returns the finished rows by item index (journal + new), held in memory — the CLI's
    /// runs use ``runShard(_:in:resume:threads:stopAfter:progress:)`` and
    /// ``runToReports(in:resume:threads:command:progress:)``, which do not keep them.
    public func runItems(threads: Int = ProcessInfo.processInfo.activeProcessorCount, shard: ShardID? = nil,
                         journal: URL? = nil, stopAfter: Int? = nil,
                         progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [Int: [TrialRow]] {
        try execute(threads: threads, layout: shard ?? .all, journal: journal, stopAfter: stopAfter, collect: true, progress: progress).rows
    }

    /// What ``execute(threads:layout:journal:stopAfter:collect:progress:)`` did.
    struct Execution { let done: Int, new: Int, resumed: Int, expected: Int; let rows: [Int: [TrialRow]] }

    /// The work of a run: items of `layout` not yet in `journal`, in parallel, each written
    /// into its journal slot as it finishes; rows kept in memory only when `collect`.
    func execute(threads: Int, layout: ShardID, journal: URL?, stopAfter: Int?, collect: Bool,
                 progress: (@Sendable (Int, Int) -> Void)?) throws -> Execution {
        try checkRowCapacity()
        let points = self.points
        let header = rowHeader(layout)
        var doneSlot = [Bool](repeating: false, count: header.slots)
        var rows: [Int: [TrialRow]] = [:]
        let resumed = try journal.map { url in
            try readJournal(url, shard: layout) { r, k, ms in
                doneSlot[r] = true
                if collect { rows[k] = trialRows(item: k, ms) }
            }
        } ?? 0
        let open = doneSlot.indices.filter { !doneSlot[$0] }
        let todo = stopAfter.map { Array(open.prefix($0)) } ?? open
        let writer = try journal.map { try RowFile.Writer(url: $0, header: header) }
        let trials = spec.trials
        // Each finished item is in the journal at once; its rows stay in memory only when `collect`.
        let kept = try IndexedResults<[TrialRow]?>.map(count: todo.count, threads: threads, failFast: true, progress: progress) { j in
            let r = todo[j]
            let k = RowFile.item(inSlot: r, shard: layout, trials: trials)
            let out = try runItem(item(k), parameters: points[item(k).point])
            try writer?.write(item: k, slot: r, rows: out.map(RowFile.Measures.init))
            return collect ? out : nil
        }
        if collect { for (j, out) in kept.enumerated() { rows[RowFile.item(inSlot: todo[j], shard: layout, trials: trials)] = out } }
        return Execution(done: resumed + todo.count, new: todo.count, resumed: resumed, expected: header.slots, rows: rows)
    }

    /// All rows of a complete run, in canonical order (thread-count invariant).
    public func run(threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [TrialRow] {
        let done = try runItems(threads: threads, progress: progress)
        return (0..<itemCount).flatMap { done[$0] ?? [] }
    }

    /// Joins per-item rows into canonical order, refusing when an item is missing.
    public func assemble(_ done: [Int: [TrialRow]]) throws -> [TrialRow] {
        let missing = (0..<itemCount).filter { done[$0] == nil }
        guard missing.isEmpty else {
            let trials = Set(missing.map { item($0).trial }).sorted()
            throw ExperimentError.io("\(missing.count) of \(itemCount) items are missing (trials \(trials.prefix(10).map(String.init).joined(separator: ", "))\(trials.count > 10 ? ", …" : ""))")
        }
        return (0..<itemCount).flatMap { done[$0]! }
    }

    /// The instance a trial plays on `topology` at parameter point `point` (the mechanisms' bids
    /// are the trial's drawn costs), so one trial can be re-run alone, e.g. its equilibrium with
    /// other solver settings (`auctionlab sweep SPEC --instance S3/18`).
    /// - Throws: a `FieldError` naming `topology`, `trial` or `point` when it is not in the spec.
    public func trialInstance(topology name: String, trial: Int, point: Int = 0) throws -> InstanceSpec {
        guard let t = topologies.firstIndex(where: { $0.name == name }) else {
            throw FieldError(field: "topology", reason: "\"\(name)\" is not one of the spec's topologies (\(topologies.map(\.name).joined(separator: ", ")))")
        }
        guard trial >= 0 && trial < spec.trials else { throw FieldError(field: "trial", reason: "must be in 0…\(spec.trials - 1) (got \(trial))") }
        guard point >= 0 && point < points.count else { throw FieldError(field: "point", reason: "must be in 0…\(points.count - 1) (got \(point))") }
        return sampleMarket(topology: t, trial: trial, parameters: points[point]).spec
    }

    /// The market (instance and drawn costs) of trial `trial` on topology index `t`: the one
    /// draw both `runItem` and `trialInstance` use, so a trial re-run alone is the trial.
    func sampleMarket(topology t: Int, trial: Int, parameters: [String: Double]) -> (spec: InstanceSpec, costs: [Double]) {
        PaperMarket.sample(topology: topologies[t], parameters: parameters, seed: seed(trial: trial), market: market)
    }

    /// The solver seed of the equilibrium of mechanism entry `entry` (its position in the spec's
    /// `mechanisms`) on trial `trial`: with the spec's `equilibrium:` settings it reproduces that
    /// row's equilibrium alone (`auctionlab equilibrium solve TRIAL.json --settings SPEC --seed S`).
    public func equilibriumSeed(trial: Int, entry: Int) -> UInt64 {
        SplitMix64.derive(master: seed(trial: trial), index: 0xE9_0000 + UInt64(entry))
    }

    func runItem(_ item: Item, parameters: [String: Double]) throws -> [TrialRow] {
        let topo = topologies[item.topology]
        let seed = seed(trial: item.trial)
        let (ispec, costs) = sampleMarket(topology: item.topology, trial: item.trial, parameters: parameters)
        let inst = try Instance(spec: ispec, priorCache: priorCache)
        let assumed = market.assumed
        let withEquilibrium = hasEquilibrium
        // $ per 1M tokens × tokens → $ (× the market's payment_scale, 1 by default).
        let usd = { (x: Double) in assumed.scale == 1 ? x / 1e6 : x / 1e6 * assumed.scale }
        return try mechanisms.enumerated().map { j, mech in
            let o: Outcome, paid: Double
            var eq: [Double] = withEquilibrium ? EquilibriumMeasures.none : []
            if let atEq = mech as? AtEquilibrium {
                // The trial's costs are the instance's bids; the equilibrium is seeded from the
                // trial's seed and the entry's position, so every shard computes the same one.
                let settings = spec.equilibrium ?? EquilibriumSettings()
                var start: [BidFunction]? = nil
                if settings.usesReference {
                    let key = "\(item.point)/\(item.topology)/\(j)"
                    let reference = try references.strategies(key) {
                        let rspec = PaperMarket.reference(topology: topo, parameters: parameters, market: market)
                        var c = settings.referenceConfig
                        c.seed = SplitMix64.derive(master: spec.seed, index: 0xE9_0000 + UInt64(j), salt: 0x12EF)
                        // Only the strategies are used (each trial certifies its own): the smallest certificate.
                        c.certificateSamples = EquilibriumConfig.minimumCertificateSamples
                        return try EquilibriumSolver.solve(atEq.base, instance: Instance(spec: rspec, priorCache: priorCache), config: c).strategies
                    }
                    start = EquilibriumSolver.carry(reference, to: inst)
                }
                let playSeed = equilibriumSeed(trial: item.trial, entry: j)
                let play = try atEq.play(inst, seed: playSeed, start: start, warmIterations: settings.polish, warmStepOffset: settings.polishOffset)
                o = play.outcome
                paid = o.totalPayment
                // Myerson's bound, per trial: STAR at truthful bids on the certificate's profiles,
                // paired with this equilibrium's payment on them.
                var star: (payment: Estimate, gap: Estimate)? = nil
                if let s = mechanisms.first(where: { $0.name == "star" }) {
                    var c = atEq.config
                    c.seed = playSeed
                    let r = try EquilibriumSolver.compareTruthful(s, with: atEq.base, instance: inst, strategies: play.equilibrium.strategies, config: c)
                    star = (r.other, r.difference)
                }
                eq = EquilibriumMeasures.values(play.equilibrium, star: star, usd: usd)
            } else {
                (o, paid) = try assumed.run(mech, on: inst, spec: ispec)
            }
            var share = [0.0, 0.0, 0.0]
            let total = o.workloads.reduce(0, +)
            for i in 0..<inst.agentCount { share[inst.tiers[i] - 1] += o.workloads[i] / max(total, .leastNormalMagnitude) }
            return TrialRow(topology: topo.name, mechanism: mech.name, trial: item.trial, seed: seed, parameters: parameters,
                            totalPayment: usd(paid), trueCost: usd(o.trueCost(costs)),
                            virtualCost: usd(o.totalVirtualCost), bidCost: usd(o.totalBidCost), tierShare: share,
                            solverCalls: o.solverCalls, equilibrium: eq)
        }
    }
}


