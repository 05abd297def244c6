import ClickstreamSDK
import NIOCore
import NIOWebSocket

/// The SDKs' transport: one WebSocket connection to the collector's `/api/v1/events`.
///
/// Event-loop bound like the rest of a device: create it, call it and drop it on `eventLoop`
/// only; every event reaches the handler on that loop. Its channel comes from a
/// `ChannelConnector` on the same loop.
///
/// The handshake is written by hand and the frame decoder sits in the pipeline from the start,
/// behind a handler that strips the 101 response: frames the collector sends right behind its
/// 101 (a rejection and its close frame, say) are never lost in a pipeline change.
///
/// Reports, in order: `connected` or `connectFailed` (exactly one per `connect`), then any
/// number of `received` (one per data message, fragments reassembled, binary or text), then at
/// most one `closed`. Nothing is reported once `close` was called or another `connect` began.
/// Server pings are answered with a pong carrying the same payload without the SDK's help.
public final class WebSocketTransport: SDKTransport {
    public let host: String
    public let port: Int
    public let path: String
    public let eventLoop: any EventLoop
    /// The longest a TCP connect plus the upgrade may take (`socket_timeout`).
    public let connectTimeout: TimeAmount
    /// The largest message accepted from the collector, whole or reassembled from fragments.
    public let maxFrameSize: Int
    private let connector: any ChannelConnector
    /// Where the open connection's ping, pong and close timers are armed.
    private let timers: any SDKScheduler

    /// After the SDK's close frame, how long to wait for the collector's before closing the
    /// socket anyway (RFC 6455 lets the server close TCP first).
    static let closeHandshakeGrace: TimeAmount = .seconds(2)
    /// The most bytes of an HTTP response head awaited before giving up on the upgrade.
    static let maxResponseHeadBytes = 16 * 1024

    private typealias Attempt = TransportAttempt<FrameHandler>
    private typealias State = TransportState<FrameHandler>

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
        maxFrameSize: Int = 1 << 20,
        timers: (any SDKScheduler)? = nil
    ) {
        self.host = host
        self.port = port
        self.path = path
        self.eventLoop = eventLoop
        self.connector = connector
        self.connectTimeout = connectTimeout
        self.maxFrameSize = maxFrameSize
        self.timers = timers ?? EventLoopScheduler.of(eventLoop)
    }

    deinit {
        // Dropped by its SDK without a close: do not leave the socket behind.
        switch state {
        case .idle: break
        case .connecting(let attempt), .open(let attempt): attempt.abandon()
        }
    }

    /// True between `connected` and `closed` (or the SDK's `close`).
    public var isConnected: Bool { state.isOpen }

    /// Starts connecting with the transport's own connect timeout and no client pings.
    public func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
        connect(headers: headers, options: ConnectOptions(), handler: handler)
    }

    /// Starts connecting. A connection or attempt already in progress is closed first, silently
    /// (close code 1000), as if the SDK had called `close`. With `options.ping`, the open
    /// connection pings the collector and fails when a pong is late (see `PingPolicy`).
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
            self.attemptFailed(id, .timeout, channel: nil)
        }
        let upgrade = UpgradeHandler(transport: self, id: id, request: upgradeRequest(headers: headers))
        let frames = FrameHandler(
            transport: self, id: id, maxMessageSize: maxFrameSize, timers: timers, ping: options.ping)
        self.handler = handler
        state = .connecting(Attempt(id: id, pipeline: frames, timer: timer, channel: nil))

        let handlers = NIOLoopBound((upgrade, frames), eventLoop: loop)
        let maxFrameSize = self.maxFrameSize
        connector.connect(host: host, port: port, on: loop, timeout: connectTimeout) { channel in
            guard channel.eventLoop === loop else {
                return channel.eventLoop.makeFailedFuture(WrongEventLoop())
            }
            return loop.makeCompletedFuture {
                let (upgrade, frames) = handlers.value
                try channel.pipeline.syncOperations.addHandlers(
                    upgrade,
                    ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameSize)),
                    WebSocketFrameEncoder(),
                    frames)
            }
        }
        .hop(to: loop).assumeIsolated().whenComplete { [weak self] result in
            self?.channelResolved(id, result)
        }
    }

    /// Writes one binary frame, masked as a client must. False when not connected.
    public func send(_ request: ByteBuffer) -> Bool {
        eventLoop.preconditionInEventLoop()
        guard case .open(let attempt) = state else { return false }
        return attempt.pipeline.sendBinary(request)
    }

    /// Sends a close frame with `code` and `reason`, then closes the socket once the collector
    /// answers (or after a short grace). Reports nothing, now or later.
    public func close(code: Int, reason: String) {
        eventLoop.preconditionInEventLoop()
        let current = state
        state = .idle
        handler = nil
        switch current {
        case .idle:
            break
        case .connecting(let attempt):
            // A channel that arrives later is closed in `channelResolved` or by the upgrade handler.
            attempt.abandon()
        case .open(let attempt):
            attempt.pipeline.sendClose(code: code, reason: reason)
        }
    }

    /// Closes the TCP connection (or gives the attempt up) with no close frame, as the OS does
    /// for a killed app: the collector sees the connection end abnormally (1006). Reports
    /// nothing, now or later.
    public func abort() {
        eventLoop.preconditionInEventLoop()
        let current = state
        state = .idle
        handler = nil
        switch current {
        case .idle: break
        case .connecting(let attempt), .open(let attempt): attempt.abandon()
        }
    }

    // MARK: Reports from the connector and the pipeline, all on the event loop

    private func channelResolved(_ id: UInt64, _ result: Result<any Channel, any Error>) {
        switch (result, state) {
        case (.success(let channel), .connecting(var attempt)) where attempt.id == id:
            attempt.channel = channel
            state = .connecting(attempt)
        case (.success, .open(let attempt)) where attempt.id == id:
            break  // The upgrade finished before the connect future's callback ran.
        case (.success(let channel), _):
            channel.close(promise: nil)  // Given up on already (timeout or close).
        case (.failure(let error), _):
            attemptFailed(id, Self.failure(for: error), channel: nil)
        }
    }

    private static func failure(for error: any Error) -> TransportFailure {
        if let error = error as? WrongEventLoop { return .other(error.description) }
        return ConnectionWords.failure(for: error)
    }

    func attemptFailed(_ id: UInt64, _ failure: TransportFailure, channel: (any Channel)?) {
        guard case .connecting(let attempt) = state, attempt.id == id else { return }
        // Idle before closing: a close fires channelInactive at once, which must find nothing to report.
        state = .idle
        attempt.abandon()
        channel?.close(promise: nil)
        finish(.connectFailed(failure))
    }

    /// The 101 arrived. False when the attempt was given up on: the caller closes the channel.
    func upgraded(_ id: UInt64, channel: any Channel) -> Bool {
        guard case .connecting(var attempt) = state, attempt.id == id else { return false }
        attempt.timer?.cancel()
        attempt.timer = nil
        attempt.channel = channel
        state = .open(attempt)
        attempt.pipeline.startPings()
        handler?(.connected)
        return true
    }

    func received(_ id: UInt64, _ message: ByteBuffer) {
        guard case .open(let attempt) = state, attempt.id == id else { return }
        handler?(.received(message))
    }

    func ended(_ id: UInt64, code: Int?, reason: String) {
        guard case .open(let attempt) = state, attempt.id == id else { return }
        state = .idle
        finish(.closed(code: code, reason: reason))
    }

    /// Reports the last event of an attempt; the handler is dropped first, so a handler that
    /// connects again from inside the callback starts cleanly.
    private func finish(_ event: TransportEvent) {
        let handler = self.handler
        self.handler = nil
        handler?(event)
    }

    private func upgradeRequest(headers: [(String, String)]) -> ByteBuffer {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var request = "GET \(path) HTTP/1.1\r\nHost: \(authority)\r\n"
        request += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(NIOWebSocketClientUpgrader.randomRequestKey())\r\n"
        request += "Sec-WebSocket-Version: 13\r\n"
        for (name, value) in headers {
            request += "\(Self.headerSafe(name)): \(Self.headerSafe(value))\r\n"
        }
        request += "\r\n"
        return ByteBuffer(string: request)
    }

    /// Line breaks in a header would end the request head early: they become spaces.
    private static func headerSafe(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 13 || $0 == 10 }) else { return text }
        return String(text.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
    }

    struct WrongEventLoop: Error, CustomStringConvertible {
        var description: String { "the connector put the channel on another event loop than the device's" }
    }
}
