import Foundation
import LabIO
import Testing
import TestSupport
@testable import StrategyAuctions

/// The SALE paper's headline figures are data (`Experiments/targets/sale-headline.yaml`),
/// compiled into the module byte for byte; table.md and the feasibility windows read them there.
@Suite("SALE: the paper's headline figures are data, read by table.md and the feasibility windows")
struct SaleHeadlineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the compiled copy is Experiments/targets/sale-headline.yaml byte for byte (else run Scripts/embed-paper-numbers)")
    func compiledCopyIsTheFile() throws {
        let file = try Data(contentsOf: Self.root.appendingPathComponent("Experiments/targets/sale-headline.yaml"))
        #expect(Data(SaleHeadline.paperText.utf8) == file, "Sources/StrategyAuctions/Evaluation/SaleHeadlineText.swift is stale: run Scripts/embed-paper-numbers")
    }

    @Test("the parsed figures are the paper's, with the citation")
    func values() {
        let h = SaleHeadline.paper
        #expect(h.name == "sale-headline" && h.source.contains("2602.02751"))
        #expect(h.citation.title == "Scaling Small Agents Through Strategy Auctions" && h.citation.authors.hasPrefix("Alazraki"))
        #expect(h.citation.where.contains("2602.02751"))
        #expect(h.largestAgentRelianceChange == .init(overall: -0.53, deepSearch: -0.65, coding: -0.40))
        #expect(h.totalCostChange == -0.35)
        #expect(h.deepSearch.largest == .init(passAt1: 0.638, usdPerMtok: 0.36) && h.deepSearch.sale == .init(passAt1: 0.673, usdPerMtok: 0.21))
        #expect(h.codingBin1.largest.passAt1 == 0.950 && h.codingBin1.sale.passAt1 == 0.983 && h.codingBin1.sale.usdPerMtok == nil)
        #expect(h.singleAgentShape.easiestBin == [0.87, 0.92] && h.singleAgentShape.hardestBin == [0.17, 0.25])
        #expect(h.agents == ["4B": 0.05, "8B": 0.09, "14B": 0.16, "32B": 0.36] && h.tasks == 753 && h.taskOrders == 5)
    }

    @Test("a misspelt key or a reversed range is refused, naming the field")
    func refusals() {
        let misspelt = SaleHeadline.paperText.replacingOccurrences(of: "total_cost_change:", with: "total_cost_chnage:")
        #expect(throws: FieldError.self) { try SaleHeadline.parse(misspelt, file: "h.yaml") }
        let reversed = SaleHeadline.paperText.replacingOccurrences(of: "[0.87, 0.92]", with: "[0.92, 0.87]")
        do { _ = try SaleHeadline.parse(reversed, file: "h.yaml"); Issue.record("reversed range accepted") } catch {
            #expect("\(error)".contains("single_agent_shape.smallest_vs_largest_pass_at_1_easiest_bin"))
        }
    }

    @Test("the feasibility windows default to the paper's overall reliance and cost changes")
    func criteriaDefaults() {
        let c = FeasibilityCriteria()
        #expect(c.reliance == SaleHeadline.paper.largestAgentRelianceChange.overall && c.cost == SaleHeadline.paper.totalCostChange)
        #expect(c.reliance == -0.53 && c.cost == -0.35)
    }

    @Test("table.md's paper column comes from the data: the paper's figures by default; a changed copy moves them", .tags(.slow), .fullLaneOnly)
    func tablePrintsTheData() throws {
        let spec = smallSpec(tasks: 150, orders: 2)
        let runner = SaleRunner(spec: spec, data: try Simulator(calibration: spec.simulator).dataset(seed: 11))
        let reports = SaleReports(runner: runner, results: try runner.run(threads: 2))
        let md = reports.markdown(command: "t", source: "s")
        for row in ["| reliance on 32B (overall), change vs 32B alone | -53.0 % |", "| reliance on 32B (deep search), change vs 32B alone | -65.0 % |",
                    "| reliance on 32B (coding), change vs 32B alone | -40.0 % |", "| total cost, change vs 32B alone | -35.0 % |",
                    "| deep search pass@1, 32B | 63.8 % |", "| deep search $/Mtok, sale | 0.21 |", "| coding bin 1 pass@1, sale | 98.3 % |",
                    "| bin 5: 4B pass@1 as share of 32B's | 17.0 %–25.0 % |"] {
            #expect(md.contains(row), "missing \(row)")
        }
        let text = SaleHeadline.paperText
            .replacingOccurrences(of: "overall: -0.53", with: "overall: -0.61")
            .replacingOccurrences(of: "total_cost_change: -0.35", with: "total_cost_change: -0.27")
            .replacingOccurrences(of: "sale: {pass_at_1: 0.673, usd_per_mtok: 0.21}", with: "sale: {pass_at_1: 0.701, usd_per_mtok: 0.19}")
        let changed = reports.markdown(command: "t", source: "s", paper: try SaleHeadline.parse(text, file: "copy.yaml"))
        for row in ["| reliance on 32B (overall), change vs 32B alone | -61.0 % |", "| total cost, change vs 32B alone | -27.0 % |",
                    "| deep search pass@1, sale | 70.1 % |", "| deep search $/Mtok, sale | 0.19 |"] {
            #expect(changed.contains(row), "missing \(row)")
        }
        #expect(!changed.contains("-53.0 %") && !changed.contains("-35.0 %"))
    }
}
