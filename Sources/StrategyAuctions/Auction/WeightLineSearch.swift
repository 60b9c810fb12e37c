import Foundation
import LabNumerics

/// A fast heuristic for `WeightFit`'s counting problem: multi-start line search in which every
/// step is an *exact* 1-D maximisation.
///
/// Along the line w + s·d, task t is won iff (f(target) − f(b))·(w + s·d) + margin ≤ 0 for
/// every rival b: each rival bounds s on one side, so the set of s at which t is won is an
/// interval (possibly empty), and the box on w bounds s too. The number of tasks won along the
/// line is the number of intervals that cover s — a piecewise-constant function whose maximum is
/// found by sorting the 2n endpoints and sweeping: O(n·B·K + n log n) per line, with n tasks,
/// B bids per task and K weights. The step goes to the *midpoint* of the best open segment, so
/// every constraint of a won task holds with room to spare and the count survives rounding.
///
/// The search alternates coordinate and random directions from several random starts, keeps a
/// move when the count does not drop, and stops a start after a round without a gain.
/// Deterministic for a given seed. Gives no optimality guarantee: `WeightFit.solve` uses its
/// best point as GLPK's first incumbent and as the source of proven-compatible task pairs.
public enum WeightLineSearch {
    /// The best point found, the number of tasks it wins (the sweep's own count; it equals
    /// `WeightFit.count(problem, weights:)`), and the win set of every point the search settled at
    /// (one `[Bool]` per task), which `WeightFit` uses to skip compatibility checks.
    public struct Result: Sendable {
        /// The best weights found, within the problem's bounds.
        public let weights: [Double]
        /// Tasks those weights win (the sweep's own count).
        public let won: Int
        /// The win set (one flag per task) of every point the search settled at.
        public let visited: [[Bool]]
    }

    /// Runs `starts` random starts of at most `rounds` rounds each, each round 2·K line searches
    /// (K coordinate axes, K random directions). Cost O(starts · rounds · K · n·(B·K + log n)).
    public static func search(_ p: WeightFit.Problem, starts: Int = 16, rounds: Int = 40, seed: UInt64 = 0x5A1E_F17) -> Result {
        let rows = differenceRows(p)
        var rng = SplitMix64(seed: seed)
        var best: (w: [Double], won: Int) = (p.bounds.map { ($0.lowerBound + $0.upperBound) / 2 }, -1)
        var visited: [[Bool]] = []
        for _ in 0..<max(1, starts) {
            let start = p.bounds.map { $0.lowerBound + rng.nextOpenUnit() * ($0.upperBound - $0.lowerBound) }
            let (w, won) = climb(rows, p, from: start, rounds: rounds, rng: &rng)
            visited.append(wins(rows, w, margin: p.margin))
            if won > best.won { best = (w, won) }
        }
        return Result(weights: best.w, won: max(0, best.won), visited: visited)
    }

    /// Rival difference rows per task of `p`: task t is won at w iff a·w + margin ≤ 0 for each.
    static func differenceRows(_ p: WeightFit.Problem) -> [[[Double]]] {
        let K = p.bounds.count
        return p.tasks.map { t in
            t.features.indices.filter { $0 != t.target }.map { b in (0..<K).map { t.features[t.target][$0] - t.features[b][$0] } }
        }
    }

    /// One start of the search: from `start` (inside the box), at most `rounds` rounds of 2·K
    /// exact line searches (K coordinate axes, K random directions drawn from `rng`); a move is
    /// kept when the count does not drop, and the climb stops after a round without a gain.
    /// Returns the point reached and the tasks it wins (never fewer than `start` wins).
    static func climb(_ rows: [[[Double]]], _ p: WeightFit.Problem, from start: [Double], rounds: Int, rng: inout SplitMix64) -> (w: [Double], won: Int) {
        let K = p.bounds.count
        var w = start
        var won = wins(rows, w, margin: p.margin).filter { $0 }.count
        for _ in 0..<rounds {
            var gained = false
            var directions: [[Double]] = (0..<K).map { k in (0..<K).map { $0 == k ? 1 : 0 } }
            for _ in 0..<K {
                let d = (0..<K).map { _ in normal(&rng) }
                let norm = d.reduce(0) { $0 + $1 * $1 }.squareRoot()
                directions.append(norm > 0 ? d.map { $0 / norm } : directions[0])
            }
            for d in directions {
                guard let step = line(rows, bounds: p.bounds, margin: p.margin, from: w, along: d), step.won >= won else { continue }
                if step.won > won { gained = true }
                w = zip(w, d).map { $0 + step.s * $1 }
                won = step.won
            }
            if !gained { break }
        }
        return (w, won)
    }

    /// Which tasks `w` wins (every rival row a·w + margin ≤ 1e-9, the slack of `WeightFit.count`).
    static func wins(_ rows: [[[Double]]], _ w: [Double], margin: Double) -> [Bool] {
        rows.map { task in task.allSatisfy { a in zip(a, w).reduce(margin) { $0 + $1.0 * $1.1 } <= 1e-9 } }
    }

    /// The exact maximiser of the number of tasks won on {w + s·d} ∩ box: the midpoint s of the
    /// best open segment and its count; nil if the line leaves the box at once.
    static func line(_ rows: [[[Double]]], bounds: [ClosedRange<Double>], margin: Double, from w: [Double], along d: [Double]) -> (s: Double, won: Int)? {
        var sLo = -Double.infinity, sHi = Double.infinity
        for k in d.indices where d[k] != 0 {
            let a = (bounds[k].lowerBound - w[k]) / d[k], b = (bounds[k].upperBound - w[k]) / d[k]
            sLo = max(sLo, min(a, b)); sHi = min(sHi, max(a, b))
        }
        guard sLo < sHi, sLo.isFinite, sHi.isFinite else { return nil }
        var events: [(x: Double, delta: Int)] = []
        events.reserveCapacity(2 * rows.count)
        for task in rows {
            var lo = sLo, hi = sHi, possible = true
            for a in task {
                var c = margin, g = 0.0
                for k in a.indices { c += a[k] * w[k]; g += a[k] * d[k] }
                // c + s·g ≤ 0
                if g > 0 { hi = min(hi, -c / g) } else if g < 0 { lo = max(lo, -c / g) } else if c > 0 { possible = false; break }
            }
            if possible, lo < hi { events.append((lo, 1)); events.append((hi, -1)) }
        }
        guard !events.isEmpty else { return (0, 0) }
        events.sort { $0.x < $1.x }
        var cover = 0, bestCover = -1, bestS = 0.0, i = 0
        while i < events.count {
            let x = events[i].x
            while i < events.count, events[i].x == x { cover += events[i].delta; i += 1 }
            guard i < events.count else { break }
            // `cover` holds on the open segment (x, next x).
            if cover > bestCover { bestCover = cover; bestS = (x + events[i].x) / 2 }
        }
        return bestCover < 0 ? nil : (bestS, bestCover)
    }

    /// A standard normal draw (Box–Muller).
    static func normal(_ rng: inout SplitMix64) -> Double {
        let u = rng.nextOpenUnit(), v = rng.nextOpenUnit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
