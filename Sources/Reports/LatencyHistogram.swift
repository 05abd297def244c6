import Histogram

/// An HDR histogram of durations in microseconds (3 significant digits, 1 µs to 1 h) that counts
/// the values it had to clamp to its top instead of losing them. Merges exactly with `add`.
package struct LatencyHistogram: Sendable, Equatable {
    /// The largest value kept as is: one hour, in microseconds.
    package static let highestMicroseconds: UInt64 = 3_600_000_000

    package internal(set) var histogram: Histogram<UInt64>
    /// Values above `highestMicroseconds`, recorded as `highestMicroseconds`.
    package internal(set) var clamped: UInt64 = 0

    package init() {
        histogram = Histogram(
            lowestDiscernibleValue: 1, highestTrackableValue: Self.highestMicroseconds,
            numberOfSignificantValueDigits: .three)
    }

    package var count: UInt64 { histogram.totalCount }

    /// Records a duration given in nanoseconds (truncated to whole microseconds).
    @inline(__always)
    package mutating func record(nanoseconds: UInt64) {
        record(microseconds: nanoseconds / 1_000)
    }

    @inline(__always)
    package mutating func record(microseconds: UInt64, count: UInt64 = 1) {
        if microseconds > Self.highestMicroseconds {
            clamped &+= count
            histogram.record(Self.highestMicroseconds, count: count)
        } else {
            histogram.record(microseconds, count: count)
        }
    }

    /// Adds every value of `other` (exact: bucket for bucket).
    package mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
        clamped &+= other.clamped
    }

    /// The value at `percentile` (0...100) in microseconds, as the top of its bucket, so the figure
    /// is the same whether it comes from the recorded values or from a report's buckets; nil when empty.
    package func microseconds(atPercentile percentile: Double) -> UInt64? {
        guard count > 0 else { return nil }
        return histogram.highestEquivalentForValue(histogram.valueAtPercentile(percentile))
    }
}
