/// What happened to the events of one event type on one device group (or a sum of them).
package struct FunnelCounts: Sendable, Equatable {
    package var generated: UInt64 = 0
    package var sampledOut: UInt64 = 0
    /// Lost for good, by reason (`drop_list`, `store_full`, ...).
    package var dropped: [String: UInt64] = [:]
    package var acked: UInt64 = 0
    /// Sends of an event, first sends and resends.
    package var sends: UInt64 = 0
    /// Sends after the first (attempt > 1).
    package var resends: UInt64 = 0
    package var timeouts: UInt64 = 0
    package var errorAnswers: UInt64 = 0
    /// Events released back to the store for a later retry.
    package var released: UInt64 = 0

    package init() {}

    package var droppedTotal: UInt64 { dropped.values.reduce(0, +) }

    package mutating func merge(_ other: FunnelCounts) {
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
