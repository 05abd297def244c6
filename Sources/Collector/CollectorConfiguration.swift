import SwarmPrimitives

/// Everything that shapes the collector; the CLI fills it from flags, tests set it directly.
public struct CollectorConfiguration: Sendable {
    public enum AckMode: String, Sendable, CaseIterable {
        /// Raccoon's `EVENT_ACK=0`: answer right after decoding, before publishing; a publish
        /// that fails after that is a silent loss (raystack/raccoon#38).
        case immediate
        /// Raccoon's `EVENT_ACK=1`: answer after the sink has taken the batch (after `publishDelay`).
        case afterPublish = "after-publish"
    }

    public enum Sink: Sendable, Equatable {
        /// Count only (the default).
        case count
        /// One JSON line per delivered event: type, guid, size and the decoded contract.
        case ndjson(path: String)
    }

    /// Address to bind; loopback unless asked otherwise.
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (see `CollectorServer.port`).
    public var port = 8080
    /// Raccoon's `SERVER_WEBSOCKET_MAX_CONN`.
    public var maxConnections = 30_000
    public var userIDHeader = "X-User-ID"
    public var groupHeader = "X-User-Group"
    /// How often the server pings each WebSocket connection (payload `--ping--`), in seconds.
    public var pingInterval: Double = 30
    /// How long a connection may go without a pong before it is dropped, in seconds; must be
    /// longer than `pingInterval`, or every client is dropped before its first ping.
    public var pongTimeout: Double = 60
    public var ackMode = AckMode.immediate
    /// In after-publish mode, how long the sink takes to confirm a batch.
    public var publishDelay = Distribution.zero
    /// Ack a req_guid the same connection sent before without publishing it again.
    public var deduplicate = false
    /// Largest WebSocket message or REST body accepted, in bytes. `nil` (the default) takes any
    /// size, as Raccoon does: it sets no read limit.
    public var maxMessageBytes: Int?
    /// Answer refused connections as Raccoon v0.1.3–v0.1.4 did (raystack/raccoon#40): code 5
    /// (`CODE_MAX_USER_LIMIT_REACHED`) and an empty reason for the cap and for a duplicate.
    public var legacyCapAnswer = false
    /// Seconds a connection may take to send a complete request head, counted from the
    /// connection's start or from the end of the previous answer (so it is also the idle timeout
    /// of a kept-alive connection). Raccoon sets none; slowloris clients then hold sockets forever.
    public var requestHeadTimeout: Double = 30
    /// Seconds a request may take to send its body, counted from the end of its head.
    public var requestBodyTimeout: Double = 60
    /// Bytes of answers a connection may have queued unsent before the collector stops reading
    /// it (the channel's high write-buffer water mark; reading resumes below half of it).
    public var outboundBufferLimit = 256 * 1024
    /// Distinct event types counted by name in `/stats` and `/metrics`; the rest are counted
    /// under `other` (and so are names longer than 200 bytes).
    public var maxEventTypes = 1000
    /// When set, `/admin/faults` answers any peer that sends `Authorization: Bearer <token>`
    /// (and no one else); when not, it answers loopback peers only.
    public var adminToken: AdminToken?
    public var sink = Sink.count
    /// Publish every delivered event to Kafka (`--kafka`); the ack mode says whether the answer
    /// waits for the delivery reports. `nil`: events go no further than `sink`.
    public var kafka: KafkaPublishing?
    public var faults = FaultSettings()
    /// Seed of the fault-injection randomness (each event loop derives its own stream).
    public var seed: UInt64 = 1
    /// Event-loop threads; 0 means one per core.
    public var threads = 0
    /// The known-answer limit: at most this many events a second are read, over every
    /// connection together (a token bucket; `IngestThrottle`). Nil (the default): no limit.
    public var maxEventsPerSecond: Double?
    /// TLS on the HTTP port and the gRPC port (CollectorTLS.swift); nil serves them plain.
    public var tls: CollectorTLS?
    /// The gRPC port (0 picks a free one); nil serves no gRPC (CollectorServer+GRPC.swift).
    public var grpcPort: Int?

    /// The most event-loop threads the collector starts.
    public static let maxThreads = 1024
    /// The largest message limit: NIO's WebSocket frame decoder takes at most `UInt32.max`.
    public static let largestMessageLimit = Int(UInt32.max)

    public init() {}

    /// Checks what a flag or a test could get wrong, with a message naming the setting.
    public func validate() throws(CollectorError) {
        func fail(_ message: String) -> CollectorError { .invalidConfiguration(message) }
        guard (0...65_535).contains(port) else { throw fail("port \(port) is outside 0-65535") }
        guard maxConnections >= 0 else { throw fail("max connections must not be negative") }
        for (name, seconds) in [
            ("ping interval", pingInterval), ("pong timeout", pongTimeout),
            ("request head timeout", requestHeadTimeout), ("request body timeout", requestBodyTimeout),
        ] {
            guard seconds > 0, seconds <= Distribution.longestDuration else {
                throw fail("\(name) must be longer than zero and at most 366 days, not \(seconds) s")
            }
        }
        guard pongTimeout > pingInterval else {
            throw fail(
                "pong timeout (\(Distribution.formatDuration(pongTimeout))) must be longer than the ping interval "
                    + "(\(Distribution.formatDuration(pingInterval))): every client would be dropped before the ping "
                    + "it could answer")
        }
        if let maxMessageBytes {
            guard (1024...Self.largestMessageLimit).contains(maxMessageBytes) else {
                throw fail("max message size must be from 1024 bytes to 4GiB, not \(maxMessageBytes) bytes")
            }
        }
        guard (1024...(1 << 30)).contains(outboundBufferLimit) else {
            throw fail("outbound buffer limit must be from 1KiB to 1GiB, not \(outboundBufferLimit) bytes")
        }
        guard (1...1_000_000).contains(maxEventTypes) else {
            throw fail("max event types must be from 1 to 1000000, not \(maxEventTypes)")
        }
        guard !userIDHeader.isEmpty, !groupHeader.isEmpty else { throw fail("identity header names must not be empty") }
        guard (0...1).contains(faults.ackLossProbability), (0...1).contains(faults.errorProbability) else {
            throw fail("fault probabilities must be from 0 to 1")
        }
        guard (0...Self.maxThreads).contains(threads) else {
            throw fail("threads must be from 0 (one per core) to \(Self.maxThreads), not \(threads)")
        }
        if let adminToken, let problem = adminToken.problem { throw fail(problem) }
        try validateThrottle()
        try validateGRPC()
        if let kafka, let problem = kafka.problem { throw fail(problem) }
        if kafka != nil, publishDelay != .zero {
            throw fail("the publish delay stands in for a publish; with Kafka the real publish takes its own time")
        }
    }
}
