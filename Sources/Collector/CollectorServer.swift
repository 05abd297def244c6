import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import SwarmPrimitives

/// A Raccoon-compatible collector on one port: WebSocket and REST ingestion at
/// `/api/v1/events`, `/ping`, `/stats`, `/metrics` and `/admin/faults`.
public final class CollectorServer: Sendable {
    /// The address the server listens on.
    public let host: String
    /// The port it listens on (the real one when the configuration asked for port 0).
    public let port: Int
    let shared: SharedState
    private let serverChannel: any Channel
    /// The gRPC port, when configured (CollectorServer+GRPC.swift).
    let grpc: CollectorGRPCEndpoint?
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let logger: Logger

    /// State every connection may reach; each piece says how it is kept safe.
    final class SharedState: Sendable {
        let configuration: CollectorConfiguration
        /// Touched on connect and close only, never per batch.
        let table: NIOLockedValueBox<ConnectionTable>
        /// The faults in force, for readers off the event loops; each shard keeps its own copy.
        let faults: NIOLockedValueBox<FaultSettings>
        /// One per event loop, keyed by the loop's identity.
        let shards: [ObjectIdentifier: NIOLoopBoundBox<CollectorShard>]
        let sink: (any EventSink)?
        let started: NIODeadline
        let logger: Logger

        init(
            configuration: CollectorConfiguration,
            shards: [ObjectIdentifier: NIOLoopBoundBox<CollectorShard>],
            sink: (any EventSink)?,
            logger: Logger
        ) {
            self.configuration = configuration
            self.table = NIOLockedValueBox(ConnectionTable(maxConnections: configuration.maxConnections))
            self.faults = NIOLockedValueBox(configuration.faults)
            self.shards = shards
            self.sink = sink
            self.started = .now()
            self.logger = logger
        }

        func shard(for loop: any EventLoop) -> NIOLoopBoundBox<CollectorShard> {
            // Every loop of the group got a shard at start, and channels only run on those loops.
            shards[ObjectIdentifier(loop)]!
        }

        func counters() -> EventLoopFuture<CollectorCounters> {
            let loops = Array(shards.values)
            let futures = loops.map { box in box.eventLoop.submit { box.value.core.snapshot } }
            return EventLoopFuture.whenAllSucceed(futures, on: loops[0].eventLoop).map { parts in
                var merged = CollectorCounters()
                for part in parts { merged.merge(part) }
                return merged
            }
        }

        func stats() -> EventLoopFuture<CollectorStats> {
            counters().map { counters in
                CollectorStats(
                    uptime: Double((NIODeadline.now() - self.started).nanoseconds) / 1e9,
                    ackMode: self.configuration.ackMode,
                    table: self.table.withLockedValue { $0 },
                    counters: counters,
                    faults: self.faults.withLockedValue { $0 })
            }
        }

        func setFaults(_ faults: FaultSettings) -> EventLoopFuture<Void> {
            self.faults.withLockedValue { $0 = faults }
            let futures = shards.values.map { box in box.eventLoop.submit { box.value.apply(faults) } }
            return EventLoopFuture.andAllSucceed(futures, on: futures[0].eventLoop)
        }
    }

    /// Starts listening. With no `group`, the server makes its own (one thread per core, or
    /// `configuration.threads`) and shuts it down in `shutdown()`.
    public static func start(
        configuration: CollectorConfiguration,
        group: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "clickswarm.collector")
    ) async throws -> CollectorServer {
        try configuration.validate()
        let ownsGroup = group == nil
        let group =
            group
            ?? MultiThreadedEventLoopGroup(
                numberOfThreads: configuration.threads > 0 ? configuration.threads : System.coreCount)
        do {
            let sink: (any EventSink)?
            switch configuration.sink {
            case .count: sink = nil
            case .ndjson(let path): sink = try NDJSONFileSink(path: path)
            }
            var shards: [ObjectIdentifier: NIOLoopBoundBox<CollectorShard>] = [:]
            for (index, loop) in group.makeIterator().enumerated() {
                let core = CollectorCore(configuration: configuration, stream: UInt64(index), sink: sink)
                shards[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(
                    CollectorShard(core: core), as: CollectorShard.self, eventLoop: loop)
            }
            let shared = SharedState(configuration: configuration, shards: shards, sink: sink, logger: logger)
            let channel: any Channel
            do {
                channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 4096)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    // Accept many connections per wake-up: at NIO's default of 4, a ramp of new
                    // devices starves behind busy connections.
                    .serverChannelOption(.maxMessagesPerRead, value: 256)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try Self.secure(channel, shared: shared)
                            try Self.configure(channel, shared: shared)
                        }
                    }
                    .bind(host: configuration.host, port: configuration.port)
                    .get()
            } catch {
                throw CollectorError.bindFailed(host: configuration.host, port: configuration.port, reason: "\(error)")
            }
            let port = channel.localAddress?.port ?? configuration.port
            logger.debug("collector listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
            let grpc: CollectorGRPCEndpoint?
            do {
                grpc = try await CollectorGRPCEndpoint.start(shared: shared, group: group)
            } catch {
                try? await channel.close()
                throw error
            }
            return CollectorServer(
                host: configuration.host, port: port, shared: shared, serverChannel: channel, grpc: grpc, group: group,
                ownsGroup: ownsGroup, logger: logger)
        } catch {
            if ownsGroup { try? await group.shutdownGracefully() }
            throw error
        }
    }

    private init(
        host: String, port: Int, shared: SharedState, serverChannel: any Channel, grpc: CollectorGRPCEndpoint?,
        group: any EventLoopGroup, ownsGroup: Bool, logger: Logger
    ) {
        self.host = host
        self.port = port
        self.shared = shared
        self.serverChannel = serverChannel
        self.grpc = grpc
        self.group = group
        self.ownsGroup = ownsGroup
        self.logger = logger
    }

    /// Sets up one accepted connection's pipeline; runs on the connection's event loop. Internal,
    /// not private: the fuzz targets (Fuzz/) build it on an embedded channel.
    static func configure(_ channel: any Channel, shared: SharedState) throws {
        let shard = shared.shard(for: channel.eventLoop)
        if shard.value.core.faults.outage {
            shared.table.withLockedValue { $0.noteRefusedDuringOutage() }
            channel.close(promise: nil)
            return
        }
        let configuration = shared.configuration
        let httpHandler = HTTPRequestHandler(shared: shared)
        let boundHTTPHandler = NIOLoopBound(httpHandler, eventLoop: channel.eventLoop)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: configuration.maxMessageBytes,
            automaticErrorHandling: false,
            shouldUpgrade: { channel, head in
                let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
                // A handshake with a body is refused (HTTPRequestHandler says why): NIO's upgrade handler
                // would wait for the body's end holding its own context, and leak the connection if the
                // client closed first.
                let upgrade = path == "/api/v1/events" && !head.announcesBody
                return channel.eventLoop.makeSucceededFuture(upgrade ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    let identity = ConnectionIdentity(
                        id: head.headers.first(name: configuration.userIDHeader) ?? "",
                        group: head.headers.first(name: configuration.groupHeader))
                    try channel.pipeline.syncOperations.addHandlers(
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16,
                            maxAccumulatedFrameSize: configuration.maxMessageBytes),
                        WebSocketSessionHandler(identity: identity, shared: shared))
                }
            })
        let upgradeConfiguration: NIOHTTPServerUpgradeConfiguration = (
            upgraders: [upgrader],
            completionHandler: { context in
                context.pipeline.syncOperations.removeHandler(boundHTTPHandler.value, promise: nil)
            }
        )
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withServerUpgrade: upgradeConfiguration)
        try channel.pipeline.syncOperations.addHandler(httpHandler)
    }

    /// The figures so far, merged across event loops.
    public func stats() async throws -> CollectorStats {
        try await shared.stats().get()
    }

    /// The faults in force.
    public var faults: FaultSettings { shared.faults.withLockedValue { $0 } }

    /// Replaces the faults on every event loop (as `POST /admin/faults` does).
    public func setFaults(_ faults: FaultSettings) async throws {
        try await shared.setFaults(faults).get()
    }

    /// The sequence numbers delivered for one device of one run (for reconciliation).
    package func deliveries(run: UInt32, device: UInt32) async throws -> SequenceBitmap {
        try await shared.counters().get().ledger.deliveries(run: run, device: device)
    }

    /// Every device's deliveries of one run, by device index, merged across event loops once.
    package func deliveries(run: UInt32) async throws -> [UInt32: SequenceBitmap] {
        let ledger = try await shared.counters().get().ledger
        var result: [UInt32: SequenceBitmap] = [:]
        for (key, bitmap) in ledger.devices where UInt32(truncatingIfNeeded: key >> 32) == run {
            result[UInt32(truncatingIfNeeded: key)] = bitmap
        }
        return result
    }

    /// Stops listening, closes every connection, flushes the sink and, when the server made its
    /// own event loops, shuts them down.
    public func shutdown() async throws {
        try? await serverChannel.close()
        await grpc?.shutdown()
        let closes = shared.shards.values.map { box in box.eventLoop.submit { box.value.closeAll() } }
        for close in closes { try? await close.get() }
        shared.sink?.close()
        if ownsGroup { try await group.shutdownGracefully() }
        logger.debug("collector stopped")
    }
}
