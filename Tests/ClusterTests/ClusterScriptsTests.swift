import Foundation
import Testing
import TestSupport
@testable import Cluster
@testable import Sweeps
import LabIO

@Suite("Experiments: Slurm and GNU parallel scripts")
struct ClusterScriptsTests {
    static func scripts(_ r: SlurmResources, trials: Int = 100, out: String = "Results/x",
                        directory: String = "/scratch/run") throws -> ClusterScripts {
        try ClusterScripts(experiment: "table1", trials: trials,
                           invocation: SweepInvocation(program: "/opt/al/auctionlab", spec: "Experiments/table1.yaml", trials: trials, out: out),
                           resources: r, workdir: "/home/me/AuctionLab", directory: directory, generatedBy: "auctionlab sweep …")
    }

    @Test("the array covers 0…N−1, each task runs its shard with --resume, the merge waits on afterok")
    func text() throws {
        let s = try Self.scripts(SlurmResources(shards: 8, partition: "short", time: "00:30:00", cpusPerTask: 4, mem: "2G"))
        let sweep = s.sweepSbatch
        #expect(sweep.hasPrefix("#!/bin/bash\n"))
        for line in ["#SBATCH --array=0-7", "#SBATCH --cpus-per-task=4", "#SBATCH --time=00:30:00", "#SBATCH --mem=2G",
                     "#SBATCH --partition=short", "#SBATCH --chdir=/home/me/AuctionLab", "#SBATCH --output=/scratch/run/logs/shard-%a.out",
                     "#SBATCH --requeue",
                     #"exec /opt/al/auctionlab sweep Experiments/table1.yaml --shard "$SLURM_ARRAY_TASK_ID/8" --resume --threads "${SLURM_CPUS_PER_TASK:-4}" --trials 100 --out Results/x"#] {
            #expect(sweep.split(separator: "\n").contains(Substring(line)), "missing line: \(line)")
        }
        // Every #SBATCH line comes before the first command (sbatch stops reading them there).
        let lines = sweep.split(separator: "\n")
        let firstCommand = try #require(lines.firstIndex { !$0.hasPrefix("#") })
        #expect(lines[firstCommand...].allSatisfy { !$0.hasPrefix("#SBATCH") })
        #expect(!sweep.contains("--account"))

        #expect(s.mergeSbatch.contains("exec /opt/al/auctionlab merge Experiments/table1.yaml --trials 100 --out Results/x\n"))
        #expect(s.mergeSbatch.contains("#SBATCH --kill-on-invalid-dep=yes"))
        // The merge streams: its memory request does not follow the shards' (and stays under 1 GB).
        #expect(s.mergeSbatch.contains("#SBATCH --time=00:30:00\n") && s.mergeSbatch.contains("#SBATCH --mem=512M\n"))
        let bigMerge = try Self.scripts(SlurmResources(shards: 8, time: "00:30:00", mem: "2G", mergeTime: "02:00:00", mergeMem: "48G"))
        #expect(bigMerge.mergeSbatch.contains("#SBATCH --time=02:00:00\n") && bigMerge.mergeSbatch.contains("#SBATCH --mem=48G\n"))
        #expect(bigMerge.sweepSbatch.contains("#SBATCH --time=00:30:00\n") && bigMerge.sweepSbatch.contains("#SBATCH --mem=2G\n"))
        #expect(!s.mergeSbatch.contains("--array"))
        let submit = s.submitScript
        #expect(submit.contains("array=$(sbatch --parsable /scratch/run/sweep.sbatch)"))
        #expect(submit.contains(#"merge=$(sbatch --parsable "--dependency=afterok:$array" /scratch/run/merge.sbatch)"#))
        #expect(submit.contains("rm -f -- Results/x/shard-*-of-*.rows Results/x/journal-shard-*-of-*.rows"))
        let par = s.parallelScript
        #expect(par.contains(#"--shard "$1/8" --resume --threads 4"#))
        #expect(par.contains("auctionlab_shard ::: $(seq 0 7)"))
        #expect(par.contains(#"if [ -f Results/x/shard-"$1"-of-8.rows ]; then"#))
        #expect(par.contains("--sshlogin \"$HOSTS\""))

        let throttled = try Self.scripts(SlurmResources(shards: 3, account: "lab", maxRunning: 2))
        #expect(throttled.sweepSbatch.contains("#SBATCH --array=0-2%2\n"))
        #expect(throttled.sweepSbatch.contains("#SBATCH --account=lab\n"))
        #expect(!throttled.sweepSbatch.contains("--mem") && !throttled.sweepSbatch.contains("--partition"))
    }

    @Test("paths with spaces or quotes are shell-quoted in commands")
    func quoting() throws {
        let s = try Self.scripts(SlurmResources(shards: 2), out: "my results/it's")
        #expect(s.sweepSbatch.contains(#"--out 'my results/it'\''s'"#))
        #expect(s.mergeSbatch.contains(#"--out 'my results/it'\''s'"#))
    }

    @Test("bad resources are refused, naming the option", arguments: [
        (SlurmResources(shards: 0), "--shards"),
        (SlurmResources(shards: 101), "--shards"),
        (SlurmResources(shards: 4, time: "1 hour"), "--time"),
        (SlurmResources(shards: 4, time: "1:2:3:4"), "--time"),
        (SlurmResources(shards: 4, cpusPerTask: 0), "--cpus-per-task"),
        (SlurmResources(shards: 4, mem: "2 GB"), "--mem"),
        (SlurmResources(shards: 4, partition: "a b"), "--partition"),
        (SlurmResources(shards: 4, account: "x;rm"), "--account"),
        (SlurmResources(shards: 4, maxRunning: 0), "--max-running"),
        (SlurmResources(shards: 4, mergeTime: "later"), "--merge-time"),
        (SlurmResources(shards: 4, mergeMem: "lots"), "--merge-mem"),
    ])
    func badResources(r: SlurmResources, field: String) throws {
        do { _ = try Self.scripts(r); Issue.record("accepted \(r)") } catch {
            #expect("\(error)".contains(field), "\(error)")
        }
    }

    @Test("accepted Slurm time formats", arguments: ["30", "30:00", "01:30:00", "2-0", "2-12:00", "1-00:00:00"])
    func times(time: String) throws {
        _ = try Self.scripts(SlurmResources(shards: 4, time: time))
    }

    @Test("a relative scripts folder, or one #SBATCH lines cannot carry (blank, quote, backslash, #, %, newline), is refused")
    func badDirectory() throws {
        for dir in ["run", "/scratch/my run", "/scratch/it's", "/scratch/a\"b", "/scratch/a\\b", "/scratch/a#b", "/scratch/%j", "/scratch/a\nb"] {
            #expect(throws: FieldError.self, "\(dir)") { try Self.scripts(SlurmResources(shards: 2), directory: dir) }
        }
        // $() and backticks are plain text to sbatch and quoted in every command: accepted.
        _ = try Self.scripts(SlurmResources(shards: 2), directory: "/scratch/a$(touch${IFS}PWNED)`id`")
    }

    @Test("hostile values in the experiment name, the command line, the spec, the output folder and the program stay inert: bash -n parses every script and no line runs them")
    func hostileText() throws {
        let payload = "x\"'$(touch PWNED)`touch PWNED`\ntouch PWNED\n"
        let s = try ClusterScripts(experiment: "t1" + payload, trials: 10,
                                   invocation: SweepInvocation(program: "/opt/a b/auction'lab" + payload, spec: "-spec" + payload, trials: 10, out: "-out" + payload),
                                   resources: SlurmResources(shards: 2), workdir: "/home/me/AuctionLab", directory: "/scratch/run",
                                   generatedBy: "auctionlab sweep " + payload)
        let dir = Scratch.path("hostile-text")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in s.files {
            // The header's comments (name, command line) stay comments: a newline in a value
            // is shown as \n there. In commands it stays inside single quotes (bash -n below;
            // CLITests runs the scripts with stubs).
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.prefix(3).allSatisfy { $0.hasPrefix("#") }, "\(name): \(lines.prefix(3))")
            let url = dir.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-n", url.path]
            p.currentDirectoryURL = dir
            try p.run(); p.waitUntilExit()
            #expect(p.terminationStatus == 0, "bash -n \(name)")
        }
        // Leading dashes: path arguments are written ./-…, so no program reads them as options.
        #expect(s.mergeSbatch.contains(" merge './-spec") && s.mergeSbatch.contains("--out './-out"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("PWNED").path))
        #expect(Shell.quote("it's") == #"'it'\''s'"# && Shell.quote("a=b") == "'a=b'" && Shell.quote("") == "''")
        #expect(Shell.comment("a\nb\r\u{7}") == #"a\nb\r\u{7}"#)
    }

    @Test("write(): four executable scripts, written atomically (no .partial left), and logs/")
    func write() throws {
        let dir = Scratch.path("scripts")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try Self.scripts(SlurmResources(shards: 4), directory: dir.path)
        let urls = try s.write()
        #expect(urls.map(\.lastPathComponent) == ClusterScripts.fileNames)
        for (url, file) in zip(urls, s.files) {
            let attrs = try FileManager.default.attributesOfItem(atPath: url.path)
            #expect((attrs[.posixPermissions] as? Int) == 0o755, "\(url.lastPathComponent)")
            #expect(try String(contentsOf: url, encoding: .utf8) == file.text)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == (ClusterScripts.fileNames + ["logs"]).sorted())
    }
}
