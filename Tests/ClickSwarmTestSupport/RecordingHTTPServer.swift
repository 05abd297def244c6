import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 server on 127.0.0.1 (a free port) for tests: records every request and answers
/// each as `reply` says, by its position (0 for the first request).
public final class RecordingHTTPServer: Sendable {
    public struct Request: Sendable {
        public var method: HTTPMethod
        public var uri: String
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public enum Reply: Sendable {
        /// Answer with this status and body.
        case status(Int, body: String = "")
        /// Read the request and never answer.
        case hang
    }

    public let port: Int
    private let channel: any Channel
    private let recorded: NIOLockedValueBox<[Request]>

    public init(reply: @escaping @Sendable (_ index: Int, _ request: Request) -> Reply) async throws {
        let recorded = NIOLockedValueBox<[Request]>([])
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RecordingHandler(recorded: recorded, reply: reply))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        self.recorded = recorded
    }

    /// Every request so far, in arrival order.
    public var requests: [Request] { recorded.withLockedValue { $0 } }

    public var url: String { "http://127.0.0.1:\(port)" }

    public func shutdown() async {
        try? await channel.close()
    }
}

private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let recorded: NIOLockedValueBox<[RecordingHTTPServer.Request]>
    private let reply: @Sendable (Int, RecordingHTTPServer.Request) -> RecordingHTTPServer.Reply
    private var request: RecordingHTTPServer.Request?

    init(
        recorded: NIOLockedValueBox<[RecordingHTTPServer.Request]>,
        reply: @escaping @Sendable (Int, RecordingHTTPServer.Request) -> RecordingHTTPServer.Reply
    ) {
        self.recorded = recorded
        self.reply = reply
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = .init(method: head.method, uri: head.uri, headers: head.headers, body: [])
        case .body(let buffer):
            request?.body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let request else { return }
            self.request = nil
            let index = recorded.withLockedValue { list in
                list.append(request)
                return list.count - 1
            }
            guard case .status(let code, let text) = reply(index, request) else { return }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(text.utf8.count))
            headers.add(name: "Content-Type", value: "text/plain")
            headers.add(name: "Connection", value: "close")
            let head = HTTPResponseHead(
                version: .http1_1, status: HTTPResponseStatus(statusCode: code), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
