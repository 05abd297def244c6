/// What happened in one second of the run (second `t` covers `[t, t+1)` seconds after the start).
public struct SecondFigures: Sendable, Equatable {
    public var generated: UInt64 = 0
    public var acked: UInt64 = 0
    public var dropped: UInt64 = 0
    public var sampledOut: UInt64 = 0
    public var connects: UInt64 = 0
    public var connectFailures: UInt64 = 0
    public var disconnects: UInt64 = 0
    /// Devices that came online minus devices that went offline in this second; the devices
    /// online at the end of second t is the sum of the deltas up to t.
    public var devicesOnlineDelta: Int64 = 0
    /// Event latencies of the events acked in this second.
    public var latency = CoarseHistogram()

    public init() {}

    public mutating func merge(_ other: SecondFigures) {
        generated += other.generated
        acked += other.acked
        dropped += other.dropped
        sampledOut += other.sampledOut
        connects += other.connects
        connectFailures += other.connectFailures
        disconnects += other.disconnects
        devicesOnlineDelta += other.devicesOnlineDelta
        latency.add(other.latency)
    }
}
