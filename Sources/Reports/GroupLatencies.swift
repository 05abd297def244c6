/// The four duration histograms of one device group.
public struct GroupLatencies: Sendable, Equatable {
    /// Event latency: intended creation time (as scripted) to ack.
    public var event = LatencyHistogram()
    public var batchRoundTrip = LatencyHistogram()
    public var connect = LatencyHistogram()
    public var timeToFirstAck = LatencyHistogram()

    public init() {}

    public mutating func merge(_ other: GroupLatencies) {
        event.add(other.event)
        batchRoundTrip.add(other.batchRoundTrip)
        connect.add(other.connect)
        timeToFirstAck.add(other.timeToFirstAck)
    }
}
