/// What happened in one second of the run (second `t` covers `[t, t+1)` seconds after the start).
package struct SecondFigures: Sendable, Equatable {
    package var generated: UInt64 = 0
    package var acked: UInt64 = 0
    package var dropped: UInt64 = 0
    package var sampledOut: UInt64 = 0
    package var connects: UInt64 = 0
    package var connectFailures: UInt64 = 0
    package var disconnects: UInt64 = 0
    /// Devices that came online minus devices that went offline in this second; the devices
    /// online at the end of second t is the sum of the deltas up to t.
    package var devicesOnlineDelta: Int64 = 0
    /// Event latencies of the events acked in this second.
    package var latency = CoarseHistogram()

    package init() {}

    package mutating func merge(_ other: SecondFigures) {
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
