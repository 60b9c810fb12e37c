import Foundation
import Workflows

extension Outcome {
    /// The outcome object of SPEC §8, keyed by node and agent ids.
    public func jsonObject(for inst: Instance) -> [String: Any] {
        var allocation: [String: String] = [:]
        for (v, i) in assignment.enumerated() { allocation[inst.workflow.ids[v]] = inst.agentIDs[i] }
        var agents: [String: Any] = [:]
        for i in 0..<inst.agentCount {
            agents[inst.agentIDs[i]] = ["workload": workloads[i], "payment": payments[i], "virtual_cost": virtualCosts[i]]
        }
        return ["mechanism": mechanism, "allocation": allocation, "agents": agents,
                "total_payment": totalPayment, "total_virtual_cost": totalVirtualCost, "total_bid_cost": totalBidCost,
                "solver": solver, "solver_calls": solverCalls, "reserve": reserve.rawValue]
    }

    /// Deterministic JSON text (sorted keys).
    public func jsonText(for inst: Instance) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: jsonObject(for: inst), options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
