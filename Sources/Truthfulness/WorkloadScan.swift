/// Agent i's workload x_i(z) as a function of its own report z, reconstructed by the DSIC
/// harness **from the allocation rule alone** (`Mechanism.allocate`), never from payments or
/// from the breakpoints a mechanism reports about itself.
///
/// The seeds (a grid, random bids, the true cost, stretch and gap ends) are evaluated; every
/// pair of neighbouring points whose workloads differ is bisected until it is narrower than
/// `resolution`, so each step of x_i is bracketed by two probes [left, right]. For a monotone
/// allocation, equal workloads at two neighbours mean x_i is constant between them, so the
/// integral below is exact up to `resolution × jump` per step.
struct WorkloadProfile {
    /// Sorted probe points with their workloads.
    private(set) var points: [(z: Double, x: Double)]
    /// Brackets [left, right] (neighbouring probes) across which the workload changes.
    var steps: [(left: Double, right: Double)] {
        zip(points, points.dropFirst()).compactMap { $0.x != $1.x ? ($0.z, $1.z) : nil }
    }

    init(over range: ClosedRange<Double>, seeds: [Double], resolution: Double, workload: (Double) throws -> Double) throws {
        let zs = Array(Set(seeds.filter { range.contains($0) } + [range.lowerBound, range.upperBound])).sorted()
        var pts = try zs.map { (z: $0, x: try workload($0)) }
        var k = 0
        while k + 1 < pts.count {
            let (a, b) = (pts[k], pts[k + 1])
            let mid = a.z + (b.z - a.z) / 2
            if a.x == b.x || b.z - a.z <= resolution || mid <= a.z || mid >= b.z { k += 1; continue }
            pts.insert((mid, try workload(mid)), at: k + 1)
        }
        points = pts
    }

    /// x at the probe nearest to z from the left (z must be a probe or lie between probes).
    func value(at z: Double) -> Double {
        var x = points[0].x
        for p in points where p.z <= z { x = p.x }
        return x
    }

    /// ∫_a^b x(z) dz, x piecewise constant between probes; inside a step's bracket the
    /// midpoint splits the two values (error ≤ bracket width × jump / 2).
    func integral(from a: Double, to b: Double) -> Double {
        guard b > a else { return 0 }
        var total = 0.0
        for (p, q) in zip(points, points.dropFirst()) {
            let l = max(a, p.z), r = min(b, q.z)
            guard r > l else { continue }
            if p.x == q.x {
                total += p.x * (r - l)
            } else {
                let m = p.z + (q.z - p.z) / 2
                total += p.x * max(0, min(r, m) - l) + q.x * max(0, r - max(l, m))
            }
        }
        return total
    }
}
