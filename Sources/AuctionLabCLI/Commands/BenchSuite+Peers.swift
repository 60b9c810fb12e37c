import ArgumentParser
import Foundation
import Allocation
import LabIO
import LabNumerics
import Mechanisms
import Workflows

/// `bench peers`: AuctionLab's exact allocation beside the field's exact solvers on the same
/// instances (CFN files written by `CostFunctionNetwork`, run by `Scripts/peers.py`).
extension BenchSuite {
    /// One instance of the comparison: its class, name, model and prices.
    struct PeerCase {
        let group: String
        let name: String
        let model: CostModel
        let prices: [Double]
    }

    /// The instance classes: the paper's workflows, random trees, layered width-4 DAGs, and the
    /// paper's workflows at a tie price (what the payment search probes).
    func peerCases(maxNodes: Int) throws -> [PeerCase] {
        var g = SplitMix64(seed: seed)
        var cases: [PeerCase] = []
        var paper: [(String, Instance)] = []
        for label in ["S1", "S2", "S3", "S4"] {
            let path = "Experiments/instances/\(label.lowercased()).json"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("bench peers reads \(path): run it from the repository root")
            }
            let inst = try Instance(spec: InstanceSpec.decode(data, file: path))
            paper.append((label, inst))
            cases.append(PeerCase(group: "paper", name: label, model: inst.model, prices: inst.virtualBids))
        }
        for v in [100, 1000, 10_000] where v <= maxNodes {
            let inst = try Instance(spec: RandomWorkflow.instance(.tree, nodes: v, using: &g))
            cases.append(PeerCase(group: "tree", name: "tree-\(v)", model: inst.model, prices: inst.virtualBids))
        }
        for v in [100, 1000, 10_000] where v <= maxNodes {
            let inst = try Instance(spec: RandomWorkflow.instance(.layered, nodes: v, using: &g))
            cases.append(PeerCase(group: "layered", name: "layered-\(v)", model: inst.model, prices: inst.virtualBids))
        }
        for (label, inst) in paper {
            cases.append(PeerCase(group: "tie", name: label + "-tie", model: inst.model, prices: try tiePrices(inst)))
        }
        return cases
    }

    /// Prices at which the agent with the largest workload is exactly indifferent between two
    /// allocations: its price raised by bisection (on the raw solver, 200 halvings) to the last
    /// double at which its workload is still the one it has at its bid. This is the kind of price
    /// the exact payment search solves at, where every solver must break a tie.
    func tiePrices(_ inst: Instance) throws -> [Double] {
        let raw = try SolverKind.auto.makeRaw(for: inst.model)
        var prices = inst.virtualBids
        let x0 = inst.model.workloads(try raw.solve(prices: prices).agents)
        let i = x0.indices.max { x0[$0] < x0[$1] }!
        func workload(_ p: Double) throws -> Double {
            var q = prices; q[i] = p
            return inst.model.workloads(try raw.solve(prices: q).agents)[i]
        }
        var lo = prices[i], hi = max(1, prices[i]) * 1e6
        guard try workload(hi) < x0[i] else { return prices }
        for _ in 0..<200 where lo < hi && lo.nextUp < hi {
            let mid = lo + (hi - lo) / 2
            if try workload(mid) == x0[i] { lo = mid } else { hi = mid }
        }
        prices[i] = lo
        return prices
    }

    /// Runs the comparison and writes `csv` (and the figure, when `plot` is set).
    func benchPeers(python: String?, maxNodes: Int, highsTimeLimit: Double, csv: String, plot: String?) throws {
        let budget = quick ? 0.1 : 0.5
        let runs = quick ? 3 : 5
        let cases = try peerCases(maxNodes: maxNodes)
        print("AuctionLab bench peers — median wall seconds of one solve, one thread; every objective checked before any time is printed\n")

        // AuctionLab: the default one-shot solve (structure built, tie rule), the same without the
        // tie rule, the solve alone with the structure built once (what payments do), GLPK MILP.
        var own: [Int: [(String, Double, [Int])]] = [:]
        let progress = Progress("bench peers: auctionlab")
        for (k, c) in cases.enumerated() {
            var rows: [(String, Double, [Int])] = []
            var a: [Int] = []
            let tDefault = try time(budget) { a = try SolverKind.auto.make(for: c.model).solve(prices: c.prices).agents }
            rows.append(("auctionlab", tDefault, a))
            let tRaw = try time(budget) { a = try SolverKind.auto.makeRaw(for: c.model).solve(prices: c.prices).agents }
            rows.append(("auctionlab-no-tie-rule", tRaw, a))
            let built = try SolverKind.auto.make(for: c.model)
            let tWarm = try time(budget) { a = try built.solve(prices: c.prices).agents }
            rows.append(("auctionlab-prebuilt", tWarm, a))
            if c.model.nodeCount <= 1000 {
                let milp = MILPSolver(model: c.model)
                let tMILP = try time(budget) { a = try milp.solve(prices: c.prices).agents }
                rows.append(("auctionlab-milp", tMILP, a))
            }
            own[k] = rows
            progress.update(k + 1, cases.count, detail: c.name)
        }
        progress.finish("bench peers: auctionlab timed on \(cases.count) instances")

        // Peers, through Scripts/peers.py on CFN files in a scratch folder.
        var peer: [Int: [(String, Double, [Int])]] = [:]
        var notes: [String] = []
        // Per instance: the peers that gave no answer, and why (a row without a time in the CSV).
        var failed: [Int: [(String, String)]] = [:]
        if let python {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-peers-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            var fileIndex: [String: Int] = [:]
            for (k, c) in cases.enumerated() {
                let url = dir.appendingPathComponent("\(c.name).cfn")
                try CostFunctionNetwork(model: c.model, prices: c.prices).cfn(name: c.name).write(to: url, atomically: true, encoding: .utf8)
                fileIndex[url.path] = k
            }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = ["Scripts/peers.py", "\(runs)", "\(highsTimeLimit)"] + cases.map { dir.appendingPathComponent("\($0.name).cfn").path }
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw ValidationError("Scripts/peers.py exited with status \(p.terminationStatus)") }
            // Only JSON objects: HiGHS prints a banner on standard output before its options apply.
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("{") {
                guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let name = o["peer"] as? String else { continue }
                if let why = o["missing"] as? String { notes.append("\(name) not run: \(why)"); continue }
                guard let file = o["file"] as? String, let k = fileIndex[file] else { continue }
                if let err = o["error"] as? String {
                    notes.append("\(name) on \(cases[k].name): \(err)")
                    failed[k, default: []].append((name, err))
                    continue
                }
                if let t = o["median_seconds"] as? Double, let a = o["assignment"] as? [Int] { peer[k, default: []].append((name, t, a)) }
            }
        } else {
            notes.append("peers not run: no Python with pytoulbar2/highspy given (Scripts/bench-peers sets one up)")
        }

        let header = ["class", "instance", "V", "E", "solver", "median_seconds", "objective", "relative_difference", "ratio_to_best_peer", "note"]
        var csvRows: [[String]] = []
        var table: [[String]] = []
        var mismatches = 0
        for (k, c) in cases.enumerated() {
            let mine = own[k] ?? [], theirs = peer[k] ?? []
            let reference = c.model.objective(mine[0].2, prices: c.prices)
            let bestPeer = theirs.map(\.1).min()
            // A CFN rounds every cost to 10⁻⁶ of its unit (the largest unary cost ÷ 10⁶): a peer may
            // return an allocation that much worse per term (far below any tie the mechanism cares about).
            let unit = CostFunctionNetwork(model: c.model, prices: c.prices).scale
            let tolerance = Double(c.model.nodeCount + c.model.edges.count) * unit * 1e-6 + 1e-12 * abs(reference)
            for (name, t, a) in mine + theirs {
                let obj = c.model.isFeasible(a) ? c.model.objective(a, prices: c.prices) : .infinity
                let diff = (obj - reference) / max(abs(reference), 1e-300)
                let ok = abs(obj - reference) <= tolerance
                if !ok { mismatches += 1 }
                let ratio = bestPeer.map { String(format: "%.3g", t / $0) } ?? ""
                let note = ok ? "" : "objective differs from auctionlab's by \(String(format: "%.3g", diff)) (relative); time withheld"
                csvRows.append([c.group, c.name, "\(c.model.nodeCount)", "\(c.model.edges.count)", name, ok ? String(format: "%.6g", t) : "",
                                String(format: "%.17g", obj), String(format: "%.3g", diff), ok ? ratio : "", note])
                table.append([c.name, "\(c.model.nodeCount)", name, ok ? ms(t) : "—", ok ? (ratio.isEmpty ? "" : ratio + "×") : "", note])
            }
            for (name, why) in failed[k] ?? [] {
                csvRows.append([c.group, c.name, "\(c.model.nodeCount)", "\(c.model.edges.count)", name, "", "", "", "", why])
                table.append([c.name, "\(c.model.nodeCount)", name, "—", "", why])
            }
        }
        printAligned(["instance", "V", "solver", "median", "÷ best peer", "note"], table)
        notes.forEach { print("  " + $0) }
        try AtomicFile.write(csvText(header, csvRows), to: URL(fileURLWithPath: csv))
        print("\nwrote \(csv)")
        if let python, let plot {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = ["Scripts/peers.py", "plot", csv, plot]
            try p.run(); p.waitUntilExit()
            if p.terminationStatus == 0 { print("wrote \(plot)") } else { print("  figure not drawn (Scripts/peers.py plot exited \(p.terminationStatus))") }
        }
        if mismatches > 0 { throw ValidationError("\(mismatches) solver answers differ from auctionlab's optimum beyond the CFN's rounding; their times are withheld in \(csv)") }
    }
}
