/// Running totals for a once-a-second status line; cheap to read from a shard and to merge.
public struct ProgressCounters: Sendable, Equatable {
    public var generated: UInt64 = 0
    public var acked: UInt64 = 0
    public var dropped: UInt64 = 0
    public var sampledOut: UInt64 = 0
    public var connects: UInt64 = 0
    public var connectFailures: UInt64 = 0
    public var disconnects: UInt64 = 0
    /// Connections made by devices that had been connected before.
    public var reconnects: UInt64 = 0
    public var devicesOnline: Int = 0
    /// Every event latency so far (coarse; diff two readings with `subtracting` for an interval).
    package var latency = CoarseHistogram()

    public init() {}

    /// Event latency p99 so far, in milliseconds; nil before the first ack.
    public var latencyP99Milliseconds: Double? { latency.milliseconds(atPercentile: 99) }

    public mutating func merge(_ other: ProgressCounters) {
        generated += other.generated
        acked += other.acked
        dropped += other.dropped
        sampledOut += other.sampledOut
        connects += other.connects
        connectFailures += other.connectFailures
        disconnects += other.disconnects
        reconnects += other.reconnects
        devicesOnline += other.devicesOnline
        latency.add(other.latency)
    }
}
