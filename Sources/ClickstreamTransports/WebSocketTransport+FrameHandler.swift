import ClickstreamSDK
import NIOCore
import NIOWebSocket

extension WebSocketTransport {
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
        /// Where the close, ping and pong timers are armed: the device's own timer queue in a
        /// live run (a ping a second per phone kept thousands of entries in the loop's heap).
        private let timers: any SDKScheduler
        private var closeTimer: SDKTimerHandle?
        /// Client pings (OkHttp's `pingInterval`), once the upgrade is done.
        private let ping: PingPolicy?
        private var pingTimer: SDKTimerHandle?
        private var pongTimer: SDKTimerHandle?
        /// A ping is out and its pong has not come.
        private var awaitingPong = false

        init(
            transport: WebSocketTransport, id: UInt64, maxMessageSize: Int, timers: any SDKScheduler,
            ping: PingPolicy? = nil
        ) {
            self.transport = transport
            self.timers = timers
            self.id = id
            self.maxMessageSize = maxMessageSize
            self.ping = ping
        }

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            stopTimers()
            self.context = nil
        }

        private func stopTimers() {
            for timer in [closeTimer, pingTimer, pongTimer] {
                if let timer { timers.cancel(timer) }
            }
            closeTimer = nil
            pingTimer = nil
            pongTimer = nil
        }

        // MARK: Client pings

        /// The first ping goes one interval after the open, then one per interval
        /// (`RealWebSocket.java:258-260`).
        func startPings() {
            guard let context, let ping, pingTimer == nil else { return }
            pingTimer = timers.scheduleCancellable(at: context.eventLoop.now + ping.interval) { [weak self] in
                self?.pingDue()
            }
        }

        /// OkHttp `writePingFrame` (`:540-547`): when the previous ping is still unanswered as the
        /// next is due, the socket fails. A deadline shorter than the interval is checked on
        /// its own timer.
        private func pingDue() {
            pingTimer = nil
            guard let context, let ping, !closeSent, context.channel.isActive else { return }
            if awaitingPong, ping.pongDeadline >= ping.interval { return missedPong(context: context) }
            let frame = WebSocketFrame(
                fin: true, opcode: .ping, maskKey: .random(), data: context.channel.allocator.buffer(capacity: 0))
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
            awaitingPong = true
            if ping.pongDeadline < ping.interval {
                if let pongTimer { timers.cancel(pongTimer) }
                pongTimer = timers.scheduleCancellable(at: context.eventLoop.now + ping.pongDeadline) { [weak self] in
                    guard let self, self.awaitingPong, let context = self.context else { return }
                    self.missedPong(context: context)
                }
            }
            pingTimer = timers.scheduleCancellable(at: context.eventLoop.now + ping.interval) { [weak self] in
                self?.pingDue()
            }
        }

        /// OkHttp `failWebSocket`: the socket is cancelled, no close frame.
        private func missedPong(context: ChannelHandlerContext) {
            let deadline = ping?.pongDeadline ?? .zero
            stopTimers()
            transport?.ended(id, code: nil, reason: TransportEvent.missedPong(within: deadline))
            context.close(promise: nil)
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
            let grace = context.eventLoop.now + WebSocketTransport.closeHandshakeGrace
            closeTimer = timers.scheduleCancellable(at: grace) { context.close(promise: nil) }
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
            case .pong:
                if awaitingPong {
                    awaitingPong = false
                    if let pongTimer { timers.cancel(pongTimer) }
                    pongTimer = nil
                }
            default:
                break  // Reserved opcodes the decoder let through.
            }
        }

        private func protocolError(_ what: String, code: UInt16 = 1002, context: ChannelHandlerContext) {
            transport?.ended(id, code: nil, reason: ConnectionEnding.protocolError)
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
            stopTimers()
            transport?.ended(id, code: nil, reason: ConnectionEnding.closedByCollector)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            switch error {
            case NIOWebSocketError.invalidFrameLength:
                protocolError("a frame over \(maxMessageSize) bytes", code: 1009, context: context)
            case is NIOWebSocketError:
                protocolError("\(error)", context: context)
            default:
                transport?.ended(id, code: nil, reason: ConnectionWords.ending(for: error))
                context.close(promise: nil)
            }
        }
    }
}
