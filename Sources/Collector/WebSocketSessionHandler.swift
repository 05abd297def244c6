import Foundation
import NIOCore
import NIOWebSocket
import RaccoonWire
import SwiftProtobuf

/// One WebSocket connection after the upgrade: the connection table, keepalive, batches in and
/// answers out, in the frame type of the request.
final class WebSocketSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let identity: ConnectionIdentity
    private let shared: CollectorServer.SharedState
    private var shard: CollectorShard?
    private var context: ChannelHandlerContext?
    private var registered = false
    private var closing = false
    private var keepalive: KeepaliveStateMachine?
    private var keepaliveTimer: Scheduled<Void>?
    private var requestMemory: RequestGUIDMemory?
    /// Answers written during this read burst, flushed once in `channelReadComplete`.
    private var flushPending = false
    /// Messages held while the publish stall is on, in arrival order.
    private var stalled: [(payload: ByteBuffer, encoding: WireEncoding, received: NIODeadline)] = []

    init(identity: ConnectionIdentity, shared: CollectorServer.SharedState) {
        self.identity = identity
        self.shared = shared
        if shared.configuration.deduplicate { requestMemory = RequestGUIDMemory() }
    }

    private static let pingPayload = ByteBuffer(string: "--ping--")

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let registration = shared.table.withLockedValue { $0.register(identity) }
        switch registration {
        case .accepted:
            registered = true
            let shard = shared.shard(for: context.eventLoop).value
            self.shard = shard
            shard.add(self)
            let configuration = shared.configuration
            keepalive = KeepaliveStateMachine(
                now: context.eventLoop.now,
                pingInterval: .clamped(seconds: configuration.pingInterval),
                pongTimeout: .clamped(seconds: configuration.pongTimeout))
            scheduleKeepalive()
            if shard.core.faults.outage { closeForOutage() }
        case .rejectedMaxConnections, .rejectedDuplicate:
            let rejection = ConnectionRejection(
                registration, identity: identity, legacy: shared.configuration.legacyCapAnswer)
            if let rejection { reject(rejection, context: context) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cleanUp()
        // The context holds this handler: keeping it would leak every closed connection's handler,
        // context and pipeline (with its guid memory) in a reference cycle.
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cleanUp()
        context.fireChannelInactive()
    }

    private func cleanUp() {
        keepaliveTimer?.cancel()
        keepaliveTimer = nil
        if registered {
            registered = false
            shared.table.withLockedValue { $0.unregister(identity) }
            shard?.remove(self)
        }
        stalled.removeAll()
    }

    /// Raccoon answers a refused connection with a binary response, then close 1008, then closes
    /// TCP without waiting for the client's close.
    private func reject(_ rejection: ConnectionRejection, context: ChannelHandlerContext) {
        write(rejection.response(serverTime: Self.serverTime()), encoding: .protobuf, context: context)
        close(code: .policyViolation, reason: rejection.closeReason, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .text:
            guard registered, !closing else { return }
            let encoding: WireEncoding = frame.opcode == .binary ? .protobuf : .json
            var payload = frame.data
            if let key = frame.maskKey { payload.unmaskWebSocketPayload(key) }
            if let shard, shard.core.faults.publishStall {
                stalled.append((payload, encoding, context.eventLoop.now))
                context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
                return
            }
            ingest(payload, encoding: encoding, received: context.eventLoop.now, context: context)
        case .ping:
            guard !closing else { return }
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            keepalive?.pongReceived(now: context.eventLoop.now)
        case .connectionClose:
            // Echo the peer's code (or none), then close.
            var data = frame.unmaskedData
            let code = data.readSlice(length: 2) ?? ByteBuffer()
            guard !closing else {
                context.close(promise: nil)
                return
            }
            closing = true
            let reply = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
            context.writeAndFlush(wrapOutboundOut(reply)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        default:
            break
        }
    }

    private func ingest(
        _ payload: ByteBuffer, encoding: WireEncoding, received: NIODeadline, context: ChannelHandlerContext
    ) {
        guard let shard else { return }
        let decision = shard.core.ingest(
            payload, encoding: encoding, transport: .webSocket, requestMemory: &requestMemory,
            serverTime: Self.serverTime())
        if let batch = decision.kafka {
            shared.publish(batch, shard: shard, loop: context.eventLoop) { settlement in
                if let guid = settlement.forget { self.requestMemory?.forget(guid) }
                guard let response = settlement.response else { return }
                self.answer(response, after: settlement.delay, encoding: encoding, received: received, context: context)
            }
        }
        guard let response = decision.response else { return }
        if decision.delay <= 0 {
            // Several requests usually arrive in one read: their answers share one flush.
            answer(response, encoding: encoding, received: received, flush: false, context: context)
            flushPending = true
        } else {
            answer(response, after: decision.delay, encoding: encoding, received: received, context: context)
        }
    }

    /// Answers later: after `delay` seconds, or now (flushed) when it is not positive.
    private func answer(
        _ response: SendEventResponse, after delay: Double, encoding: WireEncoding, received: NIODeadline,
        context: ChannelHandlerContext
    ) {
        guard delay > 0 else {
            answer(response, encoding: encoding, received: received, flush: true, context: context)
            return
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: .clamped(seconds: delay)) {
            self.answer(response, encoding: encoding, received: received, flush: true, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if flushPending {
            flushPending = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    private func answer(
        _ response: SendEventResponse,
        encoding: WireEncoding,
        received: NIODeadline,
        flush: Bool,
        context: ChannelHandlerContext
    ) {
        guard registered, !closing, context.channel.isActive else { return }
        write(response, encoding: encoding, flush: flush, context: context)
        shard?.core.recordAckLatency(Double((context.eventLoop.now - received).nanoseconds) / 1e9)
    }

    private func write(
        _ response: SendEventResponse,
        encoding: WireEncoding,
        flush: Bool = true,
        context: ChannelHandlerContext
    ) {
        let buffer: ByteBuffer
        let opcode: WebSocketOpcode
        switch encoding {
        case .protobuf:
            // Serializing a message we built ourselves cannot fail.
            let bytes: [UInt8] = (try? response.serializedBytes()) ?? []
            buffer = context.channel.allocator.buffer(bytes: bytes)
            opcode = .binary
        case .json:
            buffer = context.channel.allocator.buffer(bytes: RaccoonJSON.encodeResponse(response))
            opcode = .text
        }
        let frame = wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, data: buffer))
        if flush {
            context.writeAndFlush(frame, promise: nil)
        } else {
            context.write(frame, promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !closing else { return }
        switch error {
        case NIOWebSocketError.invalidFrameLength,
            NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge:
            let limit = shared.configuration.maxMessageBytes ?? CollectorConfiguration.largestMessageLimit
            if let shard {
                let response = shard.core.tooLarge(size: nil, limit: limit, serverTime: Self.serverTime())
                write(response, encoding: .protobuf, context: context)
            }
            close(code: .messageTooLarge, reason: "message exceeds \(limit) bytes", context: context)
        default:
            close(code: .protocolError, reason: "protocol error", context: context)
        }
    }

    // MARK: Keepalive

    private func scheduleKeepalive() {
        guard let context, let wakeup = keepalive?.nextWakeup else { return }
        keepaliveTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: wakeup) {
            self.keepaliveFired()
        }
    }

    private func keepaliveFired() {
        guard let context, !closing else { return }
        switch keepalive?.timerFired(now: context.eventLoop.now) {
        case .sendPing:
            let ping = WebSocketFrame(fin: true, opcode: .ping, data: Self.pingPayload)
            context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
        case .closeForMissedPong:
            // Raccoon's read simply fails at the deadline and it closes the socket: no close
            // frame, so the client sees 1006.
            shared.logger.debug("closing a connection that missed its pong", metadata: ["identity": "\(identity)"])
            closing = true
            context.close(promise: nil)
            return
        case nil:
            break
        }
        scheduleKeepalive()
    }

    // MARK: Faults and shutdown

    func closeForOutage() {
        guard let context, !closing else { return }
        // An outage looks like a collector that went away: the socket closes without a goodbye.
        closing = true
        context.close(promise: nil)
    }

    func closeForShutdown() {
        guard let context, !closing else { return }
        close(code: .goingAway, reason: "collector shutting down", context: context)
    }

    func resumeAfterStall() {
        guard let context, !closing else { return }
        let held = stalled
        stalled.removeAll()
        for message in held {
            ingest(message.payload, encoding: message.encoding, received: message.received, context: context)
        }
        if flushPending {
            flushPending = false
            context.flush()
        }
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
    }

    private func close(code: WebSocketErrorCode, reason: String, context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
        context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    static func serverTime() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
