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
        maxFrameSize: Int = 1 << 20
    ) {
        self.host = host
        self.port = port
        self.path = path
        self.eventLoop = eventLoop
        self.connector = connector
        self.connectTimeout = connectTimeout
        self.maxFrameSize = maxFrameSize
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

    /// Starts connecting. A connection or attempt already in progress is closed first, silently
    /// (close code 1000), as if the SDK had called `close`.
    public func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
        eventLoop.preconditionInEventLoop()
        close(code: 1000, reason: "")
        attempts &+= 1
        let id = attempts
        let loop = eventLoop
        let timer = loop.assumeIsolated().scheduleTask(in: connectTimeout) { [weak self] in
            guard let self else { return }
            self.attemptFailed(id, .timeout, channel: nil)
        }
        let upgrade = UpgradeHandler(transport: self, id: id, request: upgradeRequest(headers: headers))
        let frames = FrameHandler(transport: self, id: id, maxMessageSize: maxFrameSize)
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
        if case ChannelError.connectTimeout = error { return .timeout }
        if let error = error as? WrongEventLoop { return .other(error.description) }
        return .refused("\(error)")
    }

    fileprivate func attemptFailed(_ id: UInt64, _ failure: TransportFailure, channel: (any Channel)?) {
        guard case .connecting(let attempt) = state, attempt.id == id else { return }
        // Idle before closing: a close fires channelInactive at once, which must find nothing to report.
        state = .idle
        attempt.abandon()
        channel?.close(promise: nil)
        finish(.connectFailed(failure))
    }

    /// The 101 arrived. False when the attempt was given up on: the caller closes the channel.
    fileprivate func upgraded(_ id: UInt64, channel: any Channel) -> Bool {
        guard case .connecting(var attempt) = state, attempt.id == id else { return false }
        attempt.timer?.cancel()
        attempt.timer = nil
        attempt.channel = channel
        state = .open(attempt)
        handler?(.connected)
        return true
    }

    fileprivate func received(_ id: UInt64, _ message: ByteBuffer) {
        guard case .open(let attempt) = state, attempt.id == id else { return }
        handler?(.received(message))
    }

    fileprivate func ended(_ id: UInt64, code: Int?, reason: String) {
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

// MARK: - Pipeline

extension WebSocketTransport {
    /// Writes the upgrade request, reads the response head and passes every byte after a 101
    /// on to the frame decoder.
    final class UpgradeHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private weak var transport: WebSocketTransport?
        private let id: UInt64
        private let request: ByteBuffer
        private var requestSent = false
        private var head = ByteBuffer()
        /// Where the search for the end of the head resumes.
        private var scanned = 0
        private var upgraded = false
        private var failed = false

        init(transport: WebSocketTransport, id: UInt64, request: ByteBuffer) {
            self.transport = transport
            self.id = id
            self.request = request
        }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { sendRequest(context: context) }
        }

        func channelActive(context: ChannelHandlerContext) {
            sendRequest(context: context)
            context.fireChannelActive()
        }

        private func sendRequest(context: ChannelHandlerContext) {
            guard !requestSent else { return }
            requestSent = true
            context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if upgraded {
                context.fireChannelRead(data)
                return
            }
            guard !failed else { return }
            var bytes = unwrapInboundIn(data)
            head.writeBuffer(&bytes)
            guard let end = headEnd() else {
                if head.readableBytes > WebSocketTransport.maxResponseHeadBytes {
                    fail(.other("upgrade response head over \(WebSocketTransport.maxResponseHeadBytes) bytes"), context)
                }
                return
            }
            let headText = String(decoding: head.readableBytesView.prefix(end), as: UTF8.self)
            switch Self.parse(headText) {
            case .failure(let failure):
                fail(failure, context)
            case .success:
                upgraded = true
                guard transport?.upgraded(id, channel: context.channel) == true else {
                    context.close(promise: nil)
                    return
                }
                head.moveReaderIndex(forwardBy: end + 4)
                let rest = head
                head = ByteBuffer()
                if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
            }
        }

        /// The offset of the blank line's CRLFCRLF in `head`, if it arrived.
        private func headEnd() -> Int? {
            let view = head.readableBytesView
            var index = max(scanned - 3, 0)
            while index + 3 < view.count {
                let base = view.startIndex + index
                if view[base] == 13, view[base + 1] == 10, view[base + 2] == 13, view[base + 3] == 10 {
                    return index
                }
                index += 1
            }
            scanned = view.count
            return nil
        }

        /// Accepts `HTTP/1.1 101` with `Upgrade: websocket`.
        static func parse(_ head: String) -> Result<Void, TransportFailure> {
            let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            let statusParts = (lines.first ?? "").split(separator: " ", maxSplits: 2)
            guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), statusParts[1].utf8.count == 3,
                let status = Int(statusParts[1])
            else {
                return .failure(.other("not an HTTP response to the upgrade: \(lines.first ?? "")"))
            }
            guard status == 101 else { return .failure(.httpStatus(status)) }
            let upgradesToWebSocket = lines.dropFirst().contains { line in
                let parts = line.split(separator: ":", maxSplits: 1)
                return parts.count == 2 && parts[0].lowercased() == "upgrade"
                    && parts[1].trimmingSpaces().lowercased() == "websocket"
            }
            guard upgradesToWebSocket else { return .failure(.other("101 response without Upgrade: websocket")) }
            return .success(())
        }

        private func fail(_ failure: TransportFailure, _ context: ChannelHandlerContext) {
            failed = true
            head = ByteBuffer()
            transport?.attemptFailed(id, failure, channel: context.channel)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !upgraded, !failed {
                failed = true
                transport?.attemptFailed(id, .refused("connection closed before the upgrade"), channel: nil)
            }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            guard upgraded else {
                if !failed { fail(.refused("\(error)"), context) }
                return
            }
            context.fireErrorCaught(error)
        }
    }

    /// WebSocket frames after the upgrade: reassembly, pings, the close handshake, writes.
    final class FrameHandler: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame

        private weak var transport: WebSocketTransport?
        private let id: UInt64
        private let maxMessageSize: Int
        private var context: ChannelHandlerContext?
        /// The message being reassembled from fragments.
        private var fragments: ByteBuffer?
        /// A close frame went out (ours, or our answer to the collector's).
        private var closeSent = false
        private var closeTimer: Scheduled<Void>?

        init(transport: WebSocketTransport, id: UInt64, maxMessageSize: Int) {
            self.transport = transport
            self.id = id
            self.maxMessageSize = maxMessageSize
        }

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            closeTimer?.cancel()
            self.context = nil
        }

        func sendBinary(_ payload: ByteBuffer) -> Bool {
            guard let context, !closeSent, context.channel.isActive else { return false }
            let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: payload)
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
            return true
        }

        func sendClose(code: Int, reason: String) {
            guard let context, !closeSent else { return }
            closeSent = true
            // A control frame carries at most 125 bytes: the code and 123 of the reason, cut
            // between characters.
            var reason = reason
            while reason.utf8.count > 123 { reason.removeLast() }
            var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
            data.writeInteger(UInt16(clamping: code))
            data.writeString(reason)
            let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
            closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: WebSocketTransport.closeHandshakeGrace) {
                context.close(promise: nil)
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            switch frame.opcode {
            case .binary, .text:
                guard fragments == nil else {
                    return protocolError("a data frame inside a fragmented message", context: context)
                }
                if frame.fin {
                    transport?.received(id, frame.unmaskedData)
                } else {
                    fragments = frame.unmaskedData
                }
            case .continuation:
                guard var message = fragments else {
                    return protocolError("a continuation frame outside a message", context: context)
                }
                fragments = nil
                var part = frame.unmaskedData
                guard message.readableBytes + part.readableBytes <= maxMessageSize else {
                    return protocolError(
                        "a fragmented message over \(maxMessageSize) bytes", code: 1009, context: context)
                }
                message.writeBuffer(&part)
                if frame.fin {
                    transport?.received(id, message)
                } else {
                    fragments = message
                }
            case .ping:
                guard !closeSent else { return }
                let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
                context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            case .connectionClose:
                guard !closeSent else {
                    // The collector's answer to our close: the handshake is complete.
                    context.close(promise: nil)
                    return
                }
                closeSent = true
                var payload = frame.unmaskedData
                let code = payload.readInteger(as: UInt16.self)
                let reason = String(buffer: payload)
                // Report before writing: a failing write may close the channel synchronously.
                // 1005: the close frame carried no status code (RFC 6455, 7.4.1).
                transport?.ended(id, code: code.map(Int.init) ?? 1005, reason: reason)
                var reply = context.channel.allocator.buffer(capacity: 2)
                if let code { reply.writeInteger(code) }
                let replyFrame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: reply)
                context.writeAndFlush(wrapOutboundOut(replyFrame)).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            default:
                break  // Pongs, and reserved opcodes the decoder let through.
            }
        }

        private func protocolError(_ what: String, code: UInt16 = 1002, context: ChannelHandlerContext) {
            transport?.ended(id, code: nil, reason: "protocol error: \(what)")
            guard !closeSent else {
                context.close(promise: nil)
                return
            }
            closeSent = true
            var data = context.channel.allocator.buffer(capacity: 2)
            data.writeInteger(code)
            let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)
            context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closeTimer?.cancel()
            transport?.ended(id, code: nil, reason: "connection closed")
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            switch error {
            case NIOWebSocketError.invalidFrameLength:
                protocolError("a frame over \(maxMessageSize) bytes", code: 1009, context: context)
            case is NIOWebSocketError:
                protocolError("\(error)", context: context)
            default:
                transport?.ended(id, code: nil, reason: "\(error)")
                context.close(promise: nil)
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
