import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The pipeline of one accepted connection: the slow-reader guard first, then HTTP with the
/// WebSocket upgrade at `/api/v1/events`, then the collector's HTTP handler (replaced by the
/// WebSocket session after an upgrade).
enum CollectorPipeline {
    /// Sets up one accepted connection's pipeline; runs on the connection's event loop. Internal:
    /// the tests and the fuzz targets (Fuzz/, with `@testable import`) build it on an embedded
    /// channel.
    static func configure(_ channel: any Channel, shared: CollectorServer.SharedState) throws {
        let shard = shared.shard(for: channel.eventLoop)
        if shard.value.core.faults.outage {
            shared.table.withLockedValue { $0.noteRefusedDuringOutage() }
            channel.close(promise: nil)
            return
        }
        let configuration = shared.configuration
        try channel.pipeline.syncOperations.addHandler(SlowReaderGuard(shard: shard.value), position: .first)
        if let throttle = shared.throttle {
            try channel.pipeline.syncOperations.addHandler(
                ReadThrottleHandler(shard: shard.value, throttle: throttle), position: .first)
        }
        let httpHandler = HTTPRequestHandler(shared: shared)
        let boundHTTPHandler = NIOLoopBound(httpHandler, eventLoop: channel.eventLoop)
        // No limit by default, as Raccoon; NIO's frame decoder still takes at most UInt32.max.
        let frameLimit = configuration.maxMessageBytes ?? CollectorConfiguration.largestMessageLimit
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: frameLimit,
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
                            minNonFinalFragmentSize: 0,
                            maxAccumulatedFrameCount: configuration.maxMessageBytes == nil ? Int.max : 1 << 16,
                            maxAccumulatedFrameSize: configuration.maxMessageBytes ?? Int.max),
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
}
