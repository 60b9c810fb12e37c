import Foundation

/// The STAR paper's published numbers, as the reports print them beside ours.
///
/// The single source is `Experiments/targets/star-table1.yaml` (the paper's Table 1 with its
/// citation). `Scripts/embed-paper-numbers` compiles that file into this module byte for byte
/// (``starTable1Text``), so a report prints the paper's column from the data wherever the binary
/// runs; a unit test fails while the compiled copy and the file differ.
public enum PaperNumbers {
    /// The STAR paper's Table 1 (§5 "Experiments"): per topology S1–S4, the mean ± std of total
    /// payment over 50 trials for STAR, Myopic and Homogeneous, and STAR's printed savings in
    /// percent; parsed from ``starTable1Text`` (a parse error there is a build defect, caught by
    /// the unit tests).
    public static let starTable1: CalibrationTarget = {
        do { return try CalibrationTarget.parse(starTable1Text, file: "Experiments/targets/star-table1.yaml") } catch {
            fatalError("the compiled copy of Experiments/targets/star-table1.yaml does not parse: \(error)")
        }
    }()
}
