import NIOCore

/// Why a connection attempt failed: one of a documented set of words (`word`, the key of a
/// report's `failed_by_reason`; results/README.md lists them) with the system's detail beside it.
public enum TransportFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// No answer to the connection or the upgrade within the connect timeout (`timeout`).
    case timeout
    /// Nothing listens on the port, or the collector turned the connection away (`refused`).
    case refused(String)
    /// No route to the host: the network or the host is unreachable (`unreachable`).
    case unreachable(String)
    /// The host name does not resolve (`dns`).
    case dns(String)
    /// The peer reset the connection before it was usable (`reset`).
    case reset(String)
    /// The server closed the connection before it answered the upgrade
    /// (`closed before the answer`).
    case closedBeforeAnswer
    /// The server answered with something that is not an answer to the upgrade (`bad answer`).
    case badAnswer(String)
    /// The server answered the upgrade with an HTTP status other than 101 (`http 401`, say).
    case httpStatus(Int)
    /// The collector's certificate chain leads to no certificate authority the device trusts
    /// (`tls: unknown CA`): a self-signed or private-CA certificate without `--ca-file`.
    case tlsUnknownCA(String)
    /// A certificate of the collector's chain is past its end (or before its start) of validity
    /// (`tls: certificate expired`).
    case tlsCertificateExpired(String)
    /// The collector's certificate is not for the host name (or address) the device dialled
    /// (`tls: wrong host name`).
    case tlsWrongHostName(String)
    /// The TLS handshake failed for another reason: no common protocol version or cipher, a
    /// peer that does not speak TLS, a client certificate the collector refused
    /// (`tls: handshake failed`).
    case tlsHandshakeFailed(String)
    /// Anything else, described (`other`).
    case other(String)

    /// The reason's word: the key reports count it under.
    public var word: String {
        switch self {
        case .timeout: return "timeout"
        case .refused: return "refused"
        case .unreachable: return "unreachable"
        case .dns: return "dns"
        case .reset: return "reset"
        case .closedBeforeAnswer: return "closed before the answer"
        case .badAnswer: return "bad answer"
        case .httpStatus(let status): return "http \(status)"
        case .tlsUnknownCA: return "tls: unknown CA"
        case .tlsCertificateExpired: return "tls: certificate expired"
        case .tlsWrongHostName: return "tls: wrong host name"
        case .tlsHandshakeFailed: return "tls: handshake failed"
        case .other: return "other"
        }
    }

    /// What the system or the peer said, when there is more to say than the word.
    public var detail: String? {
        switch self {
        case .timeout, .closedBeforeAnswer, .httpStatus: return nil
        case .refused(let detail), .unreachable(let detail), .dns(let detail), .reset(let detail),
            .badAnswer(let detail), .other(let detail), .tlsUnknownCA(let detail), .tlsCertificateExpired(let detail),
            .tlsWrongHostName(let detail), .tlsHandshakeFailed(let detail):
            return detail.isEmpty ? nil : detail
        }
    }

    public var description: String { detail.map { "\(word): \($0)" } ?? word }
}

/// The words of a connection that ended without a close frame (a report's
/// `disconnected_by_reason`, beside `close <code>` for a close frame and the SDK's own closes).
public enum ConnectionEnding {
    /// The collector closed the TCP connection without a close frame (Raccoon does on a missed
    /// pong deadline).
    public static let closedByCollector = "closed by collector"
    /// The peer reset the connection.
    public static let reset = "reset"
    /// The (simulated) network dropped the connection: a link drop or an offline window.
    public static let dropped = "dropped"
    /// A frame or a message the protocol does not allow.
    public static let protocolError = "protocol error"
}

/// An error a link layer raises when it drops the connection on purpose (the link conditioner's
/// network drop), so that the transport calls the ending `dropped`, not a reset.
public protocol DeliberateDrop: Error {}

/// What a transport reports to the SDK that owns it, always on the device's event loop.
public enum TransportEvent: Sendable, Equatable {
    /// The connection is usable: for WebSocket, the upgrade succeeded.
    case connected
    /// The attempt started by `connect` failed; no `closed` follows.
    case connectFailed(TransportFailure)
    /// One message from the collector: the bytes of a serialized `SendEventResponse`.
    case received(ByteBuffer)
    /// The connection ended after `connected`: with the peer's close code and reason when it
    /// sent a close frame, `nil` when the socket simply dropped (a reset, an EOF, or a missed
    /// pong: see `missedPong(within:)`).
    case closed(code: Int?, reason: String)

    /// The reason a transport gives when it failed its socket for a pong that did not come, in
    /// OkHttp's words (`RealWebSocket.java:540-547`) less its count of successful pings, so that
    /// reports keep one key for it; the Android SDK records it as `socket_timeout`.
    public static func missedPong(within deadline: TimeAmount) -> String {
        "sent ping but didn't receive pong within \(deadline.nanoseconds / 1_000_000)ms"
    }

    /// Whether a drop's reason is a missed pong.
    public static func isMissedPong(_ reason: String) -> Bool {
        reason.hasPrefix("sent ping but didn't receive pong")
    }
}

/// Client pings: one every `interval` after the connection opens; when the pong of a ping has
/// not come `pongDeadline` after it, the transport fails the socket (no close frame) and reports
/// `closed(code: nil, reason: TransportEvent.missedPong(...))`. OkHttp's `pingInterval` checks
/// the previous pong when the next ping is due, so its deadline equals the interval.
public struct PingPolicy: Sendable, Equatable {
    public var interval: TimeAmount
    public var pongDeadline: TimeAmount

    public init(interval: TimeAmount, pongDeadline: TimeAmount? = nil) {
        self.interval = interval
        self.pongDeadline = pongDeadline ?? interval
    }
}

/// What the SDK asks of one connection attempt, from its flavor's policy.
public struct ConnectOptions: Sendable, Equatable {
    /// The longest the TCP connect plus the upgrade may take; `nil` keeps the transport's own.
    public var connectTimeout: TimeAmount?
    /// Client pings, if the flavor's socket sends them (Android's OkHttp client does).
    public var ping: PingPolicy?

    public init(connectTimeout: TimeAmount? = nil, ping: PingPolicy? = nil) {
        self.connectTimeout = connectTimeout
        self.ping = ping
    }
}

/// How an SDK instance reaches the collector. One connection at a time; not thread-safe: it
/// lives on the device's event loop like the rest of the SDK (DESIGN principle 1).
public protocol SDKTransport: AnyObject {
    /// Starts connecting with these HTTP headers (the identity headers). Reports `connected` or
    /// `connectFailed` to `handler`, then `received` and eventually `closed`.
    func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void)
    /// `connect`, with the flavor's connect timeout and client pings. A transport that cannot
    /// ping ignores them (the default).
    func connect(headers: [(String, String)], options: ConnectOptions, handler: @escaping (TransportEvent) -> Void)
    /// Sends one serialized `SendEventRequest`. Returns false when there is no usable
    /// connection ("Write to Socket Failed").
    func send(_ request: ByteBuffer) -> Bool
    /// Closes the connection with a WebSocket close code (1000 "App is paused", say). No event
    /// is reported for a close the SDK asked for.
    func close(code: Int, reason: String)
    /// Drops the connection (or the attempt) without a close handshake, as the OS does when the
    /// app is killed or the network goes away: the collector sees the TCP connection end with no
    /// close frame (Raccoon records 1006). No event is reported.
    func abort()
}

extension SDKTransport {
    public func connect(
        headers: [(String, String)], options: ConnectOptions, handler: @escaping (TransportEvent) -> Void
    ) {
        connect(headers: headers, handler: handler)
    }
}
