/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit seedable generator used to
/// derive independent per-trial streams from (master seed, trial index).
/// Value type, `Sendable`: each task owns its generator, so parallel runs are
/// byte-identical to serial ones.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The 64-bit state, advanced by the golden-ratio increment on every draw.
    public private(set) var state: UInt64
    /// A generator whose first state is `seed` (any value, including 0).
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits. O(1).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed of stream `index` under `master`: two SplitMix rounds of a mix of both,
    /// so neighbouring indices give unrelated streams.
    public static func derive(master: UInt64, index: UInt64, salt: UInt64 = 0) -> UInt64 {
        var g = SplitMix64(seed: master ^ (salt &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        var h = SplitMix64(seed: g.next() ^ (index &* 0x9E37_79B9_7F4A_7C15))
        return h.next()
    }
}

extension RandomNumberGenerator {
    /// A uniform double in the open interval (0, 1) with 53 random bits,
    /// safe to feed to a quantile function (never exactly 0 or 1).
    public mutating func nextOpenUnit() -> Double {
        let bits = next() >> 11
        return (Double(bits) + 0.5) / 9_007_199_254_740_992.0
    }
}
