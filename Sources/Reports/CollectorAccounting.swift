/// What the embedded collector counted (nil in a report for a remote collector).
public struct CollectorAccounting: Codable, Sendable, Equatable {
    /// Events in accepted batches, duplicates included.
    public var eventsReceived: UInt64
    /// Distinct event guids of this run delivered (published) at least once.
    public var uniqueDeliveries: UInt64
    /// Deliveries of a guid already delivered.
    public var duplicateDeliveries: UInt64
    /// Events whose guid does not belong to this run.
    public var foreign: UInt64
    /// Batches delivered whose ack the fault injection withheld.
    public var batchesAckLost: UInt64
    /// Batches answered with an injected error.
    public var batchesErrorInjected: UInt64
    /// Events acked OK and then lost by their publish (immediate acks and the injected error):
    /// Raccoon's silent loss under `EVENT_ACK=0` (raystack/raccoon#38).
    public var lostAfterAck: UInt64
    /// Connections refused during an injected outage.
    public var connectionsRefusedOutage: UInt64
    /// Connections rejected (connection limit, bad handshake, duplicate id).
    public var connectionsRejected: UInt64
    /// Where the embedded collector published to Kafka and how that went; absent when it did not.
    public var kafka: KafkaPublishing?

    public init(
        eventsReceived: UInt64 = 0, uniqueDeliveries: UInt64 = 0, duplicateDeliveries: UInt64 = 0,
        foreign: UInt64 = 0, batchesAckLost: UInt64 = 0, batchesErrorInjected: UInt64 = 0,
        connectionsRefusedOutage: UInt64 = 0, connectionsRejected: UInt64 = 0, lostAfterAck: UInt64 = 0
    ) {
        self.eventsReceived = eventsReceived
        self.uniqueDeliveries = uniqueDeliveries
        self.duplicateDeliveries = duplicateDeliveries
        self.foreign = foreign
        self.batchesAckLost = batchesAckLost
        self.batchesErrorInjected = batchesErrorInjected
        self.lostAfterAck = lostAfterAck
        self.connectionsRefusedOutage = connectionsRefusedOutage
        self.connectionsRejected = connectionsRejected
    }

    enum CodingKeys: String, CodingKey {
        case foreign
        case eventsReceived = "events_received"
        case uniqueDeliveries = "unique_deliveries"
        case duplicateDeliveries = "duplicate_deliveries"
        case batchesAckLost = "batches_ack_lost"
        case batchesErrorInjected = "batches_error_injected"
        case connectionsRefusedOutage = "connections_refused_outage"
        case connectionsRejected = "connections_rejected"
        case lostAfterAck = "lost_after_ack"
        case kafka
    }

    /// Reads reports written before `lost_after_ack` existed as having none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        eventsReceived = try container.decode(UInt64.self, forKey: .eventsReceived)
        uniqueDeliveries = try container.decode(UInt64.self, forKey: .uniqueDeliveries)
        duplicateDeliveries = try container.decode(UInt64.self, forKey: .duplicateDeliveries)
        foreign = try container.decode(UInt64.self, forKey: .foreign)
        batchesAckLost = try container.decode(UInt64.self, forKey: .batchesAckLost)
        batchesErrorInjected = try container.decode(UInt64.self, forKey: .batchesErrorInjected)
        lostAfterAck = try container.decodeIfPresent(UInt64.self, forKey: .lostAfterAck) ?? 0
        connectionsRefusedOutage = try container.decode(UInt64.self, forKey: .connectionsRefusedOutage)
        connectionsRejected = try container.decode(UInt64.self, forKey: .connectionsRejected)
        kafka = try container.decodeIfPresent(KafkaPublishing.self, forKey: .kafka)
    }
}
