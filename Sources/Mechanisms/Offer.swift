/// A priced offer in the baselines' per-node or per-bundle second-price auctions.
struct Offer {
    let agent: Int
    let workload: Double
    let cost: Double

    /// Sorted by cost, ties by lowest agent index (SPEC §2 tie-breaking).
    static func ranked(_ offers: [Offer]) -> [Offer] {
        offers.sorted { a, b in a.cost != b.cost ? a.cost < b.cost : a.agent < b.agent }
    }
}
