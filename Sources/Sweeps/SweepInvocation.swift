import Foundation
import LabIO

/// How to call `auctionlab` again on the same experiment: used for the re-run hints of a
/// refused merge and for the commands inside generated cluster scripts.
public struct SweepInvocation: Sendable, Equatable {
    /// The `auctionlab` executable (a bare name or an absolute path).
    public var program: String
    /// Path of the experiment spec.
    public var spec: String
    /// The `--trials` override, if the run used one (merge must use the same).
    public var trials: Int?
    /// The output folder (always passed explicitly, so every step agrees on it).
    public var out: String

    /// An invocation of `program` on `spec` writing to `out`, with an optional `--trials` override.
    public init(program: String = "auctionlab", spec: String, trials: Int? = nil, out: String) {
        self.program = program
        self.spec = spec
        self.trials = trials
        self.out = out
    }

    /// `sweep` of one shard. `shardWord` and `threadsWord` are inserted as given, so a
    /// script may pass `"$SLURM_ARRAY_TASK_ID/4"`; every other argument is shell-quoted.
    public func sweepCommand(shardWord: String, resume: Bool = true, threadsWord: String? = nil) -> String {
        var words = [programWord, "sweep", Shell.pathWord(spec), "--shard", shardWord]
        if resume { words.append("--resume") }
        if let threadsWord { words += ["--threads", threadsWord] }
        return (words + common).joined(separator: " ")
    }

    /// `merge` of the experiment's shards (shell-quoted).
    public func mergeCommand() -> String {
        ([programWord, "merge", Shell.pathWord(spec)] + common).joined(separator: " ")
    }

    /// The program as one shell word (a bare name stays a name, looked up on PATH).
    var programWord: String { program.contains("/") ? Shell.pathWord(program) : Shell.quote(program) }
    /// The output folder as one shell word.
    public var outWord: String { Shell.pathWord(out) }

    private var common: [String] {
        (trials.map { ["--trials", "\($0)"] } ?? []) + ["--out", outWord]
    }
}
