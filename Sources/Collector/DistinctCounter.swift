import Foundation

/// How many distinct strings were seen, in a fixed 4 KiB whatever their number: a HyperLogLog
/// with 4,096 registers (standard error about 1.6%, and nearly exact below a few thousand, where
/// it counts by linear counting). Mergeable, so each event loop keeps its own. Used for the event
/// types folded into `other`, whose names must not be kept (600,000 of them made `/stats` 110 MB).
package struct DistinctCounter: Sendable, Equatable {
    private static let precision = 12
    private static let registerCount = 1 << precision
    /// Empty until the first insert, so a ledger that never folds a type costs nothing.
    private var registers: [UInt8] = []

    package init() {}

    package mutating func insert(_ text: String) {
        if registers.isEmpty { registers = [UInt8](repeating: 0, count: Self.registerCount) }
        let hash = Self.hash(text)
        let index = Int(hash >> UInt64(64 - Self.precision))
        let rest = hash << UInt64(Self.precision)
        let rank = UInt8(Swift.min(rest.leadingZeroBitCount, 64 - Self.precision) + 1)
        if rank > registers[index] { registers[index] = rank }
    }

    package mutating func merge(_ other: DistinctCounter) {
        guard !other.registers.isEmpty else { return }
        guard !registers.isEmpty else {
            registers = other.registers
            return
        }
        for index in registers.indices { registers[index] = Swift.max(registers[index], other.registers[index]) }
    }

    /// The estimated number of distinct strings inserted.
    package var estimate: UInt64 {
        guard !registers.isEmpty else { return 0 }
        let m = Double(Self.registerCount)
        var sum = 0.0
        var zeros = 0
        for register in registers {
            sum += Foundation.pow(2, -Double(register))
            if register == 0 { zeros += 1 }
        }
        let raw = 0.7213 / (1 + 1.079 / m) * m * m / sum
        if raw <= 2.5 * m, zeros > 0 {
            return UInt64((m * Foundation.log(m / Double(zeros))).rounded())
        }
        return UInt64(raw.rounded())
    }

    /// FNV-1a over the UTF-8 bytes, then SplitMix64's finalizer to spread the bits: stable across
    /// processes (Swift's `Hasher` is seeded per process).
    private static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }
}
