import Foundation
import LabIO

/// The SALE paper's headline figures ("Scaling Small Agents Through Strategy Auctions",
/// Alazraki, Shen, Bachrach, Mathur; arXiv 2602.02751), as `auctionlab sale` prints them beside
/// its own and as ``FeasibilityCriteria`` targets them. Changes are relative to the largest agent
/// (32B) running every task alone, as fractions (−0.53 = 53 % less).
///
/// The single source is `Experiments/targets/sale-headline.yaml` (with its citation);
/// `Scripts/embed-paper-numbers` compiles that file into this module byte for byte
/// (``paperText``), and a unit test fails while the two differ. ``paper`` is its parse.
public struct SaleHeadline: Codable, Sendable, Hashable {
    /// Change of the share of tasks given to the largest agent, overall and per domain.
    public struct Reliance: Codable, Sendable, Hashable {
        /// All tasks, deep-search tasks, coding tasks.
        public var overall, deepSearch, coding: Double
        enum CodingKeys: String, CodingKey { case overall, deepSearch = "deep_search", coding }
    }
    /// pass@1 (fraction) and, where published, the price paid per million tokens ($).
    public struct Outcome: Codable, Sendable, Hashable {
        /// Share of tasks solved on the first attempt.
        public var passAt1: Double
        /// Average $ per 1M tokens; nil where the paper gives none.
        public var usdPerMtok: Double?
        enum CodingKeys: String, CodingKey { case passAt1 = "pass_at_1", usdPerMtok = "usd_per_mtok" }
    }
    /// Title, authors and the part of the paper the figures are copied from.
    public struct Citation: Codable, Sendable, Hashable {
        /// Paper title, authors (as the paper names them), and table or section.
        public var title, authors, `where`: String
    }
    /// The largest agent alone and SALE on one slice of the tasks.
    public struct Pair: Codable, Sendable, Hashable {
        /// The largest agent (the file's `32B`) and SALE.
        public var largest, sale: Outcome
        enum CodingKeys: String, CodingKey { case largest = "32B", sale }
    }
    /// The smallest agent's pass@1 as a fraction of the largest's, a [low, high] range per bin.
    public struct Shape: Codable, Sendable, Hashable {
        /// Bin 1 (easiest) and bin 5 (hardest).
        public var easiestBin, hardestBin: [Double]
        enum CodingKeys: String, CodingKey {
            case easiestBin = "smallest_vs_largest_pass_at_1_easiest_bin", hardestBin = "smallest_vs_largest_pass_at_1_hardest_bin"
        }
    }

    /// Target name (`sale-headline`).
    public var name: String
    /// Where the numbers come from.
    public var source: String
    /// The paper: title, authors, and the section each figure is taken from.
    public var citation: Citation
    /// Public price of each agent, $ per 1M tokens.
    public var agents: [String: Double]
    /// Reliance on the largest agent, change vs the largest agent alone.
    public var largestAgentRelianceChange: Reliance
    /// Total cost, change vs the largest agent alone.
    public var totalCostChange: Double
    /// Deep-search pass@1 and $ per 1M tokens of the largest agent and of SALE.
    public var deepSearch: Pair
    /// Coding pass@1 on the easiest complexity bin, the largest agent and SALE.
    public var codingBin1: Pair
    /// The single agents' shape the simulator's defaults aim at.
    public var singleAgentShape: Shape
    /// Number of tasks (HST-Bench).
    public var tasks: Int
    /// Random task orders the paper's results average over.
    public var taskOrders: Int

    enum CodingKeys: String, CodingKey {
        case name, source, citation, agents, tasks
        case largestAgentRelianceChange = "largest_agent_reliance_change", totalCostChange = "total_cost_change"
        case deepSearch = "deep_search", codingBin1 = "coding_bin_1", singleAgentShape = "single_agent_shape", taskOrders = "task_orders"
    }

    /// Parses a headline file (the layout of `Experiments/targets/sale-headline.yaml`); unknown
    /// or missing keys are refused, naming the field. The shape ranges must be two increasing numbers.
    /// - Throws: `FieldError` naming the field.
    public static func parse(_ text: String, file: String) throws -> SaleHeadline {
        let h = try decodeYAML(SaleHeadline.self, from: text, file: file)
        for (field, r) in [("smallest_vs_largest_pass_at_1_easiest_bin", h.singleAgentShape.easiestBin),
                           ("smallest_vs_largest_pass_at_1_hardest_bin", h.singleAgentShape.hardestBin)]
        where r.count != 2 || !(r[0] <= r[1]) {
            throw FieldError(file: file, field: "single_agent_shape.\(field)", reason: "must be [low, high] with low ≤ high")
        }
        return h
    }

    /// The SALE paper's figures, parsed from ``paperText`` (a parse error there is a build
    /// defect, caught by the unit tests).
    public static let paper: SaleHeadline = {
        do { return try parse(paperText, file: "Experiments/targets/sale-headline.yaml") } catch {
            fatalError("the compiled copy of Experiments/targets/sale-headline.yaml does not parse: \(error)")
        }
    }()
}
