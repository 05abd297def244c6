import NIOCore

/// Why a connection attempt failed, in the words of the SDKs' health events.
public enum TransportFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// No answer to the connection or the upgrade within the connect timeout (`socket_timeout`).
    case timeout
    /// The server refused the TCP connection, or it dropped before the upgrade finished.
    case refused(String)
    /// The server answered the upgrade with an HTTP status other than 101 (`401`, say).
    case httpStatus(Int)
    /// Any other failure, described.
    case other(String)

    public var description: String {
        switch self {
        case .timeout: return "socket_timeout"
        case .refused(let reason): return "connection refused: \(reason)"
        case .httpStatus(let status): return "\(status)"
        case .other(let reason): return reason
        }
    }
}

/// What a transport reports to the SDK that owns it, always on the device's event loop.
public enum TransportEvent: Sendable, Equatable {
    /// The connection is usable: for WebSocket, the upgrade succeeded.
    case connected
    /// The attempt started by `connect` failed; no `closed` follows.
    case connectFailed(TransportFailure)
    /// One message from the collector: the bytes of a serialized `SendEventResponse`.
    case received(ByteBuffer)
    /// The connection ended after `connected`: with the peer's close code and reason when it
    /// sent a close frame, `nil` when the socket simply dropped.
    case closed(code: Int?, reason: String)
}

/// How an SDK instance reaches the collector. One connection at a time; not thread-safe: it
/// lives on the device's event loop like the rest of the SDK (DESIGN principle 1).
public protocol SDKTransport: AnyObject {
    /// Starts connecting with these HTTP headers (the identity headers). Reports `connected` or
    /// `connectFailed` to `handler`, then `received` and eventually `closed`.
    func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void)
    /// Sends one serialized `SendEventRequest`. Returns false when there is no usable
    /// connection ("Write to Socket Failed").
    func send(_ request: ByteBuffer) -> Bool
    /// Closes the connection with a WebSocket close code (1000 "App is paused", say). No event
    /// is reported for a close the SDK asked for.
    func close(code: Int, reason: String)
}
