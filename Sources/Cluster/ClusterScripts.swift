import Foundation
import LabIO
import Sweeps

/// Resources of the Slurm jobs (the `sbatch` options the scripts carry).
public struct SlurmResources: Sendable, Equatable {
    /// Number of shards = array tasks (indices 0…shards−1).
    public var shards: Int
    /// Slurm partition (`--partition`); nil leaves the cluster's default. Letters, digits, `_ . , -` only.
    public var partition: String?
    /// Slurm account (`--account`); nil leaves the user's default. Same characters as the partition.
    public var account: String?
    /// Wall-time limit per task, in a format `sbatch --time` accepts (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH[:MM[:SS]]`).
    public var time: String
    /// CPUs per array task (`--cpus-per-task`, ≥ 1); each shard runs with that many threads.
    public var cpusPerTask: Int
    /// Memory per task, e.g. `2G` (`sbatch --mem`); nil leaves the partition's default.
    public var mem: String?
    /// At most this many array tasks at once (`--array=0-N%K`); nil: no limit.
    public var maxRunning: Int?
    /// Time of the merge job (nil: as a shard) and its memory (nil: ``defaultMergeMem``).
    public var mergeTime: String?
    /// Memory of the merge job, e.g. `512M`; nil = ``defaultMergeMem``.
    public var mergeMem: String?
    /// The merge streams the shards (k-way merge, accumulators per summary cell): its peak
    /// memory does not grow with the trials (measured 37–38 MB peak for table1 at both 10⁴ and
    /// 10⁵ trials, `auctionlab bench scale`), so 512 MB is ample at any size.
    public static let defaultMergeMem = "512M"

    /// Resources for `shards` array tasks; every other option defaults to the cluster's (time 1 h,
    /// one CPU). Not validated here; see ``validate(trials:)``.
    public init(shards: Int, partition: String? = nil, account: String? = nil, time: String = "01:00:00",
                cpusPerTask: Int = 1, mem: String? = nil, maxRunning: Int? = nil, mergeTime: String? = nil, mergeMem: String? = nil) {
        self.shards = shards
        self.partition = partition
        self.account = account
        self.time = time
        self.cpusPerTask = cpusPerTask
        self.mem = mem
        self.maxRunning = maxRunning
        self.mergeTime = mergeTime
        self.mergeMem = mergeMem
    }

    /// Checks every value against what `sbatch` accepts; errors name the option.
    public func validate(trials: Int) throws {
        func bad(_ field: String, _ reason: String) -> FieldError { FieldError(field: field, reason: reason) }
        guard shards >= 1 else { throw bad("--shards", "must be at least 1 (got \(shards))") }
        guard shards <= trials else {
            throw bad("--shards", "is \(shards) but the spec has \(trials) trials; shards split the trials (trial index mod shards), so at most \(trials) can hold work")
        }
        guard cpusPerTask >= 1 else { throw bad("--cpus-per-task", "must be at least 1 (got \(cpusPerTask))") }
        if let maxRunning, maxRunning < 1 { throw bad("--max-running", "must be at least 1 (got \(maxRunning))") }
        let timeFormat = try! Regex(#"\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}"#)
        let timeRule = "is not a Slurm time (minutes, MM:SS, HH:MM:SS or D-HH:MM:SS)"
        let memFormat = try! Regex("[0-9]+[KMGT]?")
        let memRule = "is not a Slurm memory size (a number with optional K, M, G or T, e.g. 4G)"
        let name = try! Regex("[A-Za-z0-9_.,-]+"), nameRule = "may hold only letters, digits and _ . , -"
        let checks: [(field: String, value: String?, format: Regex<AnyRegexOutput>, rule: String)] = [
            ("--time", time, timeFormat, timeRule), ("--merge-time", mergeTime, timeFormat, timeRule),
            ("--mem", mem, memFormat, memRule), ("--merge-mem", mergeMem, memFormat, memRule),
            ("--partition", partition, name, nameRule), ("--account", account, name, nameRule),
        ]
        for c in checks {
            if let value = c.value, value.wholeMatch(of: c.format) == nil { throw bad(c.field, "\"\(value)\" \(c.rule)") }
        }
    }
}

/// The scripts that run a sweep's shards on a Slurm cluster or with GNU parallel, and merge
/// them. Text only — ``write()`` puts them on disk; nothing here runs anything.
///
/// - `sweep.sbatch`: a job array, task K runs `auctionlab sweep SPEC --shard K/N --resume`;
/// - `merge.sbatch`: `auctionlab merge SPEC`;
/// - `submit.sh`: submits the array, then the merge with `--dependency=afterok:<array>`;
/// - `parallel.sh`: the same shards with GNU parallel on this machine or SSH hosts, then the merge.
public struct ClusterScripts: Sendable, Equatable {
    /// The experiment's name (the job name is `auctionlab-NAME`, sanitised).
    public let experiment: String
    /// How the scripts call `auctionlab` (absolute program path, spec, output folder).
    public let invocation: SweepInvocation
    /// The `sbatch` options.
    public let resources: SlurmResources
    /// Where the commands run (`cd` and `#SBATCH --chdir`); relative paths are relative to it.
    public let workdir: String
    /// Where the scripts go (absolute); logs go to `directory/logs`.
    public let directory: String
    /// The command that generated the scripts, quoted in their headers.
    public let generatedBy: String

    /// Scripts for a spec with `trials` trials.
    /// - Throws: a `FieldError` naming the option for invalid resources (see
    ///   ``SlurmResources/validate(trials:)``), or a `directory`/`workdir` that is not absolute or
    ///   holds characters `#SBATCH` lines cannot carry.
    public init(experiment: String, trials: Int, invocation: SweepInvocation, resources: SlurmResources,
                workdir: String, directory: String, generatedBy: String) throws {
        try resources.validate(trials: trials)
        for (field, path) in [("--emit-slurm", directory), ("working directory", workdir)] {
            guard path.hasPrefix("/") else { throw FieldError(field: field, reason: "must be an absolute path (got \(Shell.quote(path)))") }
            // #SBATCH lines (--chdir, --output) are read by sbatch, not by a shell: they cannot
            // quote, sbatch strips quotes and backslashes, and % starts a file-name pattern.
            let unfit: (Character) -> Bool = { $0.isWhitespace || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } || "%'\"\\#".contains($0) }
            guard !path.contains(where: unfit) else {
                throw FieldError(field: field, reason: "\(Shell.comment(Shell.quote(path))) contains a space, control character, quote, backslash, # or %, which #SBATCH lines cannot carry; choose a plainer folder")
            }
        }
        self.experiment = experiment
        self.invocation = invocation
        self.resources = resources
        self.workdir = workdir
        self.directory = directory
        self.generatedBy = generatedBy
    }

    /// The four script names, in the order of ``files``.
    public static let fileNames = ["sweep.sbatch", "merge.sbatch", "submit.sh", "parallel.sh"]

    var jobName: String { "auctionlab-" + String(experiment.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }) }
    var logs: String { directory + "/logs" }
    var n: Int { resources.shards }
    /// Every value a script interpolates goes through this (``Shell/quote(_:)``); comment
    /// text through ``Shell/comment(_:)``.
    var q: (String) -> String { Shell.quote }
    /// A script of the folder, quoted (for commands and copy-pasteable comments).
    func script(_ name: String) -> String { q(directory + "/" + name) }
    /// Removes earlier shard files and journals of the output folder (a fresh run).
    var cleanOutput: String {
        "rm -f -- \(invocation.outWord)/shard-*-of-*\(ShardID.fileExtension) \(invocation.outWord)/journal-shard-*-of-*\(ShardID.fileExtension)"
    }

    func header(_ what: String) -> String {
        """
        #!/bin/bash
        # AuctionLab sweep "\(Shell.comment(experiment))": \(what)
        # Generated by: \(Shell.comment(generatedBy))
        """
    }

    func sbatchLines(job: String, output: String, extra: [String], cpus: Int, time: String, mem: String?) -> String {
        var lines = ["--job-name=\(job)"] + extra + ["--cpus-per-task=\(cpus)", "--time=\(time)"]
        if let mem { lines.append("--mem=\(mem)") }
        if let p = resources.partition { lines.append("--partition=\(p)") }
        if let a = resources.account { lines.append("--account=\(a)") }
        lines += ["--chdir=\(workdir)", "--output=\(output)", "--open-mode=append"]
        return lines.map { "#SBATCH " + $0 }.joined(separator: "\n")
    }

    /// The job array: one task per shard.
    public var sweepSbatch: String {
        let array = "0-\(n - 1)" + (resources.maxRunning.map { "%\($0)" } ?? "")
        return """
        \(header("one Slurm array task per shard (\(n) shards; shard K = trials with index mod \(n) = K)."))
        # Submit with \(script("submit.sh")) (this array, then the merge after it), or alone:
        #   sbatch \(script("sweep.sbatch"))
        # A failed or pre-empted task re-runs alone and continues from its shard's journal:
        #   sbatch --array=K \(script("sweep.sbatch"))
        # then merge: sbatch \(script("merge.sbatch"))   (merge names any shard still missing).
        \(sbatchLines(job: jobName, output: "\(logs)/shard-%a.out", extra: ["--array=\(array)", "--requeue"],
                     cpus: resources.cpusPerTask, time: resources.time, mem: resources.mem))
        set -euo pipefail
        cd \(q(workdir))
        exec \(invocation.sweepCommand(shardWord: "\"$SLURM_ARRAY_TASK_ID/\(n)\"", resume: true,
                                      threadsWord: "\"${SLURM_CPUS_PER_TASK:-\(resources.cpusPerTask)}\""))

        """
    }

    /// The merge step (checks that every trial is present exactly once).
    public var mergeSbatch: String {
        """
        \(header("merge the \(n) shards into trials.csv, summary.csv, table.md."))
        # submit.sh submits it with --dependency=afterok:<array job>; alone: sbatch \(script("merge.sbatch"))
        \(sbatchLines(job: jobName + "-merge", output: "\(logs)/merge.out", extra: ["--kill-on-invalid-dep=yes"],
                     cpus: resources.cpusPerTask, time: resources.mergeTime ?? resources.time, mem: resources.mergeMem ?? SlurmResources.defaultMergeMem))
        set -euo pipefail
        cd \(q(workdir))
        exec \(invocation.mergeCommand())

        """
    }

    /// Submits the array and the merge job that waits for all of its tasks to succeed.
    public var submitScript: String {
        """
        \(header("submit the job array and the merge job (afterok on the array)."))
        # Usage: \(script("submit.sh"))         fresh run (drops earlier shard files and journals)
        #        RESUME=1 \(script("submit.sh"))  keep them: finished work is not redone
        # If a task fails, the merge job is cancelled (its dependency can no longer be met);
        # re-run that task alone with `sbatch --array=K \(script("sweep.sbatch"))`, then
        # `sbatch \(script("merge.sbatch"))`.
        set -euo pipefail
        cd \(q(workdir))
        mkdir -p \(q(logs))
        if [ "${RESUME:-0}" != 1 ]; then \(cleanOutput); fi
        array=$(sbatch --parsable \(script("sweep.sbatch")))
        array=${array%%;*}
        merge=$(sbatch --parsable "--dependency=afterok:$array" \(script("merge.sbatch")))
        merge=${merge%%;*}
        echo "submitted array job $array (\(n) shards) and merge job $merge (afterok:$array)"
        printf 'watch: squeue -j %s   logs: %s   results: %s\\n' "$array,$merge" \(q(logs)) \(invocation.outWord)

        """
    }

    /// The same shards with GNU parallel, locally or over SSH, then the merge.
    public var parallelScript: String {
        let shard = invocation.sweepCommand(shardWord: "\"$1/\(n)\"", resume: true, threadsWord: "\(resources.cpusPerTask)")
        // No path goes into parallel's command template (parallel would expand {…} in it):
        // the template is the fixed name of an exported function that takes the shard index.
        return """
        \(header("run the \(n) shards with GNU parallel, then merge."))
        # Usage:
        #   \(script("parallel.sh"))                          this machine, one shard per core (JOBS=100%)
        #   JOBS=2 \(script("parallel.sh"))                   at most 2 shards at a time
        #   HOSTS=node1,node2 \(script("parallel.sh"))        over SSH: GNU parallel --sshlogin; the hosts need
        #                                                      the same paths (shared filesystem); 8/node1 = 8 slots
        #   RESUME=1 \(script("parallel.sh"))                 keep earlier shards and journals: only redo what failed
        # Each shard runs with --threads \(resources.cpusPerTask) and --resume (continues from its journal).
        set -euo pipefail
        cd \(q(workdir))
        mkdir -p \(q(logs))
        if [ "${RESUME:-0}" != 1 ]; then \(cleanOutput); fi
        # Shard $1: skipped when its file exists (finished earlier), so running this script
        # again only redoes what failed.
        auctionlab_shard() {
          cd \(q(workdir)) || return 1
          if [ -f \(invocation.outWord)/shard-"$1"-of-\(n)\(ShardID.fileExtension) ]; then echo "shard $1/\(n) already finished"; return 0; fi
          \(shard)
        }
        export -f auctionlab_shard
        ssh=()
        if [ -n "${HOSTS:-}" ]; then ssh=(--sshlogin "$HOSTS"); fi
        parallel --jobs "${JOBS:-100%}" --line-buffer --tag --joblog \(q(logs + "/parallel.joblog")) --env auctionlab_shard "${ssh[@]}" \\
          auctionlab_shard ::: $(seq 0 \(n - 1))
        exec \(invocation.mergeCommand())

        """
    }

    /// Every script with its name, in ``fileNames`` order.
    public var files: [(name: String, text: String)] {
        [("sweep.sbatch", sweepSbatch), ("merge.sbatch", mergeSbatch), ("submit.sh", submitScript), ("parallel.sh", parallelScript)]
    }

    /// Writes the scripts (each atomically, mode 755) and creates `logs/`; returns their paths.
    @discardableResult
    public func write() throws -> [URL] {
        let dir = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("logs"), withIntermediateDirectories: true)
        return try files.map { name, text in
            let url = dir.appendingPathComponent(name)
            try AtomicFile.write(text, to: url, permissions: 0o755)
            return url
        }
    }
}
