import NIOCore
import NIOWebSocket
import RaccoonWire

/// Told down the pipeline once the collector answered the upgrade with 101.
struct WebSocketUpgraded: Sendable {}

/// Writes the HTTP upgrade request itself and strips the collector's response, then passes
/// every byte on. The frame decoder sits behind it from the start, so frames the collector sends
/// in the same read as its 101 (a rejection, say) are not lost.
final class HandshakeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    private let request: ByteBuffer
    private let done: EventLoopPromise<Void>
    private let timeout: TimeAmount
    private var head = ByteBuffer()
    private var finished = false
    private var upgraded = false
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(request: ByteBuffer, timeout: TimeAmount, done: EventLoopPromise<Void>) {
        self.request = request
        self.timeout = timeout
        self.done = done
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes bytes that are already WebSocket frames straight to the socket, past the frame
    /// encoder (which sits behind this handler). Not flushed.
    func writeRaw(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    func channelActive(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.finish(.failure(Failed(description: "no upgrade answer within \(self.timeout)")))
            context.close(promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        timer = nil
        done.completeWith(result)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !upgraded else {
            context.fireChannelRead(data)
            return
        }
        var bytes = unwrapInboundIn(data)
        head.writeBuffer(&bytes)
        let view = head.readableBytesView
        guard let end = Self.headerEnd(view) else {
            if head.readableBytes > 16_384 {
                finish(.failure(Failed(description: "upgrade answer too long")))
                context.close(promise: nil)
            }
            return
        }
        let statusLine = String(decoding: view.prefix(while: { $0 != 13 }), as: UTF8.self)
        guard statusLine.hasPrefix("HTTP/1.1 101") else {
            finish(.failure(Failed(description: "upgrade refused: \(statusLine)")))
            context.close(promise: nil)
            return
        }
        upgraded = true
        finish(.success(()))
        context.fireUserInboundEventTriggered(WebSocketUpgraded())
        head.moveReaderIndex(forwardBy: end)
        if head.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(head)) }
        head = ByteBuffer()
    }

    /// The offset just past the blank line that ends the HTTP head, if it has arrived.
    private static func headerEnd(_ view: ByteBufferView) -> Int? {
        var matched = 0
        for (offset, byte) in view.enumerated() {
            let expected: UInt8 = matched % 2 == 0 ? 13 : 10
            if byte == expected {
                matched += 1
                if matched == 4 { return offset + 1 }
            } else {
                matched = byte == 13 ? 1 : 0
            }
        }
        return nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(Failed(description: "connection closed before the upgrade")))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !upgraded {
            finish(.failure(error))
            context.close(promise: nil)
        } else {
            context.fireErrorCaught(error)
        }
    }
}

/// One load connection: keeps `window` batches in flight and sends the next as soon as an
/// answer comes, matching answers to batches by req_guid. Batches go out pre-framed through the
/// handshake handler (`ConnectionBatches.Mode.preMasked`) or as `WebSocketFrame`s through NIO's
/// frame encoder (`nioMasking`); pongs and the close frame always go through the encoder.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private enum State {
        case connecting
        /// Upgraded; waiting for every connection to be up before sending.
        case ready
        case running
        /// No new batches; close once the ones in flight are answered.
        case draining
        case closeSent
        case closed
    }

    private var batches: ConnectionBatches
    private let rawWriter: HandshakeHandler
    private let tally: LoopTally
    private let window: Int
    private let eventsPerBatch: UInt64
    private var state = State.connecting
    private var context: ChannelHandlerContext?
    private var nextBatch: UInt64 = 0
    /// Batches sent and not yet answered, oldest first, with their frames to reuse.
    private var inFlight: [(batch: UInt64, frame: ByteBuffer?)] = []
    private var needsFlush = false

    var inFlightCount: Int { inFlight.count }

    init(batches: ConnectionBatches, rawWriter: HandshakeHandler, tally: LoopTally, window: Int) {
        self.batches = batches
        self.rawWriter = rawWriter
        self.tally = tally
        self.window = window
        self.eventsPerBatch = UInt64(batches.layout.eventsPerBatch)
        inFlight.reserveCapacity(window)
    }

    private var maskKey: WebSocketMaskingKey { batches.maskKey }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is WebSocketUpgraded, state == .connecting else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if tally.stopping {
            sendClose(context: context)
        } else if tally.started {
            startSending(context: context)
        } else {
            state = .ready
        }
    }

    /// Starts the load on this connection once it is upgraded and the run has started.
    func start() {
        guard let context, state == .ready else { return }
        startSending(context: context)
    }

    private func startSending(context: ChannelHandlerContext) {
        state = .running
        for _ in 0..<window { sendBatch(context: context) }
        context.flush()
    }

    private func sendBatch(context: ChannelHandlerContext) {
        let number = nextBatch
        nextBatch += 1
        let bytes = batches.make(batch: number, allocator: context.channel.allocator)
        // Only a pre-masked frame is kept, for reuse: holding a payload NIO is about to mask
        // would make it copy.
        inFlight.append((number, batches.mode == .preMasked ? bytes : nil))
        tally.batchesSent += 1
        switch batches.mode {
        case .preMasked:
            rawWriter.writeRaw(bytes)
        case .nioMasking:
            let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: maskKey, data: bytes)
            context.write(wrapOutboundOut(frame), promise: nil)
        }
        needsFlush = true
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary:
            answered(frame.data, context: context)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: maskKey, data: frame.data)
            context.write(wrapOutboundOut(pong), promise: nil)
            needsFlush = true
        case .pong:
            break
        case .connectionClose:
            if state != .closeSent {
                tally.unexpectedCloses += 1
                var data = frame.data
                let code = data.readInteger(as: UInt16.self).map { "\($0)" } ?? "none"
                let reason = data.readString(length: data.readableBytes) ?? ""
                tally.noteError("collector closed the connection: \(code) \(reason)")
                var echo = context.channel.allocator.buffer(capacity: 2)
                echo.write(webSocketErrorCode: .normalClosure)
                let reply = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: maskKey, data: echo)
                context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
            }
            state = .closed
            context.close(promise: nil)
        default:
            tally.unexpectedFrames += 1
            tally.noteError("unexpected \(frame.opcode) frame")
        }
    }

    /// Status SUCCESS (field 1 = 1) then code OK (field 2 = 1): how every ack starts.
    private static let ackPrefix: (UInt8, UInt8, UInt8, UInt8) = (0x08, 0x01, 0x10, 0x01)

    private func answered(_ data: ByteBuffer, context: ChannelHandlerContext) {
        let (ok, batch) = data.withUnsafeReadableBytes { raw -> (Bool, UInt64?) in
            let ok =
                raw.count >= 4 && raw[0] == Self.ackPrefix.0 && raw[1] == Self.ackPrefix.1
                && raw[2] == Self.ackPrefix.2 && raw[3] == Self.ackPrefix.3
            // data (field 5) is a map: entries of key (1) and value (2); the only key is req_guid.
            guard let entry = ProtoFieldScanner.lengthDelimitedField(5, in: raw),
                let value = ProtoFieldScanner.lengthDelimitedField(2, in: entry)
            else { return (ok, nil) }
            return (ok, BatchLayout.batchNumber(inReqGUID: value))
        }
        if let batch, let index = inFlight.firstIndex(where: { $0.batch == batch }) {
            if let frame = inFlight.remove(at: index).frame { batches.recycle(frame) }
        } else {
            tally.unmatchedAnswers += 1
            // An answer without our req_guid (a bad-request answer, say) stands for the oldest.
            if !inFlight.isEmpty { inFlight.removeFirst() }
        }
        if ok {
            tally.batchesAcked += 1
            tally.eventsAcked += eventsPerBatch
        } else {
            tally.errorAnswers += 1
            let response = try? SendEventResponse(serializedBytes: Array(data.readableBytesView))
            tally.noteError(
                "error answer: status \(response?.status.rawValue ?? -1) code \(response?.code.rawValue ?? -1) "
                    + "\(response?.reason ?? "(undecodable)")")
        }
        switch state {
        case .running:
            if tally.stopping {
                beginStop()
            } else {
                sendBatch(context: context)
            }
        case .draining:
            if inFlight.isEmpty { sendClose(context: context) }
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Sends nothing new; closes once every batch in flight is answered.
    func beginStop() {
        guard let context else { return }
        switch state {
        case .running:
            state = .draining
            if inFlight.isEmpty { sendClose(context: context) }
        case .ready:
            sendClose(context: context)
        case .connecting:
            // Not upgraded yet: nothing in flight, so close at once.
            state = .closeSent
            context.close(promise: nil)
        default:
            break
        }
    }

    private func sendClose(context: ChannelHandlerContext) {
        state = .closeSent
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: maskKey, data: data)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        needsFlush = false
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .running, .draining:
            tally.unexpectedCloses += 1
            tally.noteError("connection dropped by the collector")
        default:
            break
        }
        tally.unansweredAtClose += UInt64(inFlight.count)
        inFlight.removeAll()
        state = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        tally.channelErrors += 1
        tally.noteError("channel error: \(error)")
        context.close(promise: nil)
    }
}
