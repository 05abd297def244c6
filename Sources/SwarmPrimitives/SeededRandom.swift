/// A small, fast, seedable generator (SplitMix64): the same seed gives the same sequence on
/// every platform, which is what deterministic runs and fault injection need.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for stream `index` of `seed`, independent of how many other streams exist.
    public init(seed: UInt64, stream index: UInt64) {
        var mixer = SeededRandom(seed: seed ^ (index &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next() ^ index
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
