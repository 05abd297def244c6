import ClickstreamSDK
import NIOCore
import NIOHTTP1

/// A transport for collectors that offer only REST: each `send` is one
/// `POST /api/v1/events` with `Content-Type: application/proto` over a keep-alive HTTP/1.1
/// connection.
///
/// - `connect` opens the TCP connection at once (not lazily), so a device learns about an
///   unreachable collector the same way as over WebSocket: `connected` once TCP is up,
///   `connectFailed(.refused)` or `.timeout` otherwise. There is no handshake to wait for.
/// - Requests are pipelined: `send` writes at once, without waiting for earlier answers. The
///   collector answers them in order; the SDK matches answers by `data["req_guid"]` anyway.
/// - Every response body is reported as `received`, whatever the status: Raccoon's 400 and 500
///   answers carry a `SendEventResponse` too.
/// - When the connection ends (the collector closed it, dropped it after a lost ack, or answered
///   `Connection: close`), `closed(code: nil, …)` is reported; the SDK reconnects as it would
///   over WebSocket. `close` closes the socket and reports nothing; its code is not sent anywhere.
///
/// Event-loop bound: create it, call it and drop it on `eventLoop` only.
public final class RESTTransport: SDKTransport {
    public let host: String
    public let port: Int
    public let path: String
    public let eventLoop: any EventLoop
    /// The longest the TCP connect may take (`socket_timeout`).
    public let connectTimeout: TimeAmount
    /// The largest response body accepted; a larger one ends the connection.
    public let maxResponseSize: Int
    private let connector: any ChannelConnector

    private typealias Attempt = TransportAttempt<ResponseHandler>
    private typealias State = TransportState<ResponseHandler>

    private var state = State.idle
    private var handler: ((TransportEvent) -> Void)?
    private var attempts: UInt64 = 0

    public init(
        host: String,
        port: Int,
        path: String = "/api/v1/events",
        eventLoop: any EventLoop,
        connector: any ChannelConnector,
        connectTimeout: TimeAmount = .seconds(10),
        maxResponseSize: Int = 1 << 20
    ) {
        self.host = host
        self.port = port
        self.path = path
        self.eventLoop = eventLoop
        self.connector = connector
        self.connectTimeout = connectTimeout
        self.maxResponseSize = maxResponseSize
    }

    deinit {
        switch state {
        case .idle: break
        case .connecting(let attempt), .open(let attempt): attempt.abandon()
        }
    }

    /// True between `connected` and `closed` (or the SDK's `close`).
    public var isConnected: Bool { state.isOpen }

    /// Opens the connection with the transport's own connect timeout.
    public func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
        connect(headers: headers, options: ConnectOptions(), handler: handler)
    }

    /// Opens the connection; `headers` (the identity headers) go on every request. A connection
    /// or attempt already in progress is closed first, silently. HTTP has no pings: `options.ping`
    /// is ignored.
    public func connect(
        headers: [(String, String)], options: ConnectOptions, handler: @escaping (TransportEvent) -> Void
    ) {
        eventLoop.preconditionInEventLoop()
        close(code: 1000, reason: "")
        attempts &+= 1
        let id = attempts
        let loop = eventLoop
        let connectTimeout = options.connectTimeout ?? self.connectTimeout
        let timer = loop.assumeIsolated().scheduleTask(in: connectTimeout) { [weak self] in
            guard let self else { return }
            self.attemptFailed(id, .timeout)
        }
        var requestHeaders = HTTPHeaders()
        requestHeaders.add(name: "Host", value: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        requestHeaders.add(name: "Content-Type", value: "application/proto")
        for (name, value) in headers { requestHeaders.add(name: name, value: value) }
        let responses = ResponseHandler(
            transport: self, id: id, path: path, headers: requestHeaders, maxResponseSize: maxResponseSize)
        self.handler = handler
        state = .connecting(Attempt(id: id, pipeline: responses, timer: timer, channel: nil))

        let boundResponses = NIOLoopBound(responses, eventLoop: loop)
        connector.connect(host: host, port: port, on: loop, timeout: connectTimeout) { channel in
            guard channel.eventLoop === loop else {
                return channel.eventLoop.makeFailedFuture(WebSocketTransport.WrongEventLoop())
            }
            return loop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(boundResponses.value)
            }
        }
        .hop(to: loop).assumeIsolated().whenComplete { [weak self] result in
            self?.channelResolved(id, result)
        }
    }

    /// POSTs one serialized `SendEventRequest`. False when not connected.
    public func send(_ request: ByteBuffer) -> Bool {
        eventLoop.preconditionInEventLoop()
        guard case .open(let attempt) = state else { return false }
        return attempt.pipeline.post(request)
    }

    /// Closes the connection; requests still unanswered are lost. Reports nothing.
    public func close(code: Int, reason: String) {
        eventLoop.preconditionInEventLoop()
        let current = state
        state = .idle
        handler = nil
        switch current {
        case .idle:
            break
        case .connecting(let attempt), .open(let attempt):
            attempt.abandon()
        }
    }

    /// Closes the socket: HTTP has no close handshake, so this is `close`.
    public func abort() {
        close(code: 1006, reason: "")
    }

    // MARK: Reports, all on the event loop

    private func channelResolved(_ id: UInt64, _ result: Result<any Channel, any Error>) {
        switch (result, state) {
        case (.success(let channel), .connecting(var attempt)) where attempt.id == id:
            attempt.timer?.cancel()
            attempt.timer = nil
            guard channel.isActive else {
                // It closed between connecting and this callback: the drop was not reported.
                state = .idle
                finish(.connectFailed(.closedBeforeAnswer))
                return
            }
            attempt.channel = channel
            state = .open(attempt)
            handler?(.connected)
        case (.success(let channel), _):
            channel.close(promise: nil)  // Given up on already (timeout or close).
        case (.failure(let error), _):
            let failure: TransportFailure
            switch error {
            case let error as WebSocketTransport.WrongEventLoop: failure = .other(error.description)
            default: failure = ConnectionWords.failure(for: error)
            }
            attemptFailed(id, failure)
        }
    }

    private func attemptFailed(_ id: UInt64, _ failure: TransportFailure) {
        guard case .connecting(let attempt) = state, attempt.id == id else { return }
        // Idle before closing: a close fires channelInactive at once, which must find nothing to report.
        state = .idle
        attempt.abandon()
        finish(.connectFailed(failure))
    }

    fileprivate func received(_ id: UInt64, _ body: ByteBuffer) {
        guard case .open(let attempt) = state, attempt.id == id else { return }
        handler?(.received(body))
    }

    fileprivate func ended(_ id: UInt64, reason: String) {
        guard case .open(let attempt) = state, attempt.id == id else { return }
        state = .idle
        finish(.closed(code: nil, reason: reason))
    }

    private func finish(_ event: TransportEvent) {
        let handler = self.handler
        self.handler = nil
        handler?(event)
    }
}

// MARK: - Pipeline

extension RESTTransport {
    /// Writes the POSTs and collects each response body.
    final class ResponseHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart

        private weak var transport: RESTTransport?
        private let id: UInt64
        private let path: String
        private let headers: HTTPHeaders
        private let maxResponseSize: Int
        private var context: ChannelHandlerContext?
        private var body: ByteBuffer?

        init(transport: RESTTransport, id: UInt64, path: String, headers: HTTPHeaders, maxResponseSize: Int) {
            self.transport = transport
            self.id = id
            self.path = path
            self.headers = headers
            self.maxResponseSize = maxResponseSize
        }

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            self.context = nil
        }

        func post(_ payload: ByteBuffer) -> Bool {
            guard let context, context.channel.isActive else { return false }
            var headers = self.headers
            headers.add(name: "Content-Length", value: String(payload.readableBytes))
            let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return true
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head:
                body = nil
            case .body(var part):
                if body == nil {
                    body = part
                } else {
                    body!.writeBuffer(&part)
                }
                if let body, body.readableBytes > maxResponseSize {
                    self.body = nil
                    transport?.ended(id, reason: ConnectionEnding.protocolError)
                    context.close(promise: nil)
                }
            case .end:
                let message = body ?? context.channel.allocator.buffer(capacity: 0)
                body = nil
                transport?.received(id, message)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            // The unanswered requests are the SDK's to time out; the ending is the collector's close.
            transport?.ended(id, reason: ConnectionEnding.closedByCollector)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            transport?.ended(id, reason: ConnectionWords.ending(for: error))
            context.close(promise: nil)
        }
    }
}
