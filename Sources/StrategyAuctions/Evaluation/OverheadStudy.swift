import Foundation
import LabNumerics

/// The auction's overhead as a share of SALE's cost, and the overhead at which SALE stops being
/// cheaper than the largest agent alone. Per task order and slice (domain × bin) it sums over
/// the test tasks SALE's execution dollars E, the overhead O = plans + jury + memory look-ups
/// (``AuctionOverhead``), and the largest agent's dollars C running every task alone; then
///
///     overhead share       O / (E + O)
///     break-even overhead  C − E           (per task: SALE + overhead = largest alone)
///     break-even multiple  (C − E) / O     (how many times the measured overhead)
///     break-even share     (C − E) / C     (overhead's share of SALE's cost at break-even)
///
/// each a mean with a 95 % t-interval over orders.
public struct OverheadStudy: Sendable {
    /// One slice's figures (dollars per test task unless named a share or change).
    public struct Row: Sendable {
        /// The slice (domain and bin; nil = all).
        public let slice: Slice
        /// Orders summarised and test tasks summed over them.
        public let orders: Int, tasks: Int
        /// $ per task: SALE's execution, plans, jury, look-ups, overhead (the three), largest alone.
        public let execution, plans, jury, lookups, overhead, largest: Summary
        /// Overhead's share of SALE's cost, and of it without look-ups (the `sale-charged` bill).
        public let overheadShare, overheadShareNoLookups: Summary
        /// SALE's cost change vs the largest agent alone: execution only, with plans + jury, with every part.
        public let changeExecution, changeCharged, changeAll: Summary
        /// Break-even overhead ($ per task), its multiple of the measured overhead, and its share.
        public let breakEven, breakEvenMultiple, breakEvenShare: Summary
    }

    /// Sums of one order's slice.
    struct Sums { var n = 0.0, e = 0.0, p = 0.0, j = 0.0, l = 0.0, c = 0.0 }

    /// The overhead at which SALE's cost (execution + overhead) equals the largest agent's,
    /// as a multiple of the measured `overhead`: (largest − execution) / overhead. NaN when the
    /// overhead is zero.
    public static func breakEvenMultiple(execution: Double, overhead: Double, largest: Double) -> Double {
        overhead > 0 ? (largest - execution) / overhead : .nan
    }

    /// Rows for every standard slice of `streams` (memory-on outcomes) on `data`; look-ups read
    /// `retrieved` past tasks per refining agent.
    public static func rows(data: SaleDataset, streams: [SaleStream], retrieved: Int, overhead: AuctionOverhead = .init()) -> [Row] {
        let large = data.largest
        let perOrder: [[Slice: Sums]] = streams.map { s in
            var by: [Slice: Sums] = [:]
            for (k, out) in zip(s.test, s.memory) {
                let r = data.records[k]
                let b = overhead.breakdown(r, refined: out.refined, data: data, retrieved: retrieved)
                let alone = Execution(r.attempts[large], agent: large, in: data).cost
                for sl in Slice.standard where sl.contains(r.task) {
                    var x = by[sl] ?? Sums()
                    x.n += 1; x.e += out.execution.cost; x.p += b.planCost; x.j += b.juryCost; x.l += b.lookupCost; x.c += alone
                    by[sl] = x
                }
            }
            return by
        }
        return Slice.standard.compactMap { sl in
            let xs = perOrder.compactMap { $0[sl] }.filter { $0.n > 0 }
            guard !xs.isEmpty else { return nil }
            func s(_ f: (Sums) -> Double) -> Summary { Summary(xs.map(f)) }
            return Row(slice: sl, orders: xs.count, tasks: Int(xs.reduce(0) { $0 + $1.n }),
                       execution: s { $0.e / $0.n }, plans: s { $0.p / $0.n }, jury: s { $0.j / $0.n }, lookups: s { $0.l / $0.n },
                       overhead: s { ($0.p + $0.j + $0.l) / $0.n }, largest: s { $0.c / $0.n },
                       overheadShare: s { ($0.p + $0.j + $0.l) / ($0.e + $0.p + $0.j + $0.l) },
                       overheadShareNoLookups: s { ($0.p + $0.j) / ($0.e + $0.p + $0.j) },
                       changeExecution: s { $0.e / $0.c - 1 }, changeCharged: s { ($0.e + $0.p + $0.j) / $0.c - 1 },
                       changeAll: s { ($0.e + $0.p + $0.j + $0.l) / $0.c - 1 },
                       breakEven: s { ($0.c - $0.e) / $0.n },
                       breakEvenMultiple: s { breakEvenMultiple(execution: $0.e, overhead: $0.p + $0.j + $0.l, largest: $0.c) },
                       breakEvenShare: s { ($0.c - $0.e) / $0.c })
        }
    }
}
