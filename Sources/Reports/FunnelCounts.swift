/// What happened to the events of one event type on one device group (or a sum of them).
public struct FunnelCounts: Sendable, Equatable {
    public var generated: UInt64 = 0
    public var sampledOut: UInt64 = 0
    /// Lost for good, by reason (`drop_list`, `store_full`, ...).
    public var dropped: [String: UInt64] = [:]
    public var acked: UInt64 = 0
    /// Sends of an event, first sends and resends.
    public var sends: UInt64 = 0
    /// Sends after the first (attempt > 1).
    public var resends: UInt64 = 0
    public var timeouts: UInt64 = 0
    public var errorAnswers: UInt64 = 0
    /// Events released back to the store for a later retry.
    public var released: UInt64 = 0

    public init() {}

    public var droppedTotal: UInt64 { dropped.values.reduce(0, +) }

    public mutating func merge(_ other: FunnelCounts) {
        generated += other.generated
        sampledOut += other.sampledOut
        for (reason, count) in other.dropped { dropped[reason, default: 0] += count }
        acked += other.acked
        sends += other.sends
        resends += other.resends
        timeouts += other.timeouts
        errorAnswers += other.errorAnswers
        released += other.released
    }
}
