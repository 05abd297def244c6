extension LatencyHistogram {
    /// The report form: percentiles in milliseconds and the sparse buckets.
    package var summary: HistogramSummary {
        var buckets: [[UInt64]] = []
        for value in histogram.recordedValues() {
            buckets.append([histogram.lowestEquivalentForValue(value.value), UInt64(value.count)])
        }
        guard count > 0 else { return HistogramSummary(count: 0, clamped: clamped, buckets: []) }
        func ms(_ microseconds: UInt64?) -> Double? { microseconds.map { Double($0) / 1_000 } }
        let lowest = histogram.lowestEquivalentForValue(histogram.min)
        return HistogramSummary(
            count: count,
            minMs: ms(lowest),
            meanMs: HistogramSummary.rounded(histogram.mean / 1_000, decimals: 3),
            p50Ms: ms(microseconds(atPercentile: 50)),
            p90Ms: ms(microseconds(atPercentile: 90)),
            p95Ms: ms(microseconds(atPercentile: 95)),
            p99Ms: ms(microseconds(atPercentile: 99)),
            p99_9Ms: ms(microseconds(atPercentile: 99.9)),
            maxMs: ms(histogram.max),
            clamped: clamped,
            buckets: buckets)
    }

    /// Rebuilds the histogram from a report's buckets (each value is its bucket's lowest
    /// equivalent, so percentiles and merges come out as from the original).
    package init(summary: HistogramSummary) {
        self.init()
        for bucket in summary.buckets where bucket.count == 2 {
            histogram.record(Swift.min(bucket[0], Self.highestMicroseconds), count: bucket[1])
        }
        clamped = summary.clamped
    }
}
