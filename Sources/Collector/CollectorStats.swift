import Foundation

/// The collector's figures at one moment, as `GET /stats` serves them (JSON, snake_case keys)
/// and as the CLI prints them at shutdown.
public struct CollectorStats: Codable, Sendable, Equatable {
    public struct Connections: Codable, Sendable, Equatable {
        public var current: Int
        public var acceptedTotal: UInt64
        public var closedTotal: UInt64
        public var rejectedMaxConnections: UInt64
        public var rejectedDuplicateIdentity: UInt64
        public var refusedDuringOutage: UInt64
    }

    public struct Batches: Codable, Sendable, Equatable {
        public var received: UInt64
        public var bytes: UInt64
        public var protobuf: UInt64
        public var json: UInt64
        public var rest: UInt64
        public var ok: UInt64
        public var empty: UInt64
        public var errorInjected: UInt64
        public var ackLost: UInt64
        /// Acked OK (immediate acks) and then lost by the publish (the error fault): Raccoon's
        /// silent loss (raystack/raccoon#38).
        public var lostAfterAck: UInt64
        /// Answered with Raccoon's publish error after a Kafka publish failed (after-publish).
        public var publishFailed: UInt64
        public var deduplicated: UInt64
        public var badRequest: UInt64
        public var tooLarge: UInt64
        public var jsonUnknownKeys: UInt64
        /// `SendEvent` calls on the gRPC port (absent from older figures).
        public var grpc: UInt64?
    }

    public struct EventType: Codable, Sendable, Equatable {
        public var received: UInt64
        public var bytes: UInt64
        public var delivered: UInt64
        public var errorInjected: UInt64
        public var ackLost: UInt64
        public var lostAfterAck: UInt64
        public var publishFailed: UInt64
        public var deduplicated: UInt64
    }

    public struct Events: Codable, Sendable, Equatable {
        public var received: UInt64
        public var delivered: UInt64
        public var bytes: UInt64
        /// Events acked OK and then lost by the publish (immediate acks and the error fault).
        public var lostAfterAck: UInt64
        /// Distinct ClickSwarm event guids delivered.
        public var uniqueDeliveries: UInt64
        /// Deliveries of a ClickSwarm guid delivered before (a resend after a lost ack, say).
        public var duplicateDeliveries: UInt64
        /// Delivered events whose guid is not a ClickSwarm guid.
        public var foreign: UInt64
        /// Delivered events with empty event_bytes (a JSON client writing "eventBytes"?).
        public var emptyEventBytes: UInt64
        /// Distinct (run, device) pairs seen in ClickSwarm guids.
        public var devices: Int
        /// By event type: at most the configured number of named types (1,000 by default), the
        /// rest counted under `other`.
        public var byType: [String: EventType]
        /// Distinct event types counted under `other` rather than by name (estimated within about
        /// 2%; exact enough below a few thousand).
        public var typesFoldedIntoOther: UInt64
    }

    public struct Latency: Codable, Sendable, Equatable {
        public struct Bucket: Codable, Sendable, Equatable {
            public var le: Double
            public var count: UInt64
        }
        public var count: UInt64
        public var sumSeconds: Double
        /// Cumulative counts, as Prometheus buckets.
        public var buckets: [Bucket]
    }

    /// What the collector did about clients that misbehave.
    public struct Protection: Codable, Sendable, Equatable {
        /// Times a connection's reading was paused because it did not read its answers.
        public var slowReaderPauses: UInt64
        /// Connections paused right now.
        public var slowReadersPaused: Int
        /// Connections closed for a request head that did not arrive in time.
        public var requestHeadTimeouts: UInt64
        /// Requests answered 408 (and closed) for a body that did not arrive in time.
        public var requestBodyTimeouts: UInt64
        /// Connections closed after a malformed HTTP request (answered 400).
        public var httpProtocolErrors: UInt64
        /// Failed accepts (out of file descriptors, say), each followed by a back-off.
        public var acceptErrors: UInt64
    }

    /// The ingest throttle (`max_events_per_second`); only a throttled collector has it.
    public struct Throttle: Codable, Sendable, Equatable {
        public var maxEventsPerSecond: Double
        /// Reads held back because the token bucket was in debt.
        public var throttledReads: UInt64
        /// How long they waited, summed over connections (so it can exceed the uptime).
        public var throttleWaitSeconds: Double
        /// Connections whose read waits right now.
        public var readsHeld: Int
    }

    public struct Faults: Codable, Sendable, Equatable {
        public var ackDelay: String
        public var ackLoss: Double
        public var errorRate: Double
        public var outage: Bool
        public var publishStall: Bool
    }

    public var uptimeSeconds: Double
    public var ackMode: String
    public var connections: Connections
    public var batches: Batches
    public var events: Events
    public var ackLatency: Latency
    public var protection: Protection
    public var faults: Faults
    /// The NDJSON sink's figures; absent without `--ndjson`.
    public var sink: SinkStatus?
    /// The ingest throttle's figures; absent without `--max-events-per-second`.
    public var throttle: Throttle?
    /// The Kafka publisher's figures; absent without `--kafka`.
    public var kafka: KafkaPublishStats?

    package init(
        uptime: Double,
        ackMode: CollectorConfiguration.AckMode,
        table: ConnectionTable,
        counters: CollectorCounters,
        faults: FaultSettings,
        sink: SinkStatus? = nil,
        maxEventsPerSecond: Double? = nil,
        kafka: KafkaPublishStats? = nil
    ) {
        uptimeSeconds = uptime
        self.ackMode = ackMode.rawValue
        connections = Connections(
            current: table.current, acceptedTotal: table.acceptedTotal, closedTotal: table.closedTotal,
            rejectedMaxConnections: table.rejectedMaxConnections, rejectedDuplicateIdentity: table.rejectedDuplicate,
            refusedDuringOutage: table.refusedDuringOutage)
        let b = counters.batches
        batches = Batches(
            received: b.received, bytes: b.bytes, protobuf: b.protobuf, json: b.json, rest: b.rest, ok: b.ok,
            empty: b.empty, errorInjected: b.errored, ackLost: b.ackLost, lostAfterAck: b.lostAfterAck,
            publishFailed: b.publishFailed, deduplicated: b.deduplicated,
            badRequest: b.badRequest, tooLarge: b.tooLarge, jsonUnknownKeys: b.jsonUnknownKeys, grpc: b.grpc)
        let ledger = counters.ledger
        var byType: [String: EventType] = [:]
        for (type, c) in ledger.types {
            byType[type] = EventType(
                received: c.received, bytes: c.bytes, delivered: c.delivered, errorInjected: c.errored,
                ackLost: c.ackLost, lostAfterAck: c.lostAfterAck, publishFailed: c.publishFailed,
                deduplicated: c.deduplicated)
        }
        var totals = TypeCounters()
        for counters in ledger.types.values { totals.merge(counters) }
        events = Events(
            received: totals.received, delivered: totals.delivered, bytes: totals.bytes,
            lostAfterAck: totals.lostAfterAck,
            uniqueDeliveries: ledger.uniqueDeliveries, duplicateDeliveries: ledger.duplicateDeliveries,
            foreign: ledger.foreignEvents, emptyEventBytes: ledger.emptyPayloadEvents, devices: ledger.devices.count,
            byType: byType, typesFoldedIntoOther: ledger.foldedTypes.estimate)
        ackLatency = Latency(
            count: counters.ackLatency.total, sumSeconds: counters.ackLatency.sum,
            buckets: counters.ackLatency.cumulative.map { Latency.Bucket(le: $0.bound, count: $0.count) })
        let p = counters.protection
        protection = Protection(
            slowReaderPauses: p.slowReaderPauses, slowReadersPaused: p.slowReadersPaused,
            requestHeadTimeouts: p.requestHeadTimeouts, requestBodyTimeouts: p.requestBodyTimeouts,
            httpProtocolErrors: p.httpProtocolErrors, acceptErrors: p.acceptErrors)
        self.faults = Faults(
            ackDelay: faults.ackDelay.durationText, ackLoss: faults.ackLossProbability,
            errorRate: faults.errorProbability, outage: faults.outage, publishStall: faults.publishStall)
        self.sink = sink
        throttle = maxEventsPerSecond.map {
            Throttle(
                maxEventsPerSecond: $0, throttledReads: p.throttledReads,
                throttleWaitSeconds: Double(p.throttleWaitNanoseconds) / 1e9, readsHeld: max(0, p.throttledReadsHeld))
        }
        self.kafka = kafka
    }

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return encoder
    }

    /// The JSON `GET /stats` serves.
    public func jsonData() -> Data {
        // Encoding plain numbers, strings and dictionaries of them cannot fail.
        (try? Self.encoder().encode(self)) ?? Data("{}".utf8)
    }

    public static func decode(json: Data) throws -> CollectorStats {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(CollectorStats.self, from: json)
    }
}
