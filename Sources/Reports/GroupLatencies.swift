/// The four duration histograms of one device group.
package struct GroupLatencies: Sendable, Equatable {
    /// Event latency: intended creation time (as scripted) to ack.
    package var event = LatencyHistogram()
    package var batchRoundTrip = LatencyHistogram()
    package var connect = LatencyHistogram()
    package var timeToFirstAck = LatencyHistogram()

    package init() {}

    package mutating func merge(_ other: GroupLatencies) {
        event.add(other.event)
        batchRoundTrip.add(other.batchRoundTrip)
        connect.add(other.connect)
        timeToFirstAck.add(other.timeToFirstAck)
    }
}
