import Foundation

/// An agent of the family: a name ("4B"), a public price in $ per million tokens.
public struct SaleAgent: Sendable, Hashable, Codable {
    /// Display name of the agent (e.g. "4B"); trace CSVs name agents by it.
    public var name: String
    /// Public price in dollars per million tokens (≥ 0).
    public var price: Double
    /// An agent with a name and a price in $ per million tokens.
    public init(name: String, price: Double) { self.name = name; self.price = price }

    /// SALE's four agents and prices (SALE.md: $0.05/0.09/0.16/0.36 per Mtok).
    public static let paper: [SaleAgent] = [
        .init(name: "4B", price: 0.05), .init(name: "8B", price: 0.09),
        .init(name: "14B", price: 0.16), .init(name: "32B", price: 0.36),
    ]
}
