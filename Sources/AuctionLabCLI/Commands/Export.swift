import ArgumentParser
import Foundation
import Allocation
import LabIO
import Mechanisms

/// `auctionlab export`: the allocation problem a mechanism solves on an instance, as a cost
/// function network (CFN) for the field's exact solvers (toulbar2, pytoulbar2).
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the allocation problem of one instance as a cost function network (toulbar2's CFN).",
        discussion: """
        The problem is min over allocations of Σ_i p_i·x_i(A), with the prices the mechanism \
        allocates by: STAR's ironed virtual bids φ̄_i(b_i), VCG's bids. Each node is a variable \
        n<v> whose values are its capable agents a<i> (i: the agent's index in the instance); \
        each edge's cache saving is a binary function, shifted so every cost is ≥ 0. The \
        network's optimum is the allocation optimum plus a constant, which is printed; compare \
        a peer's answer by evaluating its allocation, since the file rounds costs to \
        --decimals decimals (in units of the largest unary cost ÷ 10⁶).

        Examples:
          auctionlab export Experiments/instances/s2.json --out s2.cfn
          toulbar2 s2.cfn -s
          auctionlab export Experiments/instances/s4.json --mechanism vcg --out s4-vcg.cfn
        """)

    @Argument(help: ArgumentHelp("Instance JSON file.", valueName: "instance")) var instance: String
    @Option(help: "Mechanism whose prices define the problem: star (virtual bids) or vcg (bids).") var mechanism = "star"
    @Option(help: ArgumentHelp("The CFN file to write (written whole or not at all).", valueName: "file")) var out: String
    @Option(help: "Decimals per cost in the file (1…9).") var decimals = 6

    func validate() throws {
        guard (1...9).contains(decimals) else { throw ValidationError("--decimals must be between 1 and 9 (got \(decimals))") }
    }

    func run() throws {
        guard let mech = try mechanismNamed(mechanism) as? any OptimisationMechanism else {
            throw ValidationError("--mechanism \(mechanism) does not solve one allocation problem over the whole workflow; use star or vcg")
        }
        let inst = try loadInstance(instance)
        let network = CostFunctionNetwork(model: inst.model, prices: mech.prices(inst), decimals: decimals)
        try AtomicFile.write(network.cfn(name: URL(fileURLWithPath: instance).deletingPathExtension().lastPathComponent),
                             to: URL(fileURLWithPath: out))
        print("wrote \(out): \(inst.model.nodeCount) variables, \(inst.model.edges.count) edges; network cost = allocation objective + \(network.constant) (money), 1 cost unit = \(network.scale) money")
    }
}
