/// The handshake a Clickstream SDK sends to open its WebSocket, as the fuzz targets replay it.
public enum Upgrade {
    public static let request = Array(
        ("GET /api/v1/events HTTP/1.1\r\nHost: collector\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "X-User-ID: fuzz-device\r\nX-User-Group: fuzz\r\n\r\n").utf8)

    /// Whether `answer` is the server's `101 Switching Protocols`.
    public static func switched(_ answer: [UInt8]) -> Bool {
        answer.starts(with: Array("HTTP/1.1 101 Switching Protocols\r\n".utf8))
    }
}
