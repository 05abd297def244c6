import Collector
import Reports
import SwarmPrimitives

/// What the collector counted for one run: its accounting for the report's `collector` section
/// and every device's delivered sequence numbers for the delivery check.
///
/// Both backends read the collector as a `CollectorStats` (the embedded server's `/stats`, or a
/// virtual partition's collector core), so the mapping into the report exists once.
struct CollectorFigures: Sendable {
    var accounting: CollectorAccounting
    var delivered: [UInt32: SequenceBitmap]
    /// Each device's events the collector acked and then failed to publish (immediate acks and
    /// a publish failure): explained, not lost by ClickSwarm.
    var lostAfterAck: [UInt32: SequenceBitmap]

    init(stats: CollectorStats, delivered: [UInt32: SequenceBitmap], lostAfterAck: [UInt32: SequenceBitmap]) {
        accounting = CollectorAccounting(
            eventsReceived: stats.events.received, uniqueDeliveries: stats.events.uniqueDeliveries,
            duplicateDeliveries: stats.events.duplicateDeliveries, foreign: stats.events.foreign,
            batchesAckLost: stats.batches.ackLost, batchesErrorInjected: stats.batches.errorInjected,
            connectionsRefusedOutage: stats.connections.refusedDuringOutage,
            connectionsRejected: stats.connections.rejectedMaxConnections
                + stats.connections.rejectedDuplicateIdentity,
            lostAfterAck: stats.events.lostAfterAck)
        accounting.kafka = stats.kafka.map { kafka in
            CollectorAccounting.KafkaPublishing(
                bootstrapServers: kafka.bootstrapServers, topicPattern: kafka.topicPattern, ackMode: stats.ackMode,
                delivered: kafka.delivered, failed: kafka.failed, batchesPublishFailed: stats.batches.publishFailed)
        }
        self.delivered = delivered
        self.lostAfterAck = lostAfterAck
    }

    /// Adds another partition's figures (devices never span partitions).
    mutating func add(_ other: CollectorFigures) {
        accounting.add(other.accounting)
        delivered.merge(other.delivered, uniquingKeysWith: { first, _ in first })
        lostAfterAck.merge(other.lostAfterAck, uniquingKeysWith: { first, _ in first })
    }
}
