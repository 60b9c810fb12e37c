import Dispatch
import Foundation
import LabNumerics
import Mechanisms
import Workflows

/// One CSV row of `trials.csv`: a (parameter point, topology, trial, mechanism).
public struct TrialRow: Sendable, Hashable {
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

    public init(spec: ExperimentSpec, file: String = "spec", topologyDirectory: String? = nil) throws {
        let dir = topologyDirectory ?? spec.topologyDir ?? "Experiments/topologies"
        topologies = try spec.topologies.enumerated().map { k, name in
            do { return try Topology.load(name: name, directory: dir) } catch let e as ExperimentError {
                throw ExperimentError.malformed(file: file, field: "topologies[\(k)]", reason: "\"\(name)\": \(e)")
            }
        }
        mechanisms = try spec.mechanisms.enumerated().map { k, name in
            guard let m = MechanismRegistry.named(name) else {
                throw ExperimentError.malformed(file: file, field: "mechanisms[\(k)]",
                                                reason: "\"\(name)\" is unknown; expected one of \(MechanismRegistry.names.joined(separator: ", "))")
            }
            return m
        }
        self.spec = spec
    }

    struct Item: Sendable { let point: Int; let topology: Int; let trial: Int }

    /// - Parameter progress: called (from worker threads) with (done, total) after each item.
    public func run(threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [TrialRow] {
        let points = spec.points
        var list: [Item] = []
        for p in points.indices { for t in topologies.indices { for trial in 0..<spec.trials { list.append(Item(point: p, topology: t, trial: trial)) } } }
        let items = list
        let results = ResultStore(count: items.count)
        let workers = max(1, min(threads, items.count))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var k = w
            while k < items.count {
                let item = items[k]
                do {
                    results.set(k, .success(try runItem(item, parameters: points[item.point])))
                } catch {
                    results.set(k, .failure(error))
                }
                progress?(results.done, items.count)
                k += workers
            }
        }
        return try results.all().flatMap { $0 }
    }

    func runItem(_ item: Item, parameters: [String: Double]) throws -> [TrialRow] {
        let topo = topologies[item.topology]
        let seed = SplitMix64.derive(master: spec.seed, index: UInt64(item.trial))
        let (ispec, costs) = PaperMarket.sample(topology: topo, parameters: parameters, seed: seed)
        let inst = try Instance(spec: ispec)
        return try mechanisms.map { mech in
            let o = try mech.run(inst, options: .init())
            var share = [0.0, 0.0, 0.0]
            let total = o.workloads.reduce(0, +)
            for i in 0..<inst.agentCount { share[inst.tiers[i] - 1] += o.workloads[i] / max(total, .leastNormalMagnitude) }
            // $ per 1M tokens × tokens → $.
            return TrialRow(topology: topo.name, mechanism: mech.name, trial: item.trial, seed: seed, parameters: parameters,
                            totalPayment: o.totalPayment / 1e6, trueCost: o.trueCost(costs) / 1e6,
                            virtualCost: o.totalVirtualCost / 1e6, bidCost: o.totalBidCost / 1e6, tierShare: share,
                            solverCalls: o.solverCalls)
        }
    }
}

/// Results by item index, filled from worker threads.
final class ResultStore: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<[TrialRow], Error>?]
    private(set) var done = 0
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ r: Result<[TrialRow], Error>) { lock.lock(); slots[k] = r; done += 1; lock.unlock() }
    func all() throws -> [[TrialRow]] { try slots.map { try $0!.get() } }
}
