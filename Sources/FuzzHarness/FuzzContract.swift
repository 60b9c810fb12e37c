import Foundation
import Experiments
import Mechanisms
import Priors
import StrategyAuctions
import Studies
import Sweeps
import Workflows

/// The library's contract on untrusted input (issue 18), one check per input format, shared by
/// the libFuzzer targets (`AuctionLabFuzz`, built by `Scripts/fuzz`) and the regression test that
/// replays the committed corpus. For any bytes: no trap, no hang; either a typed error, or a
/// result that passes the output invariants (finite numbers, non-negative workloads and
/// payments, outcome JSON without nan/inf/null). A violation is reported as a `Violation`; the
/// fuzz driver turns it into a crash so libFuzzer keeps the input.
public enum FuzzContract {
    /// The input formats with a fuzz target (the raw value names the target and its corpus folder).
    public enum Format: String, CaseIterable, Sendable {
        /// `instance`: instance JSON, run through every mechanism; `prior`: prior JSON and its virtual
        /// cost; `spec`: experiment, dsic-priors and SALE YAML specs; `trace`: SALE trace CSV;
        /// `journal`: a sweep row file.
        case instance, prior, spec, trace, journal
    }

    /// A broken promise: the input was accepted but produced an output that violates an invariant.
    public struct Violation: Error, CustomStringConvertible {
        /// What was violated, with the offending values.
        public let description: String
    }

    /// Inputs above these sizes are skipped (not errors): the contract is about correctness, and
    /// the fuzzer should spend its executions on shapes, not on one huge instance.
    static let maxBytes = 64 * 1024, maxNodes = 20, maxAgents = 9

    /// Checks one input; returns normally when the contract holds.
    public static func check(_ data: Data, as format: Format) throws {
        guard data.count <= maxBytes, let text = String(data: data, encoding: .utf8) else { return }
        switch format {
        case .instance: try checkInstance(data)
        case .prior: try checkPrior(text)
        case .spec:
            _ = try? ExperimentSpec.parse(text, file: "fuzz.yaml")
            _ = try? DSICPriorsSpec.parse(text, file: "fuzz.yaml")
            _ = try? SaleSpec.parse(text, file: "fuzz.yaml")
        case .trace:
            _ = try? TraceFormat.read(text, file: "fuzz.csv")
        case .journal:
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-fuzz-\(getpid()).rows")
            try data.write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            if let rows = try? RowFile.read(url).items {
                for (item, list) in rows {
                    for r in list where !(r.totalPayment.isFinite && r.totalPayment >= 0) {
                        throw Violation(description: "journal item \(item) accepted with total payment \(r.totalPayment)")
                    }
                }
            }
        }
    }

    static func checkInstance(_ data: Data) throws {
        guard let spec = try? InstanceSpec.decode(data, file: "fuzz.json"),
              spec.nodes.count <= maxNodes, spec.agents.count <= maxAgents,
              let inst = try? Instance(spec: spec) else { return }
        for mech in MechanismRegistry.all {
            guard let o = try? mech.run(inst, options: .init()) else { continue }
            let numbers = o.workloads + o.payments + o.virtualCosts + o.bidCosts
            guard numbers.allSatisfy({ $0.isFinite }) else {
                throw Violation(description: "\(mech.name): non-finite number in the outcome \(numbers)")
            }
            guard o.workloads.allSatisfy({ $0 >= 0 }), o.payments.allSatisfy({ $0 >= 0 }) else {
                throw Violation(description: "\(mech.name): negative workload or payment \(o.workloads) \(o.payments)")
            }
            if mech.claimsTruthful {
                for i in 0..<inst.agentCount where o.payments[i] < inst.bids[i] * o.workloads[i] - 1e-9 * max(1, o.payments[i]) {
                    throw Violation(description: "\(mech.name): agent \(i) paid \(o.payments[i]) below its bid cost (IR)")
                }
            }
            // The JSON must be written, and every value in it must be a finite number or a string
            // (ids may contain "nan", "inf" or "null" as text: a reproducer named a node
            // "nanalyst_clause_2", so the values are checked, not the text).
            let json: String
            do { json = try o.jsonText(for: inst) } catch {
                throw Violation(description: "\(mech.name): the outcome JSON could not be written: \(error)")
            }
            let parsed = try? JSONSerialization.jsonObject(with: Data(json.utf8))
            guard let parsed else { throw Violation(description: "\(mech.name): the outcome JSON does not parse: \(json)") }
            if let bad = Self.badValue(parsed, path: "outcome") {
                throw Violation(description: "\(mech.name): outcome JSON has \(bad)")
            }
        }
    }

    /// The path and value of the first JSON value that is neither a finite number, a string, an
    /// array nor an object of such values (null, a non-finite number), or nil.
    static func badValue(_ value: Any, path: String) -> String? {
        switch value {
        case let object as [String: Any]:
            for key in object.keys.sorted() { if let bad = badValue(object[key]!, path: "\(path).\(key)") { return bad } }
            return nil
        case let array as [Any]:
            for (k, v) in array.enumerated() { if let bad = badValue(v, path: "\(path)[\(k)]") { return bad } }
            return nil
        case is String:
            return nil
        case let n as NSNumber:
            return n.doubleValue.isFinite ? nil : "\(path) = \(n)"
        default:
            return "\(path) = \(value)"
        }
    }

    static func checkPrior(_ text: String) throws {
        guard let spec = try? PriorSpec.parse(json: text), let vc = try? VirtualCost(spec: spec) else { return }
        let lo = vc.support.lowerBound, hi = vc.support.upperBound
        for k in 0...16 {
            let x = lo + (hi - lo) * Double(k) / 16
            let (f, F, S) = (vc.prior.pdf(x), vc.prior.cdf(x), vc.prior.survival(x))
            // A density may be +∞ at an edge (Beta with α < 1); NaN or negative never.
            guard !f.isNaN, f >= 0, F >= 0, F <= 1, S >= 0, S <= 1 else {
                throw Violation(description: "prior \(spec) at \(x): pdf \(f), cdf \(F), survival \(S)")
            }
            guard !vc.ironed(x).isNaN else { throw Violation(description: "prior \(spec): φ̄(\(x)) is NaN") }
            let q = vc.prior.quantile(Double(k) / 16)
            guard q.isFinite, q >= lo, q <= hi else { throw Violation(description: "prior \(spec): quantile(\(Double(k) / 16)) = \(q)") }
        }
    }
}
