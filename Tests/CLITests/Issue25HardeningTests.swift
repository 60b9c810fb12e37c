import Foundation
import Testing

/// Issue 25 §3: crashes, corruption and wrong accepts, each through the built CLI.
@Suite("Hardening (issue 25): crashes, corruption, wrong accepts")
struct Issue25HardeningTests {
    /// A two-agent, one-node instance with both agents on U[0.5, 5].
    static func instance(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let prior: [String: Any] = ["kind": "uniform", "low": 0.5, "high": 5]
        var d: [String: Any] = [
            "agents": [["id": "a", "tier": 3, "rho": 0.25, "bid": 1.0, "prior": prior],
                       ["id": "b", "tier": 3, "rho": 0.25, "bid": 2.0, "prior": prior]],
            "nodes": [["id": "v1", "difficulty": 2, "input_tokens": 2000, "output_tokens": 30000]],
            "edges": [[String: Any]](),
        ]
        edit(&d)
        return String(decoding: try JSONSerialization.data(withJSONObject: d, options: [.sortedKeys]), as: UTF8.self)
    }
    static func agent0(_ key: String, _ value: Any) -> (inout [String: Any]) -> Void {
        { d in var a = d["agents"] as! [[String: Any]]; a[0][key] = value; d["agents"] = a }
    }

    @Test("solve - keeps going past every bad line (overflowing empirical and uniform supports, negative costs, ρ = 1e308, a duplicate key, broken JSON), one error line each naming the field; good lines still solved")
    func batchSurvivesBadLines() throws {
        let good = try Self.instance()
        let bad: [(line: String, names: String)] = [
            (try Self.instance { d in Self.agent0("prior", ["kind": "empirical", "samples": [-1e308, 1e308]])(&d); Self.agent0("bid", 0.0)(&d) }, "agents[0].prior.samples"),
            (try Self.instance { d in Self.agent0("prior", ["kind": "uniform", "low": -1e308, "high": 1e308])(&d); Self.agent0("bid", 0.0)(&d) }, "agents[0].prior.high"),
            (try Self.instance { d in Self.agent0("prior", ["kind": "uniform", "low": -5, "high": 1])(&d); Self.agent0("bid", -4.0)(&d) }, "agents[0].prior.low"),
            (try Self.instance(Self.agent0("rho", 1e308)), "agents[0].rho"),
            (good.replacingOccurrences(of: #""bid":1,"#, with: #""bid":1,"bid":4,"#), "agents[0].bid"),
            (#"{"agents": ["#, "(document)"),
        ]
        #expect(bad[4].line != good, "the duplicate-key line must differ from the good one")
        let lines = [good] + bad.map(\.line) + [good]
        let r = try BatchSolveTests.run(["solve", "-", "--threads", "2"], stdin: lines.joined(separator: "\n") + "\n")
        #expect(r.reason == .exit && r.status == 1, "status \(r.status) \(r.reason): \(r.err.prefix(2000))")
        let out = r.out.split(separator: "\n").map(String.init)
        #expect(out.count == lines.count, "one line per instance: \(out.count) of \(lines.count)")
        guard out.count == lines.count else { return }
        for k in [0, lines.count - 1] { #expect(out[k].contains(#""total_payment""#) && !out[k].contains(#""error""#), "\(out[k])") }
        for (k, b) in bad.enumerated() {
            let line = out[k + 1]
            #expect(line.contains(#""error""#) && line.contains("stdin:\(k + 2)") && line.contains(b.names), "line \(k + 2): \(line)")
        }
        #expect(!r.out.contains("nan") && !r.out.contains("-22875"))
    }

    @Test("prior on [-1e308, 1e308] (uniform, empirical, mixture) is refused naming the field; no -nan rows, no trap")
    func overflowingSupports() throws {
        let cases = [(#"{"kind":"uniform","low":-1e308,"high":1e308}"#, "prior.high"),
                     (#"{"kind":"empirical","samples":[-1e308,1e308]}"#, "prior.samples"),
                     (#"{"kind":"mixture","components":[{"weight":0.5,"prior":{"kind":"uniform","low":-1e308,"high":0}},{"weight":0.5,"prior":{"kind":"uniform","low":0,"high":1e308}}]}"#, "prior.components")]
        for (json, field) in cases {
            let r = try CLI.run(["prior", json])
            #expect(r.reason == .exit && r.status != 0, "\(json): \(r.status) \(r.reason)")
            #expect(r.err.contains("`\(field)`") && r.err.contains("overflows"), "\(r.err)")
            #expect(!r.out.contains("nan"))
        }
    }

    @Test("prior --format json gives φ's limit (= low) at a Beta edge where the density vanishes, not null; the true ∞ at the other edge stays null")
    func betaEdgeLimit() throws {
        let r = try CLI.run(["prior", #"{"kind":"beta","alpha":2,"beta":3,"low":1,"high":3}"#, "--at", "1,2,3", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let points = try #require(obj["points"] as? [[String: Any]])
        #expect((points[0]["virtual"] as? Double) == 1, "\(points[0])")
        #expect(points[2]["virtual"] is NSNull, "\(points[2])")
        // Value side: the finite limit is at `high`.
        let v = try CLI.run(["prior", #"{"kind":"beta","alpha":2,"beta":3,"low":1,"high":3}"#, "--at", "1,3", "--side", "value", "--format", "json"])
        let vp = try #require((try JSONSerialization.jsonObject(with: Data(v.out.utf8)) as? [String: Any])?["points"] as? [[String: Any]])
        #expect((vp[1]["virtual"] as? Double) == 3, "\(vp)")
        #expect(vp[0]["virtual"] is NSNull, "\(vp)")
    }

    @Test("solve refuses a duplicate key with its path (single file), and --payment bisection --epsilon 10 naming --epsilon")
    func duplicateKeyAndCoarseEpsilon() throws {
        let root = try scratch("dup")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("dup.json")
        try Self.instance().replacingOccurrences(of: #""high":5"#, with: #""high":5,"high":9"#).write(to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["solve", file.path])
        #expect(r.reason == .exit && r.status != 0)
        #expect(r.err.contains("`agents[0].prior.high` is given twice"), "\(r.err)")
        let e = try CLI.run(["solve", "Experiments/instances/s4.json", "--payment", "bisection", "--epsilon", "10"])
        #expect(e.reason == .exit && e.status != 0 && e.out.isEmpty)
        #expect(e.err.contains("--epsilon 10.0 is too coarse"), "\(e.err)")
        let ok = try CLI.run(["solve", "Experiments/instances/s4.json", "--payment", "bisection", "--epsilon", "1e-6"])
        #expect(ok.status == 0, "\(ok.err)")
    }

    /// The example trace's header and its first `n` data rows.
    static func trace(rows n: Int, duplicate: Bool = false) throws -> String {
        let text = try String(contentsOf: CLI.root.appendingPathComponent("Experiments/sale/example-trace.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        lines = Array(lines.prefix(n + 1))
        if duplicate { lines[n] = lines[1] }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("sale --trace with 1 or 2 tasks, or a repeated task_id, is refused naming the trace (no trap, no lock or folder left)",
          arguments: [(1, false), (2, false), (12, true)])
    func smallOrDuplicateTraces(rows: Int, duplicate: Bool) throws {
        let root = try scratch("trace")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("t.csv"), out = root.appendingPathComponent("out")
        try Self.trace(rows: rows, duplicate: duplicate).write(to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["sale", "Experiments/sale-example.yaml", "--trace", file.path, "--orders", "1", "--threads", "1", "--out", out.path])
        #expect(r.reason == .exit && r.status != 0, "\(r.status) \(r.reason): \(r.err.suffix(500))")
        #expect(r.err.contains(file.path) && r.err.contains(duplicate ? "task_id" : "at least 10"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "output folder or lock left behind")
    }

    @Test("a YAML spec nested 20,000 deep is refused by depth, naming the line (no stack overflow)")
    func deepYAML() throws {
        let root = try scratch("deep")
        defer { try? FileManager.default.removeItem(at: root) }
        let spec = root.appendingPathComponent("deep.yaml")
        try ("name: x\ntopologies: " + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000) + "\n")
            .write(to: spec, atomically: true, encoding: .utf8)
        for args in [["sweep", spec.path, "--out", root.appendingPathComponent("o").path], ["sale", spec.path]] {
            let r = try CLI.run(args)
            #expect(r.reason == .exit && r.status == 1, "\(args[0]): \(r.status) \(r.reason)")
            #expect(r.err.contains("nests 20001 levels deep (line 2)"), "\(r.err.prefix(500))")
        }
        // A JSON instance nested as deep: named by depth too, not "not valid JSON".
        let json = root.appendingPathComponent("deep.json")
        try (#"{"agents":"# + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000) + "}").write(to: json, atomically: true, encoding: .utf8)
        let j = try CLI.run(["solve", json.path])
        #expect(j.reason == .exit && j.status != 0 && j.err.contains("levels deep"), "\(j.err.prefix(500))")
    }

    @Test("specs: a misspelt key is refused naming it and the close one; keys given twice, empty or repeated mechanism lists refused")
    func specWrongAccepts() throws {
        let root = try scratch("spec")
        defer { try? FileManager.default.removeItem(at: root) }
        let base = "name: x\ntopologies: [S1]\nseed: 1\n"
        let cases: [(String, String)] = [
            (base + "mechanisms: [star]\ntrials: 2\ntrails: 5\n", "`trails` is not a key of this file; did you mean `trials`?"),
            (base + "mechanisms: [star]\ntrials: 2\nequilibrium: {grid: 5, sampels: 10}\n", "`equilibrium.sampels` is not a key of this file"),
            (base + "mechanisms: [star]\ntrials: 2\ntrials: 3\n", "`trials` is given twice"),
            (base + "mechanisms: []\ntrials: 2\n", "`mechanisms` is empty"),
            (base + "mechanisms: [star, vcg, star]\ntrials: 2\n", "`mechanisms[2]` \"star\" repeats mechanisms[0]"),
        ]
        for (k, (text, message)) in cases.enumerated() {
            let spec = root.appendingPathComponent("s\(k).yaml")
            try text.write(to: spec, atomically: true, encoding: .utf8)
            let r = try CLI.run(["sweep", spec.path, "--out", root.appendingPathComponent("o\(k)").path])
            #expect(r.reason == .exit && r.status != 0, "case \(k)")
            #expect(r.err.contains(message), "case \(k): \(r.err)")
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("o\(k)").path))
        }
        let sale = root.appendingPathComponent("sale.yaml")
        try "name: s\nseed: 1\nordres: 2\n".write(to: sale, atomically: true, encoding: .utf8)
        let s = try CLI.run(["sale", sale.path])
        #expect(s.status != 0 && s.err.contains("`ordres` is not a key of this file; did you mean `orders`?"), "\(s.err)")
    }

    @Test("merge refuses shards written before a topology changed, naming the file; --resume refuses a journal after the market changed")
    func contentFingerprints() throws {
        let root = try scratch("fingerprint")
        defer { try? FileManager.default.removeItem(at: root) }
        let topo = root.appendingPathComponent("topo")
        try FileManager.default.createDirectory(at: topo, withIntermediateDirectories: true)
        for t in ["S1", "S2"] {
            try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Experiments/topologies/\(t).json"), to: topo.appendingPathComponent("\(t).json"))
        }
        let market = root.appendingPathComponent("market.yaml")
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Experiments/markets/paper.yaml"), to: market)
        let spec = root.appendingPathComponent("spec.yaml")
        try "name: fp\ntopologies: [S1, S2]\nmechanisms: [star, vcg]\ntrials: 4\nseed: 3\nmarket: market.yaml\ntopology_dir: topo\n"
            .write(to: spec, atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("out").path
        #expect(try CLI.run(["sweep", spec.path, "--shard", "0/2", "--out", out], cwd: root).status == 0)
        // Same names, other contents: every node of S2 gets ten times the output tokens.
        let s2 = topo.appendingPathComponent("S2.json")
        let text = try String(contentsOf: s2, encoding: .utf8)
        let edited = text.replacingOccurrences(of: #""output_tokens" : "#, with: #""output_tokens" : 1"#)
            .replacingOccurrences(of: #""output_tokens": "#, with: #""output_tokens": 1"#)
        #expect(edited != text)
        try edited.write(to: s2, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["sweep", spec.path, "--shard", "1/2", "--out", out], cwd: root).status == 0)
        let merge = try CLI.run(["merge", spec.path, "--out", out], cwd: root)
        #expect(merge.reason == .exit && merge.status != 0, "merge mixed two topologies: \(merge.out)")
        #expect(merge.err.contains("topo/S2.json") && merge.err.contains("other contents"), "\(merge.err)")
        #expect(!FileManager.default.fileExists(atPath: out + "/trials.csv"))
        // Restoring the file makes the merge go through: the refusal was about the content.
        try text.write(to: s2, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["sweep", spec.path, "--shard", "1/2", "--out", out], cwd: root).status == 0)
        let again = try CLI.run(["merge", spec.path, "--out", out], cwd: root)
        #expect(again.status == 0, "\(again.err)")
    }

    @Test("equilibrium --certificate-profiles 2 is refused (it reported converged at relative ε −22 %)")
    func fewCertificateSamples() throws {
        let r = try CLI.run(["equilibrium", "Experiments/instances/s1.json", "--mechanism", "pay-as-bid", "--certificate-profiles", "2"])
        #expect(r.reason == .exit && r.status != 0 && r.out.isEmpty)
        #expect(r.err.contains("--certificate-profiles must be ≥ 10"), "\(r.err)")
    }
}

@Suite("Hardening (issue 25): equilibrium output where relative ε means nothing")
struct Issue25EquilibriumOutputTests {
    @Test("an agent that can serve no node: relative ε printed as undefined (not inf or 1e16) with its absolute ε, and its frozen truthful knots explained")
    func zeroUtilityAgent() throws {
        let root = try scratch("frozen")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("frozen.json")
        try Issue25HardeningTests.instance { d in
            var a = d["agents"] as! [[String: Any]]
            var c = a[1]; c["id"] = "c"; c["tier"] = 1
            a.append(c); d["agents"] = a
        }.write(to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["equilibrium", file.path, "--mechanism", "pay-as-bid", "--knots", "3", "--profiles", "20", "--iterations", "2",
                             "--certificate-profiles", "20", "--threads", "1"])
        #expect(r.status == 0, "\(r.err)")
        let rowC = r.out.split(separator: "\n").last { $0.hasPrefix("c ") }.map(String.init) ?? ""
        // The certificate row (the bid-function table has a "c" row too).
        #expect(rowC.contains("undefined") && !rowC.contains("inf"), "\(r.out)")
        #expect(r.out.contains("c: equilibrium utility ≈ 0") && r.out.contains("absolute ε"), "\(r.out)")
        #expect(r.out.contains("c: every knot stayed at its truthful bid"), "\(r.out)")
        #expect(!r.out.contains("a: every knot") && !r.out.contains("b: every knot"), "\(r.out)")
    }
}
