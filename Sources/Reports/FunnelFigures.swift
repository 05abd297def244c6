/// Funnel counts in a report (for all events, one event type, one flavor or one network).
public struct FunnelFigures: Codable, Sendable, Equatable {
    /// The drop reason of events the remote config's drop list removes on purpose; delivery
    /// ratio and drop rate leave it out.
    public static let dropListReason = "drop_list"

    public var generated: UInt64
    public var sampledOut: UInt64
    /// All drops, and by reason.
    public var dropped: UInt64
    public var droppedByReason: [String: UInt64]
    public var acked: UInt64
    public var sends: UInt64
    public var resends: UInt64
    public var timeouts: UInt64
    public var errorAnswers: UInt64
    public var released: UInt64
    /// `generated - sampled_out - dropped - acked`: events still in device stores at the end
    /// (negative would mean more outcomes than events, a bug).
    public var pendingAtEnd: Int64

    package init(_ counts: FunnelCounts) {
        generated = counts.generated
        sampledOut = counts.sampledOut
        dropped = counts.droppedTotal
        droppedByReason = counts.dropped
        acked = counts.acked
        sends = counts.sends
        resends = counts.resends
        timeouts = counts.timeouts
        errorAnswers = counts.errorAnswers
        released = counts.released
        pendingAtEnd = Int64(counts.generated) - Int64(counts.sampledOut) - Int64(dropped) - Int64(counts.acked)
    }

    /// Events that should have been delivered: generated minus sampled out and drop-list drops.
    public var deliverable: UInt64 {
        let excluded = sampledOut + (droppedByReason[Self.dropListReason] ?? 0)
        return generated > excluded ? generated - excluded : 0
    }

    /// `acked / deliverable`; nil when nothing was deliverable.
    public var deliveryRatio: Double? {
        deliverable > 0 ? Double(acked) / Double(deliverable) : nil
    }

    /// Drops other than drop-list drops.
    public var unexpectedDrops: UInt64 { dropped - (droppedByReason[Self.dropListReason] ?? 0) }

    enum CodingKeys: String, CodingKey {
        case generated, dropped, acked, sends, resends, timeouts, released
        case sampledOut = "sampled_out"
        case droppedByReason = "dropped_by_reason"
        case errorAnswers = "error_answers"
        case pendingAtEnd = "pending_at_end"
    }
}
