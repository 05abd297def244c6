import Foundation

/// One latency histogram in a report: counts, percentiles in milliseconds, and the sparse buckets
/// that let a report be merged again exactly. Percentiles are the top of their HDR bucket (3
/// significant digits); every millisecond figure is nil when `count` is 0.
public struct HistogramSummary: Codable, Sendable, Equatable {
    public var count: UInt64
    public var minMs: Double?
    public var meanMs: Double?
    public var p50Ms: Double?
    public var p90Ms: Double?
    public var p95Ms: Double?
    public var p99Ms: Double?
    public var p99_9Ms: Double?
    public var maxMs: Double?
    /// Values above one hour, counted as one hour.
    public var clamped: UInt64
    /// `[lowest_equivalent_value_us, count]` for every non-empty bucket, ascending.
    public var buckets: [[UInt64]]

    public init(
        count: UInt64, minMs: Double? = nil, meanMs: Double? = nil, p50Ms: Double? = nil, p90Ms: Double? = nil,
        p95Ms: Double? = nil, p99Ms: Double? = nil, p99_9Ms: Double? = nil, maxMs: Double? = nil, clamped: UInt64,
        buckets: [[UInt64]]
    ) {
        self.count = count
        self.minMs = minMs
        self.meanMs = meanMs
        self.p50Ms = p50Ms
        self.p90Ms = p90Ms
        self.p95Ms = p95Ms
        self.p99Ms = p99Ms
        self.p99_9Ms = p99_9Ms
        self.maxMs = maxMs
        self.clamped = clamped
        self.buckets = buckets
    }

    enum CodingKeys: String, CodingKey {
        case count
        case minMs = "min_ms"
        case meanMs = "mean_ms"
        case p50Ms = "p50_ms"
        case p90Ms = "p90_ms"
        case p95Ms = "p95_ms"
        case p99Ms = "p99_ms"
        case p99_9Ms = "p99_9_ms"
        case maxMs = "max_ms"
        case clamped, buckets
    }

    /// `value` rounded to `decimals` places, so reports print short and stable figures.
    static func rounded(_ value: Double, decimals: Int) -> Double {
        let scale = pow(10, Double(decimals))
        return (value * scale).rounded() / scale
    }
}
