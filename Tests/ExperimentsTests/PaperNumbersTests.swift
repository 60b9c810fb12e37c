import Foundation
import LabNumerics
import Testing
@testable import Experiments
@testable import Sweeps

/// The STAR paper's Table 1 is data (`Experiments/targets/star-table1.yaml`), compiled into the
/// module byte for byte and printed by table.md from there.
@Suite("Experiments: the paper's Table 1 is data, read by the reports")
struct PaperNumbersTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the compiled copy is Experiments/targets/star-table1.yaml byte for byte (else run Scripts/embed-paper-numbers)")
    func compiledCopyIsTheFile() throws {
        let file = try Data(contentsOf: Self.root.appendingPathComponent("Experiments/targets/star-table1.yaml"))
        #expect(Data(PaperNumbers.starTable1Text.utf8) == file, "Sources/Experiments/PaperNumbersText.swift is stale: run Scripts/embed-paper-numbers")
    }

    @Test("the parsed table holds the paper's values: cells, savings, trials, with the citation")
    func values() {
        let t = PaperNumbers.starTable1
        #expect(t.name == "star-table1" && t.trials == 50)
        #expect(t.source.contains("STAR paper's Table 1"))
        #expect(t.topologies == ["S1", "S2", "S3", "S4"] && t.mechanisms == ["star", "myopic", "homogeneous"])
        #expect(t.cell("S1", "star") == .init(mean: 4.03, std: 0.81))
        #expect(t.cell("S2", "myopic") == .init(mean: 6.72, std: 0.53))
        #expect(t.cell("S4", "homogeneous") == .init(mean: 2.24, std: 0.28))
        #expect(t.saving("S1", "myopic") == 10.0 && t.saving("S3", "homogeneous") == 20.2)
        #expect(t.citation?.title == "Truthful and Cost-Minimizing Model Routing in Graph-Based Agentic Workflows")
        #expect(t.citation?.where == "§5 Experiments, Table 1")
    }

    /// The paper's columns exactly as table.md printed them when they were typed into the code:
    /// reading them from the data must not change a byte of any committed table.md.
    static let printedBefore: [String: (String, String)] = [
        "S1": ("4.03 ± 0.81 / 4.48 ± 0.85 / 5.14 ± 0.98", "10.0 % / 21.6 %"),
        "S2": ("5.18 ± 0.44 / 6.72 ± 0.53 / 7.80 ± 0.64", "22.9 % / 33.6 %"),
        "S3": ("1.90 ± 0.23 / 2.10 ± 0.25 / 2.38 ± 0.29", "9.5 % / 20.2 %"),
        "S4": ("1.58 ± 0.19 / 1.96 ± 0.24 / 2.24 ± 0.28", "19.4 % / 29.5 %"),
    ]

    @Test("the paper's columns from the data are the text table.md printed before, topology by topology")
    func columnsUnchanged() throws {
        for (topo, (payments, savings)) in Self.printedBefore {
            let got = try #require(Reports.paperColumns(PaperNumbers.starTable1, topology: topo))
            #expect(got.payments == payments && got.savings == savings, "\(topo): \(got)")
        }
        #expect(Reports.paperColumns(PaperNumbers.starTable1, topology: "S9") == nil)
    }

    /// table.md of two fixed cells (S1 and a topology the paper lacks), with `paper` as the
    /// published table.
    static func table(paper: CalibrationTarget? = nil) throws -> String {
        let spec = try ExperimentSpec.parse("name: paper-columns\ntopologies: [S1]\nmechanisms: [star, myopic, homogeneous]\ntrials: 3\nseed: 1\n", file: "inline.yaml")
        let cell = { (m: Double) in Reports.Cell(payment: Summary(count: 3, mean: m, std: 0.5), savingVs: [:]) }
        let cells: [String: Reports.Cell] = ["star": cell(3), "myopic": cell(4), "homogeneous": cell(5)]
        let groups = [(Reports.Group(topology: "S1", point: [:]), cells), (Reports.Group(topology: "T7", point: [:]), cells)]
        return paper.map { Reports.tableMarkdown(spec, cells: groups, command: "cmd", paper: $0) } ?? Reports.tableMarkdown(spec, cells: groups, command: "cmd")
    }

    @Test("table.md prints the paper's column from the data: by default the paper's row; a changed copy moves it")
    func tablePrintsTheData() throws {
        let md = try Self.table()
        #expect(md.contains("| S1 | 3.00 ± 0.50 | 4.00 ± 0.50 | 5.00 ± 0.50 | – | – | 4.03 ± 0.81 / 4.48 ± 0.85 / 5.14 ± 0.98 | 10.0 % / 21.6 % |\n"), "\(md)")
        #expect(md.contains("| T7 | 3.00 ± 0.50 | 4.00 ± 0.50 | 5.00 ± 0.50 | – | – | – | – |\n"), "\(md)")
        // A test-local copy of the file with S1's STAR cell and saving changed.
        let text = PaperNumbers.starTable1Text
            .replacingOccurrences(of: "star: {mean: 4.03, std: 0.81}", with: "star: {mean: 9.87, std: 1.23}")
            .replacingOccurrences(of: "S1: {myopic: 10.0, homogeneous: 21.6}", with: "S1: {myopic: 12.5, homogeneous: 21.6}")
        #expect(text != PaperNumbers.starTable1Text)
        let changed = try Self.table(paper: CalibrationTarget.parse(text, file: "copy.yaml"))
        #expect(changed.contains("| 9.87 ± 1.23 / 4.48 ± 0.85 / 5.14 ± 0.98 | 12.5 % / 21.6 % |\n"), "\(changed)")
        #expect(!changed.contains("4.03 ± 0.81"))
    }
}
