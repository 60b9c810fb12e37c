import Foundation
import Testing
import TestSupport
@testable import Experiments
@testable import Studies
import Workflows

/// The `exactness` spec and a tiny run of the study (issue 30).
@Suite("Exactness ablation: spec and a small run")
struct ExactnessStudyTests {
    static let yaml = """
    kind: exactness
    name: ex
    priors: [uniform, beta-zero-top]
    topologies: []
    per_tier: 1
    random_per_tier: 1
    random: 1
    allocators: [greedy-topo, lp-round]
    solvers: [auto, brute]
    profiles: 1
    gap_profiles: 3
    grid: 2
    seed: 4
    """

    @Test("bad fields are refused naming the field", arguments: [
        ("priors: [uniform, beta-zero-top]", "priors: [uniform, cauchy]", "priors[1]"),
        ("allocators: [greedy-topo, lp-round]", "allocators: [greedy-topo, simulated-annealing]", "allocators[1]"),
        ("solvers: [auto, brute]", "solvers: [auto, auto]", "solvers[1]"),
        ("per_tier: 1", "per_tier: 0", "per_tier"),
        ("random_per_tier: 1", "random_per_tier: 9", "random_per_tier"),
        ("grid: 2", "grid: 0", "grid"),
        ("random: 1", "random: 0", "topologies"),
    ])
    func refusals(_ from: String, _ to: String, _ field: String) throws {
        let text = Self.yaml.replacingOccurrences(of: from, with: to)
        #expect(text != Self.yaml)
        #expect { try ExactnessSpec.parse(text, file: "ex.yaml") } throws: { "\($0)".contains(field) }
    }

    @Test("a tiny run: exact rows at zero regret on both prior kinds, gaps ≥ 0, CSV one line per (case, mechanism)")
    func tinyRun() throws {
        let spec = try ExactnessSpec.parse(Self.yaml, file: "ex.yaml")
        let rows = try ExactnessStudy.run(spec, topologyDirectory: Repository.path("Experiments/topologies").path, threads: 1)
        #expect(rows.count == 2 * 4)
        for r in rows where r.exact {
            let rep = try #require(r.report, "\(r.solver) refused a 4–7 node case")
            #expect(rep.maxRegret <= rep.tolerance, "\(r.prior) \(r.solver): regret \(rep.maxRegret)")
        }
        for r in rows where !r.exact { #expect(r.gaps.count == 3 && r.gaps.allSatisfy { $0 >= -1e-12 }, "\(r.mechanism): \(r.gaps)") }
        let csv = try ExactnessStudy.csv(spec, rows)
        #expect(csv.split(separator: "\n").count == 1 + rows.count)
        #expect(ExactnessStudy.markdown(spec, rows, command: "test").hasPrefix("# ex\n\n## Verdict"))
    }
}
