import Logging
import NIOCore
import NIOEmbedded
import SwarmPrimitives

@testable import Collector

/// The collector as the fuzz targets see it: a configuration whose limits and faults a small
/// input can reach, and its shared state on one embedded event loop.
public enum FuzzCollector {
    /// Small limits, so that a fuzzed input of a few KiB can cross them; every fault path and
    /// de-duplication on, so that the answers' branches are reached.
    public static var configuration: CollectorConfiguration {
        var configuration = CollectorConfiguration()
        configuration.maxConnections = 4
        configuration.maxMessageBytes = 2048
        configuration.deduplicate = true
        configuration.faults.errorProbability = 0.25
        configuration.faults.ackLossProbability = 0.25
        return configuration
    }

    static let logger = Logger(label: "clickswarm.fuzz")

    static func sharedState(
        _ configuration: CollectorConfiguration, loop: EmbeddedEventLoop
    ) -> CollectorServer.SharedState {
        let core = CollectorCore(configuration: configuration, stream: 0, sink: nil)
        let box = NIOLoopBoundBox.makeBoxSendingValue(
            CollectorShard(core: core), as: CollectorShard.self, eventLoop: loop)
        return CollectorServer.SharedState(
            configuration: configuration, shards: [ObjectIdentifier(loop): box], sink: nil, logger: logger)
    }
}

/// One accepted connection of the collector's server: `CollectorPipeline.configure` builds the
/// server's own per-connection pipeline (HTTP decoder, request handler, WebSocket upgrader) on an
/// embedded channel. Bytes go in as if read from the socket; time is virtual.
public final class ServerConnection {
    public let loop = EmbeddedEventLoop()
    public let channel: EmbeddedChannel
    let shared: CollectorServer.SharedState

    public init(configuration: CollectorConfiguration = FuzzCollector.configuration) throws {
        shared = FuzzCollector.sharedState(configuration, loop: loop)
        channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).wait()
        try CollectorPipeline.configure(channel, shared: shared)
    }

    /// Feeds `bytes` as one read and returns what the collector wrote back. An error that reaches
    /// the end of the pipeline is an acceptable answer to bad input; a crash is not.
    @discardableResult
    public func receive(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        if channel.isActive {
            do {
                try channel.writeInbound(ByteBuffer(bytes: bytes))
            } catch {
                // Bad input may be refused with an error; the channel must survive it.
            }
        }
        loop.run()
        return written()
    }

    /// Moves virtual time on (keepalive pings and deadlines, delayed answers).
    @discardableResult
    public func advance(seconds: Int64) -> [UInt8] {
        loop.advanceTime(by: .seconds(seconds))
        return written()
    }

    /// Replaces the faults on the connection's loop, as `POST /admin/faults` does.
    @discardableResult
    public func setFaults(_ change: (inout FaultSettings) -> Void) -> [UInt8] {
        var faults = shared.faults.withLockedValue { $0 }
        change(&faults)
        _ = shared.setFaults(faults)
        loop.run()
        return written()
    }

    /// Every byte written to the socket since the last call.
    public func written() -> [UInt8] {
        var bytes: [UInt8] = []
        while let data = try? channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = data { bytes += buffer.readableBytesView }
        }
        return bytes
    }

    /// Closes the channel and the loop; what is left over is dropped.
    public func close() {
        _ = try? channel.finish(acceptAlreadyClosed: true)
        loop.run()
        try? loop.syncShutdownGracefully()
    }
}
