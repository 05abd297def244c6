/// A small log-linear histogram of durations for the per-second series and the progress line:
/// microsecond values in buckets of 64 per power of two (values under 128 µs exact, otherwise
/// within 1.6%, about two significant digits). Stored sparse, so a second with a few hundred
/// acks costs a few hundred bytes; merges exactly.
package struct CoarseHistogram: Sendable, Equatable {
    /// Non-empty buckets, ascending: bucket index in the top 16 bits, count in the low 48.
    package private(set) var packed: [UInt64] = []

    static let subBuckets = 64
    static let countMask: UInt64 = (1 << 48) - 1
    /// One hour in microseconds is 32 bits wide: index at most 64 * 25 + 127.
    static let bucketCount = 64 * 26 + 128

    package init() {}

    package var isEmpty: Bool { packed.isEmpty }

    package var totalCount: UInt64 { packed.reduce(0) { $0 &+ ($1 & Self.countMask) } }

    @inline(__always)
    static func index(microseconds: UInt64) -> Int {
        let value = Swift.min(microseconds, LatencyHistogram.highestMicroseconds)
        let shift = Swift.max(0, (64 - value.leadingZeroBitCount) - 7)
        return subBuckets * shift + Int(value >> UInt64(shift))
    }

    /// The highest microsecond value that falls in bucket `index`.
    static func highestMicroseconds(index: Int) -> UInt64 {
        guard index >= 2 * subBuckets else { return UInt64(index) }
        let shift = index / subBuckets - 1
        let mantissa = UInt64(index - subBuckets * shift)
        return ((mantissa + 1) << UInt64(shift)) - 1
    }

    /// Adds `count` values to bucket `index` (kept sorted; not for a hot path).
    mutating func add(index: Int, count: UInt64) {
        guard count > 0 else { return }
        let key = UInt64(index) << 48
        var low = 0
        var high = packed.count
        while low < high {
            let middle = (low + high) / 2
            if packed[middle] & ~Self.countMask < key { low = middle + 1 } else { high = middle }
        }
        if low < packed.count, packed[low] & ~Self.countMask == key {
            packed[low] = key | ((packed[low] & Self.countMask) &+ count)
        } else {
            packed.insert(key | count, at: low)
        }
    }

    /// Records one duration (not for a hot path: the recorder fills a dense accumulator instead).
    package mutating func record(microseconds: UInt64) {
        add(index: Self.index(microseconds: microseconds), count: 1)
    }

    /// Adds every value of `other`.
    package mutating func add(_ other: CoarseHistogram) {
        guard !other.packed.isEmpty else { return }
        guard !packed.isEmpty else {
            packed = other.packed
            return
        }
        var merged: [UInt64] = []
        merged.reserveCapacity(packed.count + other.packed.count)
        var left = 0
        var right = 0
        while left < packed.count || right < other.packed.count {
            let leftKey = left < packed.count ? packed[left] & ~Self.countMask : .max
            let rightKey = right < other.packed.count ? other.packed[right] & ~Self.countMask : .max
            if leftKey == rightKey {
                merged.append(leftKey | ((packed[left] & Self.countMask) &+ (other.packed[right] & Self.countMask)))
                left += 1
                right += 1
            } else if leftKey < rightKey {
                merged.append(packed[left])
                left += 1
            } else {
                merged.append(other.packed[right])
                right += 1
            }
        }
        packed = merged
    }

    /// What was recorded here and not in `earlier` (a later cumulative copy minus an earlier one).
    package func subtracting(_ earlier: CoarseHistogram) -> CoarseHistogram {
        var result = CoarseHistogram()
        var earlierCounts: [UInt64: UInt64] = [:]
        for entry in earlier.packed { earlierCounts[entry & ~Self.countMask] = entry & Self.countMask }
        for entry in packed {
            let key = entry & ~Self.countMask
            let count = entry & Self.countMask
            let before = earlierCounts[key] ?? 0
            if count > before { result.packed.append(key | (count - before)) }
        }
        return result
    }

    /// The value at `percentile` (0...100) in milliseconds, as the top of its bucket; nil when empty.
    package func milliseconds(atPercentile percentile: Double) -> Double? {
        let total = totalCount
        guard total > 0 else { return nil }
        let rank = Swift.max(1, UInt64((Swift.min(percentile, 100) / 100 * Double(total)).rounded(.up)))
        var seen: UInt64 = 0
        for entry in packed {
            seen &+= entry & Self.countMask
            if seen >= rank { return Self.milliseconds(entry) }
        }
        return packed.last.map(Self.milliseconds)
    }

    /// The non-empty buckets as `[highest_us, count]`, ascending: the form a shard report's
    /// series carries so that `RunReport.merge` can add seconds exactly.
    package var sparseBuckets: [[UInt64]] {
        packed.map { [Self.highestMicroseconds(index: Int($0 >> 48)), $0 & Self.countMask] }
    }

    /// Rebuilds a histogram from `sparseBuckets` (each value lands in the bucket it came from).
    package init(sparseBuckets: [[UInt64]]) {
        for bucket in sparseBuckets where bucket.count == 2 {
            add(index: Self.index(microseconds: bucket[0]), count: bucket[1])
        }
    }

    /// The largest value in milliseconds (top of its bucket); nil when empty.
    package var maxMilliseconds: Double? { packed.last.map(Self.milliseconds) }

    static func milliseconds(_ entry: UInt64) -> Double {
        Double(highestMicroseconds(index: Int(entry >> 48))) / 1_000
    }
}
