import ArgumentParser
import Foundation
import Allocation
import LabIO
import Mechanisms
import Payments
import Priors
import Workflows

extension SolverKind: ExpressibleByArgument {}

enum PaymentSearch: String, ExpressibleByArgument, CaseIterable { case exact, bisection }

/// `auctionlab solve`: one mechanism on one instance (FileFormats.md), or on many in one process
/// (files, or JSON Lines on standard input), one outcome per line.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Run one mechanism on one workflow instance (or a batch of them) and print the outcome(s).",
        discussion: """
        INSTANCE is a JSON file:
          {"agents":[{"id":"a","tier":3,"rho":0.25,"bid":1.2,"prior":{"kind":"uniform","low":0.5,"high":5}}],
           "nodes":[{"id":"v1","difficulty":2,"input_tokens":2000,"output_tokens":30000}],
           "edges":[{"from":"v1","to":"v2","tokens":30000}], "cache_discount":0}
        Edge "tokens" is optional (then the child's input is split among parents in \
        proportion to their outputs). Prices are per output token; workloads in tokens.

        Mechanisms: star (min ironed virtual cost, Myerson payments), vcg (min bid cost, \
        threshold payments), myopic and homogeneous (the paper's baselines), pay-as-bid \
        (a non-truthful control).

        Batch: several INSTANCE files, or `-` for JSON Lines on standard input (one instance \
        object per line; blank lines are skipped), are solved in one process — starting a \
        process costs far more than solving a small instance. A batch writes JSON Lines: per \
        instance the outcome object plus "instance" (the file, or stdin:LINE), or \
        {"instance":…,"error":"…"} when that instance fails (the message, naming the line and \
        field, also goes to stderr). The other instances are still solved; the exit status is \
        non-zero if any failed. The options apply to every instance. --format jsonl gives the \
        same line for a single file; on a batch --format json also means JSON Lines, and \
        --format table is refused (it shows one instance). Instances of a batch that give an \
        agent the same prior share one built (ironed) prior.

        Bid streams: --bids FILE (or `-` for standard input) with one INSTANCE file solves that \
        workflow and market once per line of FILE, each line one bid vector in agent order — CSV \
        (`1.2,0.8,3.1`) or a JSON array (`[1.2, 0.8, 3.1]`); blank lines are skipped, and a first \
        line naming the agents' ids in order is a header. The instance's own bids are replaced; \
        the workflow, priors and solver structure are built once. Output is JSON Lines as for a \
        batch, the "instance" of each line being FILE:LINE (stdin:LINE), in input order on any \
        --threads; a line that is not a vector of the right length, or a bid outside its agent's \
        prior, gives an error line naming the line and `bids[k]` or `agents[k].bid`, and the \
        stream goes on (non-zero exit at the end).

        Examples:
          auctionlab solve Experiments/instances/s4.json --mechanism star
          auctionlab solve Experiments/instances/s2.json --mechanism vcg --solver milp --format json
          auctionlab solve Experiments/instances/s4.json --payment bisection --epsilon 1e-6
          auctionlab solve Experiments/instances/s1.json Experiments/instances/s2.json --mechanism vcg
          jq -c . Experiments/instances/s*.json | auctionlab solve - > outcomes.jsonl
          printf '0.1,0.3,0.2,1,1.5,1.2,3,4,5\n[0.2,0.3,0.2,1,1.5,1.2,3,4,5]\n' > bids.csv
          auctionlab solve Experiments/instances/s4.json --bids bids.csv --threads 2 > outcomes.jsonl
        """)

    @Argument(help: ArgumentHelp("Instance JSON file(s); `-` reads JSON Lines from standard input.", valueName: "instance"))
    var instances: [String] = []
    @Option(help: "Mechanism: \(MechanismRegistry.names.joined(separator: "|")).") var mechanism = "star"
    @Option(help: "Allocation solver: auto|tree|cutset|pruned|elimination|milp|brute.") var solver: SolverKind = .auto
    @Option(help: "Payment breakpoints: exact (parametric search) or bisection (STAR App. C).") var payment: PaymentSearch = .exact
    @Option(help: "Bisection tolerance ε on the bid axis: between 1e-12 × the scale and 1e-3 × the width of every agent's prior support.") var epsilon: Double = 1e-6
    @OptionGroup var output: OutputOptions
    @Option(help: "Worker threads for a batch (default: all cores); the output order is the input order whatever the count.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: ArgumentHelp("Bid vectors, one per line (CSV or JSON array; `-`: standard input), each solved against the one INSTANCE; JSON Lines out.", valueName: "file"))
    var bids: String?

    /// --format: table|json|jsonl (csv is refused naming --format); nil: table for one file, jsonl for a batch.
    var format: OutputFormat? { output.format }

    /// Smallest bisection tolerance, relative to the scale of an agent's support.
    static let relativeEpsilon = 1e-12
    /// Largest bisection tolerance, relative to the width of an agent's support.
    static let largestRelativeEpsilon = 1e-3

    func validate() throws {
        guard !instances.isEmpty else { throw ValidationError("Missing expected argument '<instance>'") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        _ = try output.resolved(.table, supported: [.table, .json, .jsonl])
        guard instances.filter({ $0 == "-" }).count <= 1 else { throw ValidationError("`-` (standard input) may be given only once") }
        if bids != nil {
            guard instances.count == 1, instances[0] != "-" else {
                throw ValidationError("--bids solves one INSTANCE file under many bid vectors; give exactly one instance file (not `-`)")
            }
            guard format != .table else { throw ValidationError("--format table shows one instance; --bids writes JSON Lines (--format jsonl)") }
        }
        if format == .table, isBatch {
            throw ValidationError("--format table shows one instance; a batch (several files or `-`) is written as JSON Lines (--format jsonl)")
        }
    }

    /// More than one instance, or instances read from standard input: JSON Lines out.
    var isBatch: Bool { instances.count > 1 || instances.contains("-") }

    func run() throws {
        let mech = try mechanismNamed(mechanism)
        guard epsilon > 0, epsilon.isFinite else { throw ValidationError("--epsilon must be a positive finite number (got \(epsilon))") }
        if let bids {
            try runBidStream(mech, bids: bids)
            return
        }
        if isBatch || format == .jsonl {
            try runBatch(mech)
            return
        }
        let inst = try loadInstance(instances[0])
        let outcome = try solve(inst, with: mech)
        switch format ?? .table {
        case .json, .jsonl, .csv:
            print(try outcome.jsonText(for: inst))
        case .table:
            print("mechanism \(outcome.mechanism)   solver \(outcome.solver)   solver calls \(outcome.solverCalls)   reserve \(outcome.reserve.rawValue)")
            print("")
            let header = ["agent", "tier", "bid", "virtual", "workload", "payment", "virtual_cost", "nodes"]
            var rows: [[String]] = []
            for i in 0..<inst.agentCount {
                let nodes = outcome.assignment.enumerated().filter { $0.element == i }.map { inst.workflow.ids[$0.offset] }
                rows.append([inst.agentIDs[i], "\(inst.tiers[i])", fmt(inst.bids[i]), fmt(inst.virtualBids[i]), fmt(outcome.workloads[i]),
                             fmt(outcome.payments[i]), fmt(outcome.virtualCosts[i]), nodes.isEmpty ? "-" : nodes.joined(separator: ",")])
            }
            printAligned(header, rows)
            print("")
            print("total payment \(fmt(outcome.totalPayment))   total virtual cost \(fmt(outcome.totalVirtualCost))   total bid cost \(fmt(outcome.totalBidCost))")
        }
    }

    /// The mechanism with this command's options on one instance (the per-instance checks of
    /// --epsilon included), as for a single file and for every instance of a batch.
    func solve(_ inst: Instance, with mech: any Mechanism) throws -> Outcome {
        if payment == .bisection {
            // Bisection stops when its bracket is narrower than ε; below ~1e-12 of the bid
            // scale doubles cannot split the bracket any more and it would never stop.
            for i in 0..<inst.agentCount {
                let s = inst.priors[i].support
                let scale = max(s.upperBound - s.lowerBound, abs(s.lowerBound), abs(s.upperBound))
                let least = Self.relativeEpsilon * scale
                guard epsilon >= least else {
                    throw ValidationError("--epsilon \(epsilon) is below what floating point resolves on agent \(inst.agentIDs[i])'s prior support [\(fmt(s.lowerBound)), \(fmt(s.upperBound))]: use --epsilon ≥ \(String(format: "%.3g", least)) (1e-12 × \(fmt(scale)))")
                }
                // Each breakpoint is placed up to ε off, which moves the payment by up to ε × the
                // workload there: ε comparable to the support would make the payment meaningless.
                let most = Self.largestRelativeEpsilon * (s.upperBound - s.lowerBound)
                guard epsilon <= most else {
                    throw ValidationError("--epsilon \(epsilon) is too coarse for agent \(inst.agentIDs[i])'s prior support [\(fmt(s.lowerBound)), \(fmt(s.upperBound))]: a breakpoint placed ε off moves the payment by ε × its workload; use --epsilon ≤ \(String(format: "%.3g", most)) (1e-3 × the support's width)")
                }
            }
        }
        let options = MechanismOptions(solver: solver, payment: payment == .exact ? .exact : .bisection(epsilon: epsilon))
        return try mech.run(inst, options: options)
    }

    /// Solves every instance (files in order, `-` expanded to the lines of standard input in
    /// place) and writes one JSON line each; a failing instance gives an error line instead.
    /// Identical priors across the batch are built once (one ``PriorCache`` for the run).
    /// Throws ``ExitCode/failure`` at the end if any instance failed.
    func runBatch(_ mech: any Mechanism) throws {
        let priors = PriorCache()
        var sink = LineSink(command: self, mechanism: mech)
        for path in instances {
            if path == "-" {
                var line = 0
                while let text = readLine(strippingNewline: true) {
                    line += 1
                    guard text.contains(where: { !$0.isWhitespace }) else { continue }
                    let name = "stdin:\(line)"
                    try sink.add(name) { try decodeInstance(Data(text.utf8), file: name, priorCache: priors) }
                }
            } else {
                try sink.add(path) { try loadInstance(path, priorCache: priors) }
            }
        }
        try sink.finish(noun: "instances")
    }

    /// The jobs of a batch or a bid stream: read ahead in chunks of ``Solve/batchChunk``, solved
    /// on `--threads` threads, written as one JSON line each in input order whatever the thread
    /// count — the outcome with its `instance` name, or `{"instance":…,"error":…}` (the message,
    /// naming the line and field, also on stderr) when the job fails; the others go on.
    struct LineSink {
        /// The command whose options solve each instance.
        let command: Solve
        /// The mechanism run on each instance.
        let mechanism: any Mechanism
        private var pending: [(name: String, load: @Sendable () throws -> Instance)] = []
        private var failed = 0, total = 0

        init(command: Solve, mechanism: any Mechanism) { self.command = command; self.mechanism = mechanism }

        /// Queues a job named `name` (its line's "instance"); `load` gives its instance on a worker.
        mutating func add(_ name: String, _ load: @escaping @Sendable () throws -> Instance) throws {
            pending.append((name, load))
            if pending.count >= Solve.batchChunk { try flush() }
        }

        /// Solves the queued jobs and prints their lines.
        mutating func flush() throws {
            let jobs = pending, command = command, mech = mechanism
            pending.removeAll(keepingCapacity: true)
            let lines = try IndexedResults.map(count: jobs.count, threads: command.threads) { k -> (line: String, error: String?) in
                let name = jobs[k].name
                do {
                    let inst = try jobs[k].load()
                    return (try command.solve(inst, with: mech).jsonLine(for: inst, instance: name), nil)
                } catch {
                    let message = Solve.message(error, naming: name)
                    return ((try? Solve.jsonLine(["instance": name, "error": message])) ?? #"{"error":"unprintable"}"#, message)
                }
            }
            for (line, error) in lines {
                total += 1
                if let error {
                    failed += 1
                    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                }
                print(line)
            }
        }

        /// Flushes the last chunk; throws ``ExitCode/failure`` after a summary on stderr if any job
        /// failed (`noun` names the jobs: instances, bid vectors).
        mutating func finish(noun: String) throws {
            try flush()
            if failed > 0 {
                FileHandle.standardError.write(Data("Error: \(failed) of \(total) \(noun) failed (see their \"error\" lines)\n".utf8))
                throw ExitCode.failure
            }
        }
    }

    /// Jobs read ahead and solved together in a batch or bid stream (bounds memory on endless input).
    static let batchChunk = 256

    /// An instance's error message, starting with the instance's name when it does not already
    /// name it (errors found after decoding name the field but not the file).
    static func message(_ error: Error, naming name: String) -> String {
        let text = (error as? ValidationError)?.message ?? "\(error)"
        if error is InputFileError || text.hasPrefix("\(name):") { return text }
        return "\(name): \(text)"
    }

    /// One line of JSON with sorted keys, as `--format json` but without the pretty-printing.
    static func jsonLine(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
