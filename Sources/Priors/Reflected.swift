/// The law of −X for X ~ `base`. The value side is the mirror of the cost side:
/// φ_value(v) = −φ_cost(−v) for the reflected prior, and the upper concave
/// envelope of q·F⁻¹(1−q) is the reflection of the lower convex envelope.
/// Ironing is written once (cost side) and reused for values through this view.
struct ReflectedPrior: Prior {
    let base: any Prior
    var support: ClosedRange<Double> { (-base.high)...(-base.low) }
    var breakpoints: [Double] { base.breakpoints.map { -$0 }.reversed() }
    func pdf(_ x: Double) -> Double { base.pdf(-x) }
    func cdf(_ x: Double) -> Double {
        if x <= low { return 0 }
        if x >= high { return 1 }
        return base.survival(-x)
    }
    func survival(_ x: Double) -> Double {
        if x <= low { return 1 }
        if x >= high { return 0 }
        return base.cdf(-x)
    }
    func quantile(_ p: Double) -> Double { -base.quantile(1 - p) }
}
