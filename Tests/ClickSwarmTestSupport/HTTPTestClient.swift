import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 request over a fresh loopback connection, for tests.
public enum HTTPTestClient {
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public struct ConnectionClosed: Error, CustomStringConvertible {
        public var description: String { "the server closed the connection without a complete response" }
    }

    public static func request(
        _ method: HTTPMethod,
        _ path: String,
        host: String = "127.0.0.1",
        port: Int,
        headers: [(String, String)] = [],
        body: [UInt8] = [],
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> Response {
        let promise = group.next().makePromise(of: Response.self)
        var requestHeaders = HTTPHeaders()
        requestHeaders.add(name: "Host", value: "\(host):\(port)")
        requestHeaders.add(name: "Content-Length", value: String(body.count))
        requestHeaders.add(name: "Connection", value: "close")
        for (name, value) in headers { requestHeaders.add(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: requestHeaders)
        // The request is written the moment the connection is up, on its event loop: a
        // collector's head timeout counts from there, and this task, on a busy cooperative pool,
        // could be scheduled seconds later.
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
            .connect(host: host, port: port)
            .flatMap { channel in
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                if !body.isEmpty {
                    channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
                }
                return channel.writeAndFlush(HTTPClientRequestPart.end(nil)).map { channel }
            }.get()
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }
}

private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HTTPTestClient.Response>
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var done = false

    init(promise: EventLoopPromise<HTTPTestClient.Response>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head, !done else { return }
            done = true
            promise.succeed(HTTPTestClient.Response(status: head.status, headers: head.headers, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(HTTPTestClient.ConnectionClosed())
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            promise.fail(error)
        }
        context.close(promise: nil)
    }
}
