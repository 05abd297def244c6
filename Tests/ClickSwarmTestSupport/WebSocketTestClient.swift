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

    struct Upgraded: Sendable {
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
    ///
    /// The frame decoder and collector sit in the pipeline from the start, behind a handler that
    /// writes the handshake and strips the 101 response, so frames a server sends right behind
    /// its 101 (and a close that follows at once) are never lost in a pipeline change.
    public static func connect(
        host: String = "127.0.0.1",
        port: Int,
        path: String = "/api/v1/events",
        headers: [(String, String)] = [],
        answerPings: Bool = true,
        maxFrameSize: Int = 1 << 24,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> WebSocketTestClient {
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let handshakeRequest = request
        let upgraded: Upgraded = try await ClientBootstrap(group: group)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let promise = channel.eventLoop.makePromise(of: Void.self)
                    let collector = FrameCollector(answerPings: answerPings)
                    try channel.pipeline.syncOperations.addHandlers(
                        HandshakeHandler(request: handshakeRequest, done: promise),
                        ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameSize)),
                        WebSocketFrameEncoder(),
                        collector)
                    let bound = NIOLoopBound(collector, eventLoop: channel.eventLoop)
                    return promise.futureResult.map { Upgraded(channel: channel, collector: bound) }
                }
            }.get()
        return WebSocketTestClient(upgraded)
    }

    public func send(binary bytes: [UInt8]) async throws {
        try await send(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: bytes)))
    }

    public func send(text: String) async throws {
        try await send(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
    }

    /// Sends one frame, masked with a random key as RFC 6455 requires of clients (NIO's frame
    /// encoder applies the key).
    public func send(_ frame: WebSocketFrame) async throws {
        var frame = frame
        if frame.maskKey == nil { frame.maskKey = .random() }
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
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.data)
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

/// Writes the upgrade request, waits for the 101 and passes every byte after it on.
final class HandshakeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: String
    private let done: EventLoopPromise<Void>
    private var head = ByteBuffer()
    private var upgraded = false

    init(request: String, done: EventLoopPromise<Void>) {
        self.request = request
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !upgraded else {
            context.fireChannelRead(data)
            return
        }
        head.writeBuffer(&bytes)
        let view = Array(head.readableBytesView)
        guard
            let end = view.indices.dropLast(3).first(where: {
                view[$0] == 13 && view[$0 + 1] == 10 && view[$0 + 2] == 13 && view[$0 + 3] == 10
            })
        else { return }
        let statusLine = String(decoding: view[..<(view.firstIndex(of: 13) ?? end)], as: UTF8.self)
        guard statusLine.hasPrefix("HTTP/1.1 101") else {
            done.fail(WebSocketTestClient.NotUpgraded())
            context.close(promise: nil)
            return
        }
        upgraded = true
        done.succeed(())
        head.moveReaderIndex(forwardBy: end + 4)
        if head.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(head)) }
        head = ByteBuffer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !upgraded { done.fail(WebSocketTestClient.NotUpgraded()) }
        context.fireChannelInactive()
    }
}
