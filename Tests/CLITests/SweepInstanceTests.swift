import Foundation
import Testing

/// `auctionlab sweep SPEC --instance TOPOLOGY/TRIAL`: one trial's instance as JSON, which the
/// other commands read back (the library side is checked against the sweep's rows in SweepsTests).
@Suite("auctionlab sweep --instance")
struct SweepInstanceTests {
    @Test("prints an instance of the topology that `solve` reads; a malformed or unknown TOPOLOGY/TRIAL is refused")
    func instanceOfOneTrial() throws {
        let r = try CLI.run(["sweep", "Experiments/table1.yaml", "--instance", "S4/3"])
        #expect(r.status == 0, "\(r.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect((json["nodes"] as? [Any])?.count == 12)
        #expect(((json["agents"] as? [Any])?.count ?? 0) > 0)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-instance-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(r.out.utf8).write(to: file)
        let solved = try CLI.run(["solve", file.path, "--mechanism", "star"])
        #expect(solved.status == 0, "\(solved.err)")
        let other = try CLI.run(["sweep", "Experiments/table1.yaml", "--instance", "S4/4"])
        #expect(other.status == 0 && other.out != r.out)
        for (arg, says) in [("S4", "TOPOLOGY/TRIAL"), ("S4/x", "TOPOLOGY/TRIAL"), ("S9/1", "S9"), ("S4/100000", "trial")] {
            let bad = try CLI.run(["sweep", "Experiments/table1.yaml", "--instance", arg])
            #expect(bad.status != 0 && bad.err.contains(says) && bad.out.isEmpty, "\(arg): \(bad.err)")
        }
    }
}

extension SweepInstanceTests {
    @Test("a trial's equilibrium re-solved alone with --settings SPEC and the seed `--instance` names has the row's ε and payment")
    func equilibriumAlone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("tiny.yaml")
        try """
        name: tiny
        topologies: [S4]
        mechanisms: [star, pay-as-bid@equilibrium]
        trials: 2
        seed: 5
        equilibrium: {grid: 5, samples: 20, iterations: 4, certificate_samples: 20, final_polish: 0}
        """.write(to: spec, atomically: true, encoding: .utf8)
        let sweep = try CLI.run(["sweep", spec.path, "--threads", "2", "--out", dir.appendingPathComponent("out").path])
        #expect(sweep.status == 0, "\(sweep.err)")
        let csv = try String(contentsOf: dir.appendingPathComponent("out/trials.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = csv[0]
        let row = try #require(csv.first { $0.count > 3 && $0[2] == "pay-as-bid@equilibrium" && $0[3] == "1" })
        let eps = try #require(Double(row[header.firstIndex(of: "relative_epsilon")!]))
        let pay = try #require(Double(row[header.firstIndex(of: "expected_payment_equilibrium")!]))
        let inst = try CLI.run(["sweep", spec.path, "--instance", "S4/1"])
        #expect(inst.status == 0, "\(inst.err)")
        let seed = try #require(inst.err.firstMatch(of: #/--seed (\d+)/#).map { String($0.output.1) }, "\(inst.err)")
        let file = dir.appendingPathComponent("trial.json")
        try Data(inst.out.utf8).write(to: file)
        let solved = try CLI.run(["equilibrium", "solve", file.path, "--mechanism", "pay-as-bid", "--settings", spec.path, "--seed", seed, "--threads", "2", "--format", "json"])
        #expect(solved.status == 0, "\(solved.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(solved.out.utf8)) as? [String: Any])
        let agents = try #require((json["certificate"] as? [String: Any])?["per_agent"] as? [[String: Any]])
        let rel = agents.compactMap { ($0["relative_epsilon"] as? [String: Any])?["mean"] as? Double }.max()
        #expect(rel.map { abs($0 - eps) <= 1e-9 * max(1, abs(eps)) } == true, "row \(eps), alone \(String(describing: rel))")
        let mean = try #require(((json["payments"] as? [String: Any])?["equilibrium"] as? [String: Any])?["mean"] as? Double)
        // The row is in $ (per million tokens).
        #expect(abs(mean / 1e6 - pay) <= 1e-9 * max(1, abs(pay)), "row \(pay), alone \(mean / 1e6)")
        let clash = try CLI.run(["equilibrium", "solve", file.path, "--mechanism", "pay-as-bid", "--settings", spec.path, "--knots", "7"])
        #expect(clash.status != 0 && clash.err.contains("--knots"), "\(clash.err)")
        // A finer certificate of the same equilibrium: same bid functions, its own profile count.
        let finer = try CLI.run(["equilibrium", "solve", file.path, "--mechanism", "pay-as-bid", "--settings", spec.path, "--seed", seed,
                                 "--certificate-profiles", "40", "--threads", "2", "--format", "json"])
        #expect(finer.status == 0, "\(finer.err)")
        let again = try #require(try JSONSerialization.jsonObject(with: Data(finer.out.utf8)) as? [String: Any])
        let bids = try #require(json["strategies"] as? NSArray)
        #expect(bids.count == 9 && (again["strategies"] as? NSArray) == bids)
        #expect((again["certificate"] as? [String: Any])?["samples"] as? Int == 40)
    }
}
