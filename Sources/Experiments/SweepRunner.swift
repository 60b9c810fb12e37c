import Dispatch
import Foundation
import LabIO
import LabNumerics
import Mechanisms
import Workflows

/// One CSV row of `trials.csv`: a (parameter point, topology, trial, mechanism).
public struct TrialRow: Sendable, Hashable, Codable {
    public let topology: String
    public let mechanism: String
    public let trial: Int
    public let seed: UInt64
    public let parameters: [String: Double]
    public let totalPayment: Double
    public let trueCost: Double
    public let virtualCost: Double
    public let bidCost: Double
    public let tierShare: [Double]
    public let solverCalls: Int
}

/// Runs an experiment: every (point, topology, trial) item in parallel, each with its own
/// generator seeded from (master seed, trial index) — the same market for every mechanism
/// and parameter point of a trial (common random numbers), and results stored by item
/// index, so the output does not depend on the number of threads.
public struct SweepRunner: Sendable {
    public let spec: ExperimentSpec
    public let topologies: [Topology]
    public let mechanisms: [any Mechanism]
    public let market: MarketSpec

    /// A runner on an in-memory market and loaded topologies (calibration varies the market).
    public init(spec: ExperimentSpec, market: MarketSpec, topologies: [Topology], file: String = "spec") throws {
        self.topologies = topologies
        mechanisms = try Self.resolveMechanisms(spec.mechanisms, file: file)
        self.market = market
        self.spec = spec
    }

    public init(spec: ExperimentSpec, file: String = "spec", topologyDirectory: String? = nil) throws {
        topologies = try Self.loadTopologies(spec.topologies, directory: topologyDirectory ?? spec.topologyDir ?? "Experiments/topologies", file: file)
        mechanisms = try Self.resolveMechanisms(spec.mechanisms, file: file)
        market = try spec.market.map { try MarketSpec.load($0, field: "market", specFile: file) } ?? .paper
        self.spec = spec
    }

    /// A spec's `topologies` list loaded from `directory`; errors name `topologies[k]` of `file`.
    public static func loadTopologies(_ names: [String], directory: String, file: String) throws -> [Topology] {
        try names.enumerated().map { k, name in
            do { return try Topology.load(name: name, directory: directory) } catch let e as ExperimentError {
                throw ExperimentError.malformed(file: file, field: "topologies[\(k)]", reason: "\"\(name)\": \(e)")
            }
        }
    }

    /// A spec's `mechanisms` list from the registry; errors name `mechanisms[k]` of `file`.
    public static func resolveMechanisms(_ names: [String], file: String) throws -> [any Mechanism] {
        try names.enumerated().map { k, name in
            guard let m = MechanismRegistry.named(name) else {
                throw ExperimentError.malformed(file: file, field: "mechanisms[\(k)]",
                                                reason: "\"\(name)\" is unknown; expected one of \(MechanismRegistry.names.joined(separator: ", "))")
            }
            return m
        }
    }

    /// Parameter points with the market's defaults for unswept parameters.
    public var points: [[String: Double]] { spec.points(defaults: market.defaults) }

    struct Item: Sendable { let point: Int; let topology: Int; let trial: Int }

    /// The work items in their canonical order; an item's index is its identity in
    /// journals and shard files.
    var items: [Item] {
        var list: [Item] = []
        for p in points.indices { for t in topologies.indices { for trial in 0..<spec.trials { list.append(Item(point: p, topology: t, trial: trial)) } } }
        return list
    }

    public var itemCount: Int { points.count * topologies.count * spec.trials }

    /// Runs the items of this shard (all when `shard` is nil), skipping those already in
    /// `journal` and appending each finished item to it, so a killed run can be resumed.
    /// `stopAfter` ends the run after that many new items (tests use it to simulate a kill).
    /// Returns the finished rows by item index (journal + new).
    public func runItems(threads: Int = ProcessInfo.processInfo.activeProcessorCount, shard: ShardID? = nil,
                         journal: URL? = nil, stopAfter: Int? = nil,
                         progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [Int: [TrialRow]] {
        let points = self.points
        let all = items
        var done = try journal.map(Journal.read) ?? [:]
        // A journal left by another spec (or --trials) must not be resumed into this run.
        for (k, rows) in done {
            guard all.indices.contains(k) else {
                throw ExperimentError.io("\(journal!.path): item \(k) is beyond this spec's \(all.count) items; it was written by another spec or --trials (delete it, or run without --resume)")
            }
            if let why = mismatch(all[k], rows: rows, points: points) {
                throw ExperimentError.io("\(journal!.path): item \(k) \(why); it was written by another spec (delete it, or run without --resume)")
            }
        }
        let todo = all.indices.filter { k in done[k] == nil && (shard?.contains(trial: all[k].trial) ?? true) }
        let limited = stopAfter.map { Array(todo.prefix($0)) } ?? todo
        let results = IndexedResults<[TrialRow]>(count: limited.count)
        let writer = try journal.map { try Journal.Writer(url: $0) }
        let workers = max(1, min(threads, limited.count))
        let total = limited.count
        if total > 0 {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var j = w
                while j < limited.count {
                    let k = limited[j]
                    let stored = results.set(j, Result {
                        let rows = try runItem(all[k], parameters: points[all[k].point])
                        try writer?.append(item: k, rows: rows)
                        return rows
                    })
                    progress?(stored, total)
                    j += workers
                }
            }
        }
        for (j, rows) in try results.all().enumerated() { done[limited[j]] = rows }
        return done
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
            let trials = Set(missing.map { items[$0].trial }).sorted()
            throw ExperimentError.io("\(missing.count) of \(itemCount) items are missing (trials \(trials.prefix(10).map(String.init).joined(separator: ", "))\(trials.count > 10 ? ", …" : ""))")
        }
        return (0..<itemCount).flatMap { done[$0]! }
    }

    func runItem(_ item: Item, parameters: [String: Double]) throws -> [TrialRow] {
        let topo = topologies[item.topology]
        let seed = SplitMix64.derive(master: spec.seed, index: UInt64(item.trial))
        let (ispec, costs) = PaperMarket.sample(topology: topo, parameters: parameters, seed: seed, market: market)
        let inst = try Instance(spec: ispec)
        let assumed = market.assumed
        return try mechanisms.map { mech in
            let (o, paid) = try assumed.run(mech, on: inst, spec: ispec)
            var share = [0.0, 0.0, 0.0]
            let total = o.workloads.reduce(0, +)
            for i in 0..<inst.agentCount { share[inst.tiers[i] - 1] += o.workloads[i] / max(total, .leastNormalMagnitude) }
            // $ per 1M tokens × tokens → $ (× the market's payment_scale, 1 by default).
            let usd = { (x: Double) in assumed.scale == 1 ? x / 1e6 : x / 1e6 * assumed.scale }
            return TrialRow(topology: topo.name, mechanism: mech.name, trial: item.trial, seed: seed, parameters: parameters,
                            totalPayment: usd(paid), trueCost: usd(o.trueCost(costs)),
                            virtualCost: usd(o.totalVirtualCost), bidCost: usd(o.totalBidCost), tierShare: share,
                            solverCalls: o.solverCalls)
        }
    }
}
