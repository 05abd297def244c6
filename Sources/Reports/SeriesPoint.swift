/// One second of the run in a report's `series`.
public struct SeriesPoint: Codable, Sendable, Equatable {
    /// Seconds since the run start; this row covers `[t, t+1)`.
    public var t: Int
    /// App sessions running at the end of this second.
    public var devicesOnline: Int64
    public var generated: UInt64
    public var acked: UInt64
    public var dropped: UInt64
    public var sampledOut: UInt64
    public var connects: UInt64
    public var connectFailures: UInt64
    public var disconnects: UInt64
    /// Event latency of the events acked in this second (coarse, within 1.6%); nil without acks.
    public var latencyP50Ms: Double?
    public var latencyP90Ms: Double?
    public var latencyP99Ms: Double?
    public var latencyMaxMs: Double?
    /// Only in a shard's report: this second's latencies as `[highest_us, count]` buckets (see
    /// `CoarseHistogram.sparseBuckets`), so `RunReport.merge` can recompute the percentiles.
    public var latencyBuckets: [[UInt64]]?

    /// `buckets` keeps the second's latency buckets (a shard's report).
    package init(t: Int, devicesOnline: Int64, figures: SecondFigures, buckets: Bool = false) {
        self.t = t
        self.devicesOnline = devicesOnline
        generated = figures.generated
        acked = figures.acked
        dropped = figures.dropped
        sampledOut = figures.sampledOut
        connects = figures.connects
        connectFailures = figures.connectFailures
        disconnects = figures.disconnects
        latencyP50Ms = figures.latency.milliseconds(atPercentile: 50)
        latencyP90Ms = figures.latency.milliseconds(atPercentile: 90)
        latencyP99Ms = figures.latency.milliseconds(atPercentile: 99)
        latencyMaxMs = figures.latency.maxMilliseconds
        latencyBuckets = buckets ? figures.latency.sparseBuckets : nil
    }

    enum CodingKeys: String, CodingKey {
        case t, generated, acked, dropped, connects, disconnects
        case devicesOnline = "devices_online"
        case sampledOut = "sampled_out"
        case connectFailures = "connect_failures"
        case latencyP50Ms = "latency_p50_ms"
        case latencyP90Ms = "latency_p90_ms"
        case latencyP99Ms = "latency_p99_ms"
        case latencyMaxMs = "latency_max_ms"
        case latencyBuckets = "latency_buckets"
    }
}
