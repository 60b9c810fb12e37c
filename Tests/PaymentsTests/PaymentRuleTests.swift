import Allocation
import Testing
@testable import Payments

/// The single-item payment rules against their definitions, computed here by hand.
@Suite("Payments: single-item rules and the ranking of offers")
struct PaymentRuleTests {
    static func winner(_ offers: [ItemOffer], top: Double) -> Winner {
        let ranked = ItemOffer.ranked(offers)
        let w = ranked[0]
        return Winner(agent: w.agent, bid: w.cost / w.workload, workload: w.workload, top: top, competition: .item(ranked: ranked))
    }

    @Test("offers rank by cost, equal costs by the lower agent index")
    func ranking() {
        let r = ItemOffer.ranked([.init(agent: 2, workload: 1, cost: 3), .init(agent: 1, workload: 2, cost: 3), .init(agent: 0, workload: 1, cost: 4)])
        #expect(r.map(\.agent) == [1, 2, 0])
    }

    @Test("second price: the runner-up's cost, uncapped; alone, the prior top × workload")
    func secondPrice() throws {
        let w = Self.winner([.init(agent: 0, workload: 2, cost: 2), .init(agent: 1, workload: 2, cost: 5)], top: 2)
        #expect(try SecondPriceRule().pay(w).amount == 5)   // above top × workload = 4: uncapped
        let alone = Self.winner([.init(agent: 0, workload: 2, cost: 2)], top: 1.5)
        #expect(try SecondPriceRule().pay(alone).amount == 3)
        #expect(SecondPriceRule().reserve == .secondPriceUncapped)
    }

    @Test("capped second price: min(runner-up's cost, top × workload), never below the winner's own cost")
    func cappedSecondPrice() throws {
        let high = Self.winner([.init(agent: 0, workload: 2, cost: 2), .init(agent: 1, workload: 2, cost: 5)], top: 2)
        #expect(try CappedSecondPriceRule().pay(high).amount == 4)
        let low = Self.winner([.init(agent: 0, workload: 2, cost: 2), .init(agent: 1, workload: 2, cost: 3)], top: 2)
        #expect(try CappedSecondPriceRule().pay(low).amount == 3)
        for q in [high, low] { #expect(try CappedSecondPriceRule().pay(q).amount >= q.bid * q.workload) }
    }

    @Test("pay-as-bid: the bid × workload, whatever the competition")
    func ownBid() throws {
        let w = Self.winner([.init(agent: 0, workload: 3, cost: 1.5), .init(agent: 1, workload: 3, cost: 9)], top: 1)
        #expect(try OwnBidRule().pay(w).amount == 1.5)
        #expect(OwnBidRule().reserve == .ownBid)
    }
}
