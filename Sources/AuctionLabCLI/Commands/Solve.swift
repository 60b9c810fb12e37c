import ArgumentParser
import Foundation
import Allocation
import Mechanisms
import Payments
import Workflows

extension SolverKind: ExpressibleByArgument {}

enum PaymentSearch: String, ExpressibleByArgument, CaseIterable { case exact, bisection }
enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case json, table }

/// `auctionlab solve`: one mechanism on one instance (SPEC §8).
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Run one mechanism on one workflow instance and print its outcome.",
        discussion: """
        INSTANCE is a JSON file (SPEC §8):
          {"agents":[{"id":"a","tier":3,"rho":0.25,"bid":1.2,"prior":{"kind":"uniform","low":0.5,"high":5}}],
           "nodes":[{"id":"v1","difficulty":2,"input_tokens":2000,"output_tokens":30000}],
           "edges":[{"from":"v1","to":"v2","tokens":30000}], "cache_discount":0}
        Edge "tokens" is optional (then the child's input is split among parents in
        proportion to their outputs). Prices are per output token; workloads in tokens.

        Mechanisms: star (min ironed virtual cost, Myerson payments), vcg (min bid cost,
        threshold payments), myopic and homogeneous (the paper's baselines), pay-as-bid
        (a non-truthful control).

        Examples:
          auctionlab solve Experiments/instances/s4.json --mechanism star
          auctionlab solve Experiments/instances/s2.json --mechanism vcg --solver milp --format json
          auctionlab solve Experiments/instances/s4.json --payment bisection --epsilon 1e-6
        """)

    @Argument(help: "Instance JSON file.") var instance: String
    @Option(help: "Mechanism: \(MechanismRegistry.names.joined(separator: "|")).") var mechanism = "star"
    @Option(help: "Allocation solver: auto|tree|cutset|elimination|milp|brute.") var solver: SolverKind = .auto
    @Option(help: "Payment breakpoints: exact (parametric search) or bisection (STAR App. C).") var payment: PaymentSearch = .exact
    @Option(help: "Bisection tolerance ε on the bid axis.") var epsilon: Double = 1e-6
    @Option(help: "Output format: table|json.") var format: OutputFormat = .table

    /// Smallest bisection tolerance, relative to the scale of an agent's support.
    static let relativeEpsilon = 1e-12

    func run() throws {
        let mech = try mechanismNamed(mechanism)
        guard epsilon > 0, epsilon.isFinite else { throw ValidationError("--epsilon must be a positive finite number (got \(epsilon))") }
        let inst = try loadInstance(instance)
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
            }
        }
        let options = MechanismOptions(solver: solver, payment: payment == .exact ? .exact : .bisection(epsilon: epsilon))
        let outcome = try mech.run(inst, options: options)
        switch format {
        case .json:
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
}
