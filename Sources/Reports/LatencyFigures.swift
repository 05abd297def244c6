/// The `latency` section of a report: four separate figures, and event latency per flavor and
/// per network profile.
public struct LatencyFigures: Codable, Sendable, Equatable {
    /// Intended (scripted) creation time to ack, coordinated omission corrected.
    public var event: HistogramSummary
    /// Batch sent to its ack.
    public var batchRoundTrip: HistogramSummary
    /// Connection attempt to open connection.
    public var connect: HistogramSummary
    /// Connection open to its first ack.
    public var timeToFirstAck: HistogramSummary
    public var eventByFlavor: [String: HistogramSummary]
    public var eventByNetwork: [String: HistogramSummary]

    package init(_ latencies: [DeviceGroup: GroupLatencies]) {
        var overall = GroupLatencies()
        var byFlavor: [String: LatencyHistogram] = [:]
        var byNetwork: [String: LatencyHistogram] = [:]
        for group in latencies.keys.sorted() {
            let figures = latencies[group]!
            overall.merge(figures)
            byFlavor[group.flavor, default: LatencyHistogram()].add(figures.event)
            byNetwork[group.network, default: LatencyHistogram()].add(figures.event)
        }
        event = overall.event.summary
        batchRoundTrip = overall.batchRoundTrip.summary
        connect = overall.connect.summary
        timeToFirstAck = overall.timeToFirstAck.summary
        eventByFlavor = byFlavor.mapValues(\.summary)
        eventByNetwork = byNetwork.mapValues(\.summary)
    }

    enum CodingKeys: String, CodingKey {
        case event, connect
        case batchRoundTrip = "batch_round_trip"
        case timeToFirstAck = "time_to_first_ack"
        case eventByFlavor = "event_by_flavor"
        case eventByNetwork = "event_by_network"
    }
}
