import Foundation
import Testing
import TestSupport
import LabNumerics
import Mechanisms
import Workflows
@testable import Truthfulness

/// The independent DSIC harness on the decomposition cells (issue 29): the threshold cells of an
/// edge-aware allocation billed in the true workload are truthful; the second-price cells of STAR's
/// allocation and Myopic's own cell are caught.
@Suite("DSIC harness on the decomposition's cells")
struct CombinationDSICTests {
    @Test("combo-star-myerson-cached and combo-vcg-myerson-cached: zero regret, no IR violation")
    func truthfulCells() throws {
        var g = SplitMix64(seed: 2910)
        for n in 0..<12 {
            let inst = try Instance(spec: RandomWorkflow.instance(RandomWorkflow.Shape.allCases[n % 4], nodes: Int.random(in: 2...5, using: &g),
                                                                  perTier: 1, kappa: n % 2 == 0 ? 0 : 0.3, using: &g))
            for cell in [Combination(.star, .myerson, .cached), Combination(.vcg, .myerson, .cached)] {
                let r = try DSICHarness.check(cell, instance: inst, config: .init(profiles: 2, grid: 8, seed: UInt64(n)))
                #expect(r.maxRegret <= r.tolerance, "\(cell.name) instance #\(n): regret \(r.maxRegret), worst \(String(describing: r.worst))")
                #expect(r.irViolations == 0, "\(cell.name) instance #\(n)")
            }
        }
    }

    @Test("second-price cells are caught on S4: Myopic's own cell and STAR's allocation paid a second price", .tags(.slow), .fullLaneOnly)
    func manipulableCells() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Experiments/instances/s4.json"))
        let inst = try Instance(spec: InstanceSpec.decode(data, file: "s4.json"))
        for cell in [Combination(.myopic, .second, .full), Combination(.star, .second, .cached)] {
            let r = try DSICHarness.check(cell, instance: inst, config: .init(profiles: 6, grid: 16, seed: 1))
            #expect(r.maxRegret > r.tolerance, "\(cell.name): regret \(r.maxRegret)")
            #expect(!cell.claimsTruthful)
        }
    }
}
