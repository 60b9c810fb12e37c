import Foundation
import Testing

/// Runs `bash script` with `env` added; returns the exit status and output.
func bash(_ args: [String], cwd: URL, env: [String: String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = args
    p.currentDirectoryURL = cwd
    p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    let pipe = Pipe()
    p.standardOutput = pipe; p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

func writeExecutable(_ text: String, to url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
}

/// Files named PWNED or PWNED2 anywhere under `dir`.
func pwned(under dir: URL) -> [String] {
    let all = FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String } ?? []
    return all.filter { ["PWNED", "PWNED2"].contains(($0 as NSString).lastPathComponent) }
}

@Suite("Hardening: generated scripts quote every value")
struct ScriptInjectionTests {
    /// `--out` values as a hostile user (or a careless one) might give them.
    static let outs: [(given: String, expected: String)] = [
        ("res$(touch PWNED)", "res$(touch PWNED)"),
        (#"my results/it's "quoted" `touch PWNED`"#, #"my results/it's "quoted" `touch PWNED`"#),
        ("line1\n$(touch PWNED)\ntouch PWNED2", "line1\n$(touch PWNED)\ntouch PWNED2"),
        // A leading dash is passed as ./-… (the same folder), so no program reads it as an option.
        ("-dash $(touch PWNED)", "./-dash $(touch PWNED)"),
    ]

    @Test("sweep --emit-slurm with hostile --out, spec, --binary and folder: scripts parse (bash -n); run with sbatch, parallel and auctionlab stubbed, every argv is the hostile value exactly and no payload runs",
          arguments: 0..<4)
    func hostile(k: Int) throws {
        let (out, expectedOut) = Self.outs[k]
        let root = try scratch("inject")
        defer { try? FileManager.default.removeItem(at: root) }
        let calls = root.appendingPathComponent("calls")
        try FileManager.default.createDirectory(at: calls, withIntermediateDirectories: true)
        // The spec: a copy of slurm-smoke under a hostile name, topologies by absolute path.
        let spec = root.appendingPathComponent("spec 'x' \"y\" $(touch PWNED) `touch PWNED`.yaml").path
        try ("name: inject\ntopologies: [S3, S4]\nmechanisms: [star, myopic]\ntrials: 4\nseed: 11\n" +
             "topology_dir: \(CLI.root.appendingPathComponent("Experiments/topologies").path)\n").write(toFile: spec, atomically: true, encoding: .utf8)
        // Stubs: each records its argv (NUL-separated) in its own file under calls/.
        let record = #"printf '%s\0' "$(basename "$0")" "$@" > "$(mktemp "$CALLS/call.XXXXXX")""#
        let binary = root.appendingPathComponent("bin dir $(touch PWNED)/auction'lab \"q\"")
        try writeExecutable("#!/bin/bash\n\(record)\n", to: binary)
        let stubs = root.appendingPathComponent("stubs")
        try writeExecutable("""
            #!/bin/bash
            \(record)
            SLURM_ARRAY_TASK_ID=1 SLURM_CPUS_PER_TASK=1 bash "${@: -1}" || exit 1
            echo 4242
            """, to: stubs.appendingPathComponent("sbatch"))
        try writeExecutable("""
            #!/bin/bash
            \(record)
            args=("$@"); for i in "${!args[@]}"; do [ "${args[$i]}" = ":::" ] && sep=$i; done
            cmd="${args[$((sep-1))]}"
            for k in "${args[@]:$((sep+1))}"; do "$cmd" "$k" || exit 1; done
            """, to: stubs.appendingPathComponent("parallel"))
        // The scripts folder may hold $() and backticks (sbatch and bash take them literally).
        let dir = root.appendingPathComponent("slurm$(touch${IFS}PWNED)`touch${IFS}PWNED2`")
        let emit = try CLI.run(["sweep", spec, "--emit-slurm", dir.path, "--shards", "2", "--out=\(out)", "--binary", binary.path], cwd: root)
        #expect(emit.status == 0, "\(emit.err)")
        for name in ["sweep.sbatch", "merge.sbatch", "submit.sh", "parallel.sh"] {
            let parse = try bash(["-n", dir.appendingPathComponent(name).path], cwd: root, env: [:])
            #expect(parse.status == 0, "bash -n \(name): \(parse.output)")
        }
        let env = ["PATH": stubs.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), "CALLS": calls.path]
        let submit = try bash([dir.appendingPathComponent("submit.sh").path], cwd: root, env: env)
        #expect(submit.status == 0, "submit.sh: \(submit.output)")
        #expect(submit.output.contains("results: \(expectedOut)"), "\(submit.output)")
        let parallel = try bash([dir.appendingPathComponent("parallel.sh").path], cwd: root, env: env)
        #expect(parallel.status == 0, "parallel.sh: \(parallel.output)")

        let recorded = try FileManager.default.contentsOfDirectory(at: calls, includingPropertiesForKeys: nil).map { url in
            String(decoding: try Data(contentsOf: url), as: UTF8.self).split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
        let tool = binary.lastPathComponent
        let sweeps = recorded.filter { $0.first == tool && $0.dropFirst().first == "sweep" }.map { Array($0.dropFirst()) }
        let merges = recorded.filter { $0.first == tool && $0.dropFirst().first == "merge" }.map { Array($0.dropFirst()) }
        func sweepArgv(_ shard: Int) -> [String] { ["sweep", spec, "--shard", "\(shard)/2", "--resume", "--threads", "1", "--out", expectedOut] }
        // submit.sh → sbatch runs sweep.sbatch (task 1) and merge.sbatch; parallel.sh → shards 0, 1 and the merge.
        #expect(sweeps.filter { $0 == sweepArgv(1) }.count == 2, "\(sweeps)")
        #expect(sweeps.contains(sweepArgv(0)), "\(sweeps)")
        #expect(merges.count == 2 && merges.allSatisfy { $0 == ["merge", spec, "--out", expectedOut] }, "\(merges)")
        let sbatch = recorded.filter { $0.first == "sbatch" }.map { Array($0.dropFirst()) }
        #expect(Set(sbatch) == [["--parsable", dir.path + "/sweep.sbatch"],
                                ["--parsable", "--dependency=afterok:4242", dir.path + "/merge.sbatch"]], "\(sbatch)")
        #expect(recorded.filter { $0.first == "parallel" }.count == 1)
        #expect(pwned(under: root).isEmpty, "payload ran: \(pwned(under: root))")
        #expect(!FileManager.default.fileExists(atPath: CLI.root.appendingPathComponent("PWNED").path))
    }
}

/// Holds `FOLDER/.auctionlab.lock` the way a running `auctionlab` does (flock + owner line).
final class HeldLock {
    let fd: Int32
    init(folder: URL, owner: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        fd = open(folder.appendingPathComponent(".auctionlab.lock").path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw CocoaError(.fileLocking) }
        let line = Array(owner.utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
    }
    deinit { close(fd) }
}

/// A pid that is certainly not running: a child that has exited and been reaped.
func deadPID() throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/true")
    try p.run(); p.waitUntilExit()
    return p.processIdentifier
}

@Suite("Hardening: one run per output folder; results published together", .serialized)
struct OutputLockTests {
    @Test("two concurrent sweeps with different specs into one --out: the second refuses naming the owner; the first's files are byte-identical to a solo run, and no lock is left")
    func concurrentSweeps() throws {
        let root = try scratch("lock")
        defer { try? FileManager.default.removeItem(at: root) }
        let shared = root.appendingPathComponent("shared").path, solo = root.appendingPathComponent("solo").path
        // Long enough (≈ 1.5 s in a debug build) that the first still holds the lock while the second starts:
        // with 3 trials (0.3 s) it sometimes finished first on a loaded CI machine, and the second then ran.
        let long = ["sweep", "Experiments/table1.yaml", "--trials", "40", "--threads", "1"]
        let first = try CLI.start(long + ["--out", shared])
        let soloRun = try CLI.start(long + ["--out", solo])
        // Wait until the first run owns the folder, then start a different spec there.
        let lockFile = shared + "/.auctionlab.lock"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: lockFile), first.isRunning, Date() < deadline { usleep(5_000) }
        #expect(first.isRunning, "the first sweep ended before the second started; make it longer")
        let second = try CLI.run(["sweep", "Experiments/slurm-smoke.yaml", "--out", shared])
        #expect(second.reason == .exit && second.status != 0)
        #expect(second.err.contains("output folder \(shared) is in use"), "\(second.err)")
        #expect(second.err.contains("Experiments/table1.yaml") && second.err.contains("pid \(first.processIdentifier)"), "\(second.err)")
        let a = CLI.finish(first), b = CLI.finish(soloRun)
        #expect(a.status == 0 && b.status == 0, "\(a.err)\n\(b.err)")
        for f in ["trials.csv", "summary.csv", "table.md"] {
            let x = FileManager.default.contents(atPath: "\(shared)/\(f)"), y = FileManager.default.contents(atPath: "\(solo)/\(f)")
            #expect(x != nil && x == y, "\(f) differs from the solo run")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: shared).sorted()
        #expect(left == ["summary.csv", "table.md", "trials.csv"], "\(left)")
    }

    @Test("merge and sale --out refuse a folder another live run holds, naming it and writing nothing")
    func mergeAndSaleRefuse() throws {
        let root = try scratch("lock-held")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("out")
        let owner = #"{"command":"auctionlab sweep other.yaml","host":"elsewhere","pid":4242,"seed":"9","spec":"other.yaml","started":"2026-01-01T00:00:00Z"}"#
        let held = try HeldLock(folder: dir, owner: owner)
        let merge = try CLI.run(["merge", "Experiments/slurm-smoke.yaml", "--out", dir.path])
        let sale = try CLI.run(["sale", "Experiments/sale-example.yaml", "--orders", "1", "--out", dir.path])
        for r in [merge, sale] {
            #expect(r.reason == .exit && r.status != 0)
            #expect(r.err.contains("is in use by another run") && r.err.contains("auctionlab sweep other.yaml") && r.err.contains("pid 4242"), "\(r.err)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [".auctionlab.lock"])
        withExtendedLifetime(held) {}
    }

    @Test("a stale lock (its pid no longer running) is taken over with a note, and the run completes")
    func staleLock() throws {
        let root = try scratch("lock-stale")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let pid = try deadPID()
        let host = ProcessInfo.processInfo.hostName
        try #"{"command":"auctionlab sweep killed.yaml","host":"\#(host)","pid":\#(pid),"seed":"1","spec":"killed.yaml","started":"2026-01-01T00:00:00Z"}"#
            .write(to: dir.appendingPathComponent(".auctionlab.lock"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["sweep", "Experiments/slurm-smoke.yaml", "--out", dir.path, "--threads", "1"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("took over a stale lock") && r.err.contains("killed.yaml") && r.err.contains("pid \(pid)"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".auctionlab.lock").path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("summary.csv").path))
    }

    @Test("an output folder that cannot be written is named in a clear message (no Cocoa error text)")
    func readOnlyOut() throws {
        var folders = ["/sys/auctionlab-read-only-\(getpid())"]   // read-only even for root
        let root = try scratch("ro")
        defer { try? FileManager.default.removeItem(at: root) }
        if geteuid() != 0 {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: root.path)
            folders.append(root.appendingPathComponent("out").path)
        }
        let file = root.appendingPathComponent("a-file")
        if geteuid() == 0 { try "x".write(to: file, atomically: true, encoding: .utf8); folders.append(file.path) }
        for dir in folders {
            for args in [["sweep", "Experiments/slurm-smoke.yaml", "--out", dir], ["merge", "Experiments/slurm-smoke.yaml", "--out", dir],
                         ["sale", "Experiments/sale-example.yaml", "--orders", "1", "--out", dir]] {
                let r = try CLI.run(args)
                #expect(r.reason == .exit && r.status != 0)
                #expect(r.err.contains("cannot write to output folder \(dir)"), "\(args): \(r.err)")
                #expect(!r.err.contains("operation could not be completed") && !r.err.contains("Cocoa"), "\(r.err)")
            }
        }
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path)
    }
}

@Suite("Hardening: bounds and messages")
struct BoundsTests {
    @Test("solve --payment bisection refuses an epsilon floating point cannot resolve (naming --epsilon) instead of never returning")
    func epsilon() throws {
        for eps in ["1e-16", "0", "-1", "nan", "inf"] {
            let r = try CLI.run(["solve", "Experiments/instances/s4.json", "--payment", "bisection", "--epsilon=\(eps)"])
            #expect(r.reason == .exit && r.status != 0, "\(eps)")
            #expect(r.err.contains("--epsilon"), "\(eps): \(r.err)")
        }
        let ok = try CLI.run(["solve", "Experiments/instances/s4.json", "--payment", "bisection", "--epsilon", "1e-9"])
        #expect(ok.status == 0, "\(ok.err)")
    }

    @Test("count options have upper bounds; the message names the option and the limit", arguments: [
        (["sweep", "Experiments/slurm-smoke.yaml", "--trials", "1000001"], "--trials must be at most 1000000"),
        (["merge", "Experiments/slurm-smoke.yaml", "--trials", "5000000"], "--trials must be at most 1000000"),
        (["sweep", "Experiments/slurm-smoke.yaml", "--threads", "100000"], "--threads must be at most 1024"),
        (["sale", "Experiments/sale-example.yaml", "--orders", "1000000"], "--orders must be at most 10000"),
    ])
    func counts(args: [String], message: String) throws {
        // A scratch --out, so that a regression cannot write into Results/.
        let root = try scratch("counts")
        defer { try? FileManager.default.removeItem(at: root) }
        let r = try CLI.run(args + ["--out", root.appendingPathComponent("out").path])
        #expect(r.reason == .exit && r.status != 0)
        #expect(r.err.contains(message), "\(r.err)")
    }

    @Test("empty input files say so (not 'permission'): prior @/dev/null, solve /dev/null, an empty spec")
    func emptyInputs() throws {
        let p = try CLI.run(["prior", "@/dev/null"])
        #expect(p.status != 0 && p.err.contains("prior file /dev/null is empty"), "\(p.err)")
        let s = try CLI.run(["solve", "/dev/null"])
        #expect(s.status != 0 && s.err.contains("instance file /dev/null is empty"), "\(s.err)")
        let w = try CLI.run(["sweep", "/dev/null"])
        #expect(w.status != 0 && w.err.contains("experiment spec /dev/null is empty"), "\(w.err)")
        let sale = try CLI.run(["sale", "/dev/null"])
        #expect(sale.status != 0 && sale.err.contains("is empty"), "\(sale.err)")
        for r in [p, s, w, sale] { #expect(!r.err.contains("permission"), "\(r.err)") }
    }

    @Test("a fractional difficulty names the field instead of 'not valid JSON'")
    func fractionalDifficulty() throws {
        let root = try scratch("frac")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try Data(contentsOf: CLI.root.appendingPathComponent("Experiments/instances/s4.json"))
        var obj = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var nodes = try #require(obj["nodes"] as? [[String: Any]])
        nodes[1]["difficulty"] = 2.5
        obj["nodes"] = nodes
        let file = root.appendingPathComponent("frac.json")
        try JSONSerialization.data(withJSONObject: obj).write(to: file)
        let r = try CLI.run(["solve", file.path])
        #expect(r.reason == .exit && r.status != 0)
        #expect(r.err.contains("nodes[1].difficulty") && r.err.contains("must be an integer"), "\(r.err)")
        #expect(!r.err.contains("not valid JSON"), "\(r.err)")
    }

    @Test("experiment and SALE spec fields are validated at the boundary, naming the field", arguments: [
        ("sweep", "name: x\ntopologies: [S4]\nmechanisms: [star]\ntrials: 2\nseed: 1\nsweep: {per_tier: [-1]}\n", "sweep.per_tier[0]"),
        ("sweep", "name: x\ntopologies: [S4]\nmechanisms: [star]\ntrials: 2\nseed: 1\nsweep: {per_tier: [3, 2.5]}\n", "sweep.per_tier[1]"),
        ("sweep", "name: x\ntopologies: [S4]\nmechanisms: [star]\ntrials: 2\nseed: 1\nsweep: {bimodal: [2]}\n", "sweep.bimodal[0]"),
        ("sweep", "name: x\ntopologies: [S4]\nmechanisms: [star]\ntrials: 2\nseed: 1\nsweep: {beta: [-1]}\n", "sweep.beta[0]"),
        ("sweep", "name: x\ntopologies: [S4]\nmechanisms: [star]\ntrials: 2\nseed: 1\nsweep: {rho: [.nan]}\n", "sweep.rho[0]"),
        ("sweep", "name: x\ntopologies: [S4]\nmechanisms: [star]\ntrials: 2000000\nseed: 1\n", "trials"),
        ("sale", "name: x\nseed: 1\nsimulator: {refine_gain: .nan}\n", "simulator.refine_gain"),
        ("sale", "name: x\nseed: 1\nsimulator: {self_bias: .nan}\n", "simulator.self_bias"),
        ("sale", "name: x\nseed: 1\nsimulator: {juror_skill: [0.6, .inf, 0.85, 1.0]}\n", "simulator.juror_skill[1]"),
        ("sale", "name: x\nseed: 1\nstudies: {padding_grade_slope: .nan}\n", "studies.padding_grade_slope"),
        ("sale", "name: x\nseed: 1\nrouters: {mf_rank: 1000000}\n", "routers.mf_rank"),
        ("sale", "name: x\nseed: 1\norders: 20000\n", "orders"),
    ])
    func specFields(command: String, yaml: String, field: String) throws {
        let root = try scratch("spec")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("spec.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run([command, file.path, "--out", root.appendingPathComponent("out").path])
        #expect(r.reason == .exit && r.status != 0)
        #expect(r.err.contains("`\(field)`"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out").path))
    }

    @Test("merge refuses a damaged shard record or header, naming the file and the record (the negative-payment case: ExperimentsTests)")
    func badShardRows() throws {
        let root = try scratch("rows")
        defer { try? FileManager.default.removeItem(at: root) }
        let spec = "Experiments/slurm-smoke.yaml"
        for (k, edit) in [(0, "record"), (1, "header")] {
            let dir = root.appendingPathComponent("out\(k)")
            for i in 0..<2 { #expect(try CLI.run(["sweep", spec, "--shard", "\(i)/2", "--out", dir.path, "--threads", "1"]).status == 0) }
            let file = dir.appendingPathComponent("shard-1-of-2.rows")
            var bytes = try Data(contentsOf: file)
            let headerEnd = try #require(bytes.firstIndex(of: UInt8(ascii: "\n"))) + 1
            if edit == "record" {
                // One bit of record 3's second row (3 mechanisms: 8 + 180 bytes per record).
                bytes[headerEnd + 2 * 188 + 4 + 60 + 3] ^= 0x01
            } else {
                bytes.replaceSubrange(0..<headerEnd, with: Data("auctionlab-rows 1 seed=11\n".utf8))
            }
            try bytes.write(to: file)
            let r = try CLI.run(["merge", spec, "--out", dir.path])
            #expect(r.reason == .exit && r.status != 0)
            #expect(r.err.contains(file.path), "\(edit): \(r.err)")
            #expect(r.err.contains(edit == "record" ? "record 3" : "header lacks spec="), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("trials.csv").path))
        }
    }

}
