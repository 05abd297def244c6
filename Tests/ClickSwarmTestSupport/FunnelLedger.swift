import ClickstreamSDK
import NIOCore

/// Counts every event's funnel per event type, from an `SDKObserver` feed, for DESIGN
/// principle 5: `generated = sampled_out + dropped[reason] + acked + pending_at_end`.
/// One ledger can observe many SDK instances on one event loop; ledgers merge across loops.
public final class FunnelLedger: SDKObserver {
    public struct Counts: Equatable, Sendable {
        public var generated: UInt64 = 0
        public var sampledOut: UInt64 = 0
        public var dropped: [String: UInt64] = [:]
        public var stored: UInt64 = 0
        /// Events acked (each event once: the SDK deletes a row on its first ack).
        public var acked: UInt64 = 0
        /// Sends of the event's batch, first sends and resends.
        public var sends: UInt64 = 0
        public var resends: UInt64 = 0
        public var timeouts: UInt64 = 0
        public var errorAnswers: UInt64 = 0
        public var released: UInt64 = 0
        /// Android background rule: rows re-stamped after they had been written, each of which
        /// the collector may see twice.
        public var restampedAfterSend: UInt64 = 0

        public init() {}

        public var droppedTotal: UInt64 { dropped.values.reduce(0, +) }

        /// Events neither acked nor lost: they should still be in a store (or on the wire).
        public var pending: Int64 { Int64(generated) - Int64(sampledOut + droppedTotal + acked) }

        public mutating func merge(_ other: Counts) {
            generated += other.generated
            sampledOut += other.sampledOut
            for (reason, count) in other.dropped { dropped[reason, default: 0] += count }
            stored += other.stored
            acked += other.acked
            sends += other.sends
            resends += other.resends
            timeouts += other.timeouts
            errorAnswers += other.errorAnswers
            released += other.released
            restampedAfterSend += other.restampedAfterSend
        }
    }

    public private(set) var byType: [String: Counts] = [:]
    public private(set) var connectionAttempts: UInt64 = 0
    public private(set) var connectionFailures: UInt64 = 0

    public init() {}

    public var total: Counts {
        byType.values.reduce(into: Counts()) { $0.merge($1) }
    }

    /// The SDK's own health rows are not app events: they are never generated, so they stay out.
    public func event(guid: String, type: String, step: FunnelStep, intendedAt: NIODeadline, at: NIODeadline) {
        guard type != SDKConfiguration.healthEventType else { return }
        switch step {
        case .generated: byType[type, default: Counts()].generated += 1
        case .sampledOut: byType[type, default: Counts()].sampledOut += 1
        case .dropped(let reason): byType[type, default: Counts()].dropped[reason, default: 0] += 1
        case .stored: byType[type, default: Counts()].stored += 1
        case .batched: break
        case .sent(_, let attempt):
            byType[type, default: Counts()].sends += 1
            if attempt > 1 { byType[type, default: Counts()].resends += 1 }
        case .acked: byType[type, default: Counts()].acked += 1
        case .errorAnswer: byType[type, default: Counts()].errorAnswers += 1
        case .timedOut: byType[type, default: Counts()].timeouts += 1
        case .released: byType[type, default: Counts()].released += 1
        }
    }

    public func event(guid: String, type: String, detail: FunnelDetail, intendedAt: NIODeadline, at: NIODeadline) {
        guard type != SDKConfiguration.healthEventType else { return }
        if case .restamped(_, _, wasSent: true) = detail { byType[type, default: Counts()].restampedAfterSend += 1 }
    }

    public func connection(_ step: ConnectionStep, at: NIODeadline) {
        switch step {
        case .attempt: connectionAttempts += 1
        case .failed: connectionFailures += 1
        default: break
        }
    }
}
