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

    /// Starts listening. With no `group`, the server makes its own (one thread per core, or
    /// `configuration.threads`) and shuts it down in `shutdown()`. The collector logs to `logger`
    /// (at debug and trace) and hands what an operator should hear about to `notices`, which
    /// may be called on any thread.
    public static func start(
        configuration: CollectorConfiguration,
        group: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "clickswarm.collector", factory: { _ in SwiftLogNoOpLogHandler() }),
        notices: @escaping @Sendable (CollectorNotice) -> Void = { _ in }
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
            case .ndjson(let path):
                sink = try NDJSONFileSink(path: path) { reason in
                    logger.debug("NDJSON sink write failed", metadata: ["path": "\(path)", "reason": "\(reason)"])
                    notices(.sinkFailed(path: path, reason: reason))
                }
            }
            // An unreachable broker stops the start here, before any port is bound.
            var publisher: KafkaEventPublisher?
            if let kafka = configuration.kafka {
                publisher = try await KafkaEventPublisher.connect(kafka, logger: logger)
            }
            var shards: [ObjectIdentifier: NIOLoopBoundBox<CollectorShard>] = [:]
            for (index, loop) in group.makeIterator().enumerated() {
                let core = CollectorCore(configuration: configuration, stream: UInt64(index), sink: sink)
                shards[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(
                    CollectorShard(core: core), as: CollectorShard.self, eventLoop: loop)
            }
            let shared = SharedState(
                configuration: configuration, shards: shards, sink: sink, publisher: publisher, logger: logger,
                notices: notices)
            let channel: any Channel
            do {
                channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 4096)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    // Accept many connections per wake-up: at NIO's default of 4, a ramp of new
                    // devices starves behind busy connections.
                    .serverChannelOption(.maxMessagesPerRead, value: 256)
                    // Without a back-off, accept at EMFILE spins the loop (issue 16, item 8).
                    .serverChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(AcceptGuard(shared: shared))
                        }
                    }
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    // Past the high mark a connection is not writable, and its guard stops reading it.
                    .childChannelOption(
                        .writeBufferWaterMark,
                        value: .init(
                            low: configuration.outboundBufferLimit / 2, high: configuration.outboundBufferLimit)
                    )
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try Self.secure(channel, shared: shared)
                            try CollectorPipeline.configure(channel, shared: shared)
                        }
                    }
                    .bind(host: configuration.host, port: configuration.port)
                    .get()
            } catch {
                await publisher?.close(flushTimeout: 0)
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

    /// The figures so far, merged across event loops.
    public func stats() async throws -> CollectorStats {
        try await shared.stats().get()
    }

    /// The faults in force.
    public var faults: FaultSettings { shared.faults.withLockedValue { $0 } }

    /// Whether `host` (a `--host` value) is a loopback address or `localhost`.
    public static func isLoopback(host: String) -> Bool { AdminAccess.isLoopback(host: host) }

    /// How the NDJSON sink fared (`nil` without one); final once `shutdown()` has returned.
    public var sinkStatus: SinkStatus? { shared.sink?.status }

    /// Replaces the faults on every event loop (as `POST /admin/faults` does).
    public func setFaults(_ faults: FaultSettings) async throws {
        try await shared.setFaults(faults).get()
    }

    /// Replaces the faults at each step's deadline, on the collector's own event loop timers: not
    /// on Swift concurrency's pool, whose few threads a busy process can hold for many seconds (a
    /// test process starting hundreds of tests held them for 50 s). Cancel what is returned to drop
    /// the steps still to come.
    package func scheduleFaults(_ steps: [(at: NIODeadline, faults: FaultSettings)]) -> [Scheduled<Void>] {
        let loop = group.next()
        let shared = shared
        return steps.map { step in
            loop.scheduleTask(deadline: step.at) { _ = shared.setFaults(step.faults) }
        }
    }

    /// The sequence numbers delivered for one device of one run (for reconciliation).
    package func deliveries(run: UInt32, device: UInt32) async throws -> SequenceBitmap {
        try await shared.counters().get().ledger.deliveries(run: run, device: device)
    }

    /// Every device's deliveries of one run, by device index, merged across event loops once.
    package func deliveries(run: UInt32) async throws -> [UInt32: SequenceBitmap] {
        let ledger = try await shared.counters().get().ledger
        return ledger.byDevice(ledger.devices, run: run)
    }

    /// Every device's events of one run that the collector acked and then lost (immediate acks
    /// and a failed publish), by device index: acked, never delivered, and explained.
    package func lostAfterAck(run: UInt32) async throws -> [UInt32: SequenceBitmap] {
        let ledger = try await shared.counters().get().ledger
        return ledger.byDevice(ledger.lostAfterAck, run: run)
    }

    /// How long `shutdown` waits for the Kafka reports still due (Raccoon waits 5 s for its
    /// workers, then flushes for 1 s).
    static let shutdownFlushSeconds: Double = 5

    /// Stops listening, closes every connection, flushes the sink and, when the server made its
    /// own event loops, shuts them down.
    public func shutdown() async throws {
        try? await serverChannel.close()
        await grpc?.shutdown()
        let closes = shared.shards.values.map { box in box.eventLoop.submit { box.value.closeAll() } }
        for close in closes { try? await close.get() }
        // As Raccoon at shutdown: what the brokers have not taken within the flush is lost.
        await finishPublishing(within: Self.shutdownFlushSeconds)
        shared.sink?.close()
        if ownsGroup { try await group.shutdownGracefully() }
        logger.debug("collector stopped")
    }
}
