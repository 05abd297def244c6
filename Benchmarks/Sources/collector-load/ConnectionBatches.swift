import NIOCore
import NIOWebSocket

/// The batches one connection sends, made as cheaply as the load tool can.
///
/// Default (`preMasked`): the connection's request is framed and masked once, as a complete
/// binary WebSocket frame (header, masking key, masked payload), and each send only writes the new
/// sequence and batch digits, already masked, into a frame buffer whose previous batch was
/// answered (so the socket no longer holds it): no copy, no masking pass, no allocation once the
/// window's buffers exist. The collector still gets ordinary masked frames to unmask; the key is
/// one random key per connection rather than one per frame.
///
/// `nioMasking`: each send copies the unmasked request into a new buffer and hands a
/// `WebSocketFrame` with the key to NIO's `WebSocketFrameEncoder`, which masks it byte by byte.
/// Kept to show what that costs the load tool.
struct ConnectionBatches {
    enum Mode: String, Sendable {
        case preMasked = "pre-masked"
        case nioMasking = "nio-masking"
    }

    /// Bytes in front of a payload in `nioMasking` mode, enough for any frame header NIO writes
    /// (2 bytes, up to 8 of length and 4 of key), so the encoder prepends it in place.
    static let headroom = 14

    let layout: BatchLayout
    let mode: Mode
    let maskKey: WebSocketMaskingKey
    /// `nioMasking`: the unmasked payload. `preMasked`: the whole masked frame.
    private let template: ByteBuffer
    /// `preMasked`: frame header length, and the key rotated for `BatchLayout.patch`.
    private let payloadStart: Int
    private let rotatedMask: [UInt8]
    /// `preMasked`: frames whose batch was answered, to reuse.
    private var spare: [ByteBuffer] = []

    init(layout: BatchLayout, payload: [UInt8], mode: Mode) {
        self.layout = layout
        self.mode = mode
        let key = (0..<4).map { _ in UInt8.random(in: 0...255) }
        maskKey = WebSocketMaskingKey(key)!
        switch mode {
        case .nioMasking:
            template = ByteBuffer(bytes: payload)
            payloadStart = 0
            rotatedMask = key
        case .preMasked:
            var frame = ByteBuffer()
            frame.writeInteger(UInt8(0x82))  // FIN, binary
            switch payload.count {
            case ..<126:
                frame.writeInteger(UInt8(0x80 | payload.count))
            case ..<65_536:
                frame.writeInteger(UInt8(0x80 | 126))
                frame.writeInteger(UInt16(payload.count))
            default:
                frame.writeInteger(UInt8(0x80 | 127))
                frame.writeInteger(UInt64(payload.count))
            }
            frame.writeBytes(key)
            let start = frame.writerIndex
            frame.writeBytes(payload.enumerated().map { $0.element ^ key[$0.offset & 3] })
            template = frame
            payloadStart = start
            rotatedMask = (0..<4).map { key[($0 - start) & 3] }
        }
    }

    /// The batch to send: a complete frame (`preMasked`) or a payload for NIO to frame and mask.
    mutating func make(batch: UInt64, allocator: ByteBufferAllocator) -> ByteBuffer {
        let firstSequence = batch * UInt64(layout.eventsPerBatch)
        switch mode {
        case .preMasked:
            var frame = spare.popLast() ?? template
            frame.withUnsafeMutableReadableBytes { raw in
                layout.patch(
                    raw, payloadStart: payloadStart, batch: batch, firstSequence: firstSequence, mask: rotatedMask)
            }
            return frame
        case .nioMasking:
            var buffer = allocator.buffer(capacity: Self.headroom + template.readableBytes)
            buffer.moveWriterIndex(forwardBy: Self.headroom)
            buffer.moveReaderIndex(forwardBy: Self.headroom)
            buffer.writeImmutableBuffer(template)
            buffer.withUnsafeMutableReadableBytes { raw in
                layout.patch(raw, payloadStart: 0, batch: batch, firstSequence: firstSequence, mask: nil)
            }
            return buffer
        }
    }

    /// Takes back a frame whose batch was answered.
    mutating func recycle(_ frame: ByteBuffer) {
        if mode == .preMasked { spare.append(frame) }
    }
}
