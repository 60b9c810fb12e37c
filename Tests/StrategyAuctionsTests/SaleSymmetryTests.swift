import Foundation
import LabNumerics
import Testing
@testable import StrategyAuctions

@Suite("SALE vs routers: overhead charged, verifier cascade, online routers")
struct SaleSymmetryTests {
    func record(_ lengths: [Double], refined: [Double?], success: [Bool]) -> TaskRecord {
        let plan = { (l: Double) in Plan(length: l, entropy: 0.5, grades: lengths.map { _ in 3 }) }
        return TaskRecord(task: SaleTask(id: "t", domain: .coding, bin: 1, features: [1, 0]),
                          attempts: zip(lengths, success).map { Attempt(plan: plan($0), success: $1, tokens: 1000) },
                          refined: refined.map { $0.map { Attempt(plan: plan($0), success: true, tokens: 1000) } })
    }

    /// Prices 1 and 2 $/Mtok, plans of 100 and 200 tokens, agent 0 refines with 50, 8 tokens a
    /// grade: plans 1·100 + 2·200; each juror reads 300 and writes 16 (1·316 + 2·316); the
    /// refined plan 1·50; each juror reads 50 and writes 8 (1·58 + 2·58). Σ = 1672 $·10⁻⁶.
    @Test func overheadBillByHand() {
        let data = SaleDataset(agents: [.init(name: "a", price: 1), .init(name: "b", price: 2)], records: [])
        let r = record([100, 200], refined: [50, nil], success: [false, true])
        let bill = AuctionOverhead(gradeTokens: 8).bill(r, refined: [0], data: data)
        #expect(abs(bill.cost - 1672e-6) < 1e-15)
        #expect(bill.tokens == 300 + 632 + 50 + 116)
        let none = AuctionOverhead(gradeTokens: 8).bill(r, refined: [], data: data)
        #expect(abs(none.cost - 1448e-6) < 1e-15)
    }

    /// A perfect verifier escalates exactly after failures (the first success in price order);
    /// a verifier that is always wrong stops at the first failure. Every attempt up to the stop
    /// is paid for.
    @Test func cascadeVerifierAccuracy() {
        let data = SaleDataset(agents: SaleAgent.paper, records: [])
        var g = SplitMix64(seed: 9)
        for _ in 0..<50 {
            let success = (0..<4).map { _ in g.next() % 2 == 0 }
            let r = record([100, 100, 100, 100], refined: [nil, nil, nil, nil], success: success)
            var rng = SplitMix64(seed: 1)
            let perfect = CascadeRouter(verifierAccuracy: 1).route(r, data: data, rng: &rng)
            let stop = success.firstIndex(of: true) ?? 3
            #expect(perfect.agent == stop && perfect.success == success[stop])
            #expect(abs(perfect.cost - (0...stop).reduce(0) { $0 + SaleAgent.paper[$1].price * 1000 / 1e6 }) < 1e-15)
            let wrong = CascadeRouter(verifierAccuracy: 0).route(r, data: data, rng: &rng)
            #expect(wrong.agent == (success.firstIndex(of: false) ?? 3))
        }
    }

    @Test func onlinePredictorsLearnFromWhatTheyRan() {
        var g = SplitMix64(seed: 2)
        let records = (0..<40).map { k in
            TaskRecord(task: SaleTask(id: "\(k)", domain: .coding, bin: 1, features: [g.nextOpenUnit(), g.nextOpenUnit(), 1]),
                       attempts: (0..<2).map { _ in Attempt(plan: nil, success: g.next() % 2 == 0, tokens: 10) }, refined: [nil, nil])
        }
        let ts = RouterTrainingSet(records)
        let knn = KNNPredictor(ts, k: 1)
        var online = OnlineKNNPredictor(knn)
        let x = [0.3, -0.9, 0.2]
        #expect(online.predict(x) == knn.predict(x))
        online.observe(x, agent: 1, success: true)
        online.observe(x, agent: 0, success: false)
        #expect(online.predict(x) == [0, 1])
        let lr = LogisticPredictor(ts, iterations: 50)
        var frozen = OnlineLogisticPredictor(lr, rate: 0)
        frozen.observe(x, agent: 0, success: true)
        #expect(frozen.predict(x) == lr.predict(x))
        var learning = OnlineLogisticPredictor(lr)
        learning.observe(x, agent: 0, success: true)
        #expect(learning.predict(x)[0] > lr.predict(x)[0] && learning.predict(x)[1] == lr.predict(x)[1])
    }
}
