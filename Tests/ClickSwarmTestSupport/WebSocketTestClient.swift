import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A WebSocket client for tests over real loopback sockets: it sends masked frames as a real
/// client must, collects every frame the server sends, and by default answers server pings.
public final class WebSocketTestClient: Sendable {
    public struct NotUpgraded: Error, CustomStringConvertible {
        public var description: String { "the server did not upgrade the connection to WebSocket" }
    }

    public struct Timeout: Error, CustomStringConvertible {
        public var description: String { "timed out waiting for a frame from the server" }
    }

    private struct Upgraded: Sendable {
        var channel: any Channel
        var collector: NIOLoopBound<FrameCollector>
    }

    public let channel: any Channel
    private let collector: NIOLoopBound<FrameCollector>

    private init(_ upgraded: Upgraded) {
        channel = upgraded.channel
        collector = upgraded.collector
    }

    /// Connects and upgrades; `headers` go on the upgrade request (the identity headers, say).
    public static func connect(
        host: String = "127.0.0.1",
        port: Int,
        path: String = "/api/v1/events",
        headers: [(String, String)] = [],
        answerPings: Bool = true,
        maxFrameSize: Int = 1 << 24,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> WebSocketTestClient {
        let upgraded: EventLoopFuture<Upgraded?> = try await ClientBootstrap(group: group)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<Upgraded?>(
                        maxFrameSize: maxFrameSize,
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                let collector = FrameCollector(answerPings: answerPings)
                                try channel.pipeline.syncOperations.addHandler(collector)
                                return Upgraded(
                                    channel: channel, collector: NIOLoopBound(collector, eventLoop: channel.eventLoop))
                            }
                        })
                    var requestHeaders = HTTPHeaders()
                    requestHeaders.add(name: "Host", value: "\(host):\(port)")
                    requestHeaders.add(name: "Content-Length", value: "0")
                    for (name, value) in headers { requestHeaders.add(name: name, value: value) }
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: requestHeaders)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<Upgraded?>(
                        upgradeRequestHead: head,
                        upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in
                            channel.eventLoop.makeSucceededFuture(nil)
                        })
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: .init(upgradeConfiguration: configuration))
                }
            }
        guard let result = try await upgraded.get() else { throw NotUpgraded() }
        return WebSocketTestClient(result)
    }

    public func send(binary bytes: [UInt8]) async throws {
        try await send(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: bytes)))
    }

    public func send(text: String) async throws {
        try await send(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
    }

    /// Sends one frame, masked with a random key as RFC 6455 requires of clients.
    public func send(_ frame: WebSocketFrame) async throws {
        var frame = frame
        if frame.maskKey == nil {
            let key = WebSocketMaskingKey.random()
            frame.maskKey = key
            frame.data.webSocketMask(key)
        }
        try await channel.writeAndFlush(frame)
    }

    /// The next frame from the server (pings excepted when answered automatically); `nil` once
    /// the connection has closed and every frame has been read.
    public func nextFrame(timeout: TimeAmount = .seconds(10)) async throws -> WebSocketFrame? {
        let collector = self.collector
        return try await channel.eventLoop.flatSubmit {
            collector.value.next(timeout: timeout)
        }.get()
    }

    /// Every frame until the server closes the connection.
    public func framesUntilClosed(timeout: TimeAmount = .seconds(10)) async throws -> [WebSocketFrame] {
        var collected: [WebSocketFrame] = []
        while let frame = try await nextFrame(timeout: timeout) { collected.append(frame) }
        return collected
    }

    public func close() async {
        try? await channel.close()
    }
}

/// Buffers inbound frames for `nextFrame`, answering pings when asked to. Event-loop bound.
final class FrameCollector: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let answerPings: Bool
    private var buffered: [WebSocketFrame] = []
    private var closed = false
    private var waiter: (promise: EventLoopPromise<WebSocketFrame?>, timer: Scheduled<Void>)?
    private var context: ChannelHandlerContext?

    init(answerPings: Bool) {
        self.answerPings = answerPings
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func next(timeout: TimeAmount) -> EventLoopFuture<WebSocketFrame?> {
        guard let context else { preconditionFailure("collector used before it was added") }
        if !buffered.isEmpty { return context.eventLoop.makeSucceededFuture(buffered.removeFirst()) }
        if closed { return context.eventLoop.makeSucceededFuture(nil) }
        precondition(waiter == nil, "one nextFrame at a time")
        let promise = context.eventLoop.makePromise(of: WebSocketFrame?.self)
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.waiter = nil
            promise.fail(WebSocketTestClient.Timeout())
        }
        waiter = (promise, timer)
        return promise.futureResult
    }

    private func deliver(_ frame: WebSocketFrame?) {
        if let waiter {
            self.waiter = nil
            waiter.timer.cancel()
            waiter.promise.succeed(frame)
        } else if let frame {
            buffered.append(frame)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.opcode == .ping, answerPings {
            var pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.data)
            let key = WebSocketMaskingKey.random()
            pong.maskKey = key
            pong.data.webSocketMask(key)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            return
        }
        deliver(frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        deliver(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
