import Workflows

/// The runner-up's cost for the item as ``SecondPriceRule`` quotes it, but never more than the
/// winner's prior top × its workload: the per-unit price is capped at hi_i, the reserve a
/// threshold rule applies. One level of the payment factor of the decomposition study.
public struct CappedSecondPriceRule: PaymentRule {
    /// The capped rule.
    public init() {}
    /// `.secondPriceCapped`.
    public var reserve: ReserveRule { .secondPriceCapped }
    /// min(runner-up's cost, hi_i × workload), O(1); no solves.
    public func pay(_ w: Winner) throws -> PaymentQuote {
        let uncapped = try SecondPriceRule().pay(w)
        return PaymentQuote(amount: min(uncapped.amount, w.top * w.workload), solverCalls: uncapped.solverCalls)
    }
}
