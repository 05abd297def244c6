import NIOCore
import NIOWebSocket

extension ByteBuffer {
    /// Removes a client's WebSocket mask in place, eight bytes at a time. NIO's own
    /// `webSocketUnmask` goes byte by byte, which was the collector's largest single cost.
    mutating func unmaskWebSocketPayload(_ key: WebSocketMaskingKey) {
        let k0 = UInt64(key[key.startIndex])
        let k1 = UInt64(key[key.index(key.startIndex, offsetBy: 1)])
        let k2 = UInt64(key[key.index(key.startIndex, offsetBy: 2)])
        let k3 = UInt64(key[key.index(key.startIndex, offsetBy: 3)])
        // The key repeated over eight bytes, in memory order (little-endian load).
        let pattern32 = k0 | k1 << 8 | k2 << 16 | k3 << 24
        let pattern = pattern32 | pattern32 << 32
        let keyBytes = [UInt8(k0), UInt8(k1), UInt8(k2), UInt8(k3)]
        withUnsafeMutableReadableBytes { bytes in
            let count = bytes.count
            var offset = 0
            while offset + 8 <= count {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                bytes.storeBytes(of: (word ^ pattern).littleEndian, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < count {
                bytes[offset] ^= keyBytes[offset & 3]
                offset += 1
            }
        }
    }
}
