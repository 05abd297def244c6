import SwarmPrimitives

/// Everything that shapes the collector; the CLI fills it from flags, tests set it directly.
public struct CollectorConfiguration: Sendable {
    public enum AckMode: String, Sendable, CaseIterable {
        /// Raccoon's `EVENT_ACK=0`: answer right after decoding.
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
    /// How often the server pings each WebSocket connection (payload `--ping--`).
    public var pingInterval: Double = 30
    /// How long a connection may go without a pong before it is dropped.
    public var pongTimeout: Double = 60
    public var ackMode = AckMode.immediate
    /// In after-publish mode, how long the sink takes to confirm a batch.
    public var publishDelay = Distribution.zero
    /// Ack a req_guid the same connection sent before without publishing it again.
    public var deduplicate = false
    /// Largest WebSocket message or REST body accepted, in bytes.
    public var maxMessageBytes = 1 << 20
    public var sink = Sink.count
    public var faults = FaultSettings()
    /// Seed of the fault-injection randomness (each event loop derives its own stream).
    public var seed: UInt64 = 1
    /// Event-loop threads; 0 means one per core.
    public var threads = 0
    /// TLS on the HTTP port and the gRPC port (CollectorTLS.swift); nil serves them plain.
    public var tls: CollectorTLS?
    /// The gRPC port (0 picks a free one); nil serves no gRPC (CollectorServer+GRPC.swift).
    public var grpcPort: Int?

    public init() {}

    /// Checks what a flag or a test could get wrong, with a message naming the setting.
    public func validate() throws(CollectorError) {
        func fail(_ message: String) -> CollectorError { .invalidConfiguration(message) }
        guard (0...65_535).contains(port) else { throw fail("port \(port) is outside 0-65535") }
        guard maxConnections >= 0 else { throw fail("max connections must not be negative") }
        guard pingInterval > 0, pongTimeout > 0 else { throw fail("ping interval and pong timeout must be positive") }
        guard maxMessageBytes >= 1024 else { throw fail("max message size must be at least 1024 bytes") }
        guard !userIDHeader.isEmpty, !groupHeader.isEmpty else { throw fail("identity header names must not be empty") }
        guard (0...1).contains(faults.ackLossProbability), (0...1).contains(faults.errorProbability) else {
            throw fail("fault probabilities must be from 0 to 1")
        }
        guard threads >= 0 else { throw fail("threads must not be negative") }
        try validateGRPC()
    }
}
