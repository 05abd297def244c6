import ClickstreamSDK
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import RaccoonGRPC

/// A transport for collectors reached over gRPC: one HTTP/2 connection, one unary
/// `raystack.raccoon.v1beta1.EventService/SendEvent` per `send`, the connect headers (the
/// identity, `population.headers`) in every call's metadata with lower-cased keys, as gRPC
/// carries them and Raccoon reads them.
///
/// The connection comes from a `ChannelConnector` (through the link conditioner in a live run;
/// TLS when the connector is a `TLSChannelConnector`) and is wrapped by grpc-swift's
/// `HTTP2ClientTransport.WrappedChannel`, which never reconnects: the SDK's own connection rules
/// decide when to dial again, as over WebSocket.
///
/// - `connected` comes once the collector's HTTP/2 preface (its SETTINGS frame) arrived, so the
///   connect time covers TCP, TLS and HTTP/2 set-up.
/// - Each call's outcome becomes what the SDK knows from a socket (README, "TLS and gRPC"):
///   status OK with a `SendEventResponse` is `received` (the SDK reads ack or error answer from
///   it); UNAVAILABLE ends the connection (`closed`); DEADLINE_EXCEEDED and CANCELLED are no
///   answer (the SDK's ack timer resends); any other status is an error answer made for the
///   SDK (`GRPCOutcome.errorAnswer`).
///
/// Event-loop bound like the other transports: create, call and drop it on `eventLoop` only;
/// the calls themselves run as tasks and report back on the loop.
public final class GRPCTransport: SDKTransport {
    public let host: String
    public let port: Int
    public let eventLoop: any EventLoop
    /// The longest TCP, TLS and the HTTP/2 preface may take (`socket_timeout`).
    public let connectTimeout: TimeAmount
    /// Each call's gRPC deadline: a call still unanswered then is given up (no answer).
    public let callTimeout: TimeAmount
    private let connector: any ChannelConnector

    typealias Attempt = TransportAttempt<GRPCSession>
    private typealias State = TransportState<GRPCSession>

    private var state = State.idle
    private var handler: ((TransportEvent) -> Void)?
    private var attempts: UInt64 = 0

    public init(
        host: String,
        port: Int,
        eventLoop: any EventLoop,
        connector: any ChannelConnector,
        connectTimeout: TimeAmount = .seconds(10),
        callTimeout: TimeAmount = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.eventLoop = eventLoop
        self.connector = connector
        self.connectTimeout = connectTimeout
        self.callTimeout = callTimeout
    }

    deinit {
        switch state {
        case .idle: break
        case .connecting(let attempt), .open(let attempt): attempt.pipeline.end(attempt)
        }
    }

    /// True between `connected` and `closed` (or the SDK's `close`).
    public var isConnected: Bool { state.isOpen }

    public func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
        connect(headers: headers, options: ConnectOptions(), handler: handler)
    }

    /// Opens the HTTP/2 connection; `headers` go into every call's metadata. gRPC has its own
    /// keepalive, which the SDKs do not use: `options.ping` is ignored.
    public func connect(
        headers: [(String, String)], options: ConnectOptions, handler: @escaping (TransportEvent) -> Void
    ) {
        eventLoop.preconditionInEventLoop()
        close(code: 1000, reason: "")
        attempts &+= 1
        let id = attempts
        let loop = eventLoop
        let timeout = options.connectTimeout ?? connectTimeout
        let timer = loop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self else { return }
            self.attemptFailed(id, .timeout)
        }
        var metadata = Metadata()
        for (name, value) in headers { metadata.addString(value, forKey: name.lowercased()) }
        let session = GRPCSession(metadata: metadata)
        self.handler = handler
        state = .connecting(Attempt(id: id, pipeline: session, timer: timer, channel: nil))
        let transport = NIOLoopBound(WeakTransport(self), eventLoop: loop)
        let watcher = NIOLoopBound(PrefaceWatcher(transport: self, id: id), eventLoop: loop)
        session.runner = GRPCSession.run(
            connector: connector, host: host, port: port, loop: loop, timeout: timeout, watcher: watcher,
            made: { client, channel in transport.value.transport?.clientMade(id, client, channel) },
            failed: { failure in transport.value.transport?.attemptFailed(id, failure) })
    }

    /// Starts one `SendEvent` with the serialized `SendEventRequest`. False when not connected.
    public func send(_ request: ByteBuffer) -> Bool {
        eventLoop.preconditionInEventLoop()
        guard case .open(let attempt) = state, let client = attempt.pipeline.client else { return false }
        let id = attempt.id
        let transport = NIOLoopBound(WeakTransport(self), eventLoop: eventLoop)
        GRPCSession.call(
            client, request: request, metadata: attempt.pipeline.metadata, timeout: callTimeout, loop: eventLoop
        ) { outcome in
            transport.value.transport?.callFinished(id, outcome)
        }
        return true
    }

    /// Ends the connection (grpc-swift sends GOAWAY); unanswered calls are lost. Reports nothing.
    public func close(code: Int, reason: String) {
        eventLoop.preconditionInEventLoop()
        let current = state
        state = .idle
        handler = nil
        switch current {
        case .idle: break
        case .connecting(let attempt), .open(let attempt): attempt.pipeline.end(attempt)
        }
    }

    /// Drops the TCP connection: HTTP/2 has no goodbye the SDK would skip, so this is `close`.
    public func abort() {
        close(code: 1006, reason: "")
    }

    // MARK: Reports, all on the event loop

    private func clientMade(
        _ id: UInt64, _ client: GRPCClient<HTTP2ClientTransport.WrappedChannel>, _ channel: any Channel
    ) {
        guard case .connecting(var attempt) = state, attempt.id == id else {
            // Given up on already (timeout or close): the connection goes too.
            client.beginGracefulShutdown()
            channel.close(promise: nil)
            return
        }
        attempt.pipeline.client = client
        attempt.channel = channel
        state = .connecting(attempt)
        openIfReady(id)
    }

    /// The collector's HTTP/2 preface arrived.
    func serverSpoke(_ id: UInt64) {
        guard case .connecting(let attempt) = state, attempt.id == id else { return }
        attempt.pipeline.serverSpoke = true
        openIfReady(id)
    }

    private func openIfReady(_ id: UInt64) {
        guard case .connecting(var attempt) = state, attempt.id == id, attempt.pipeline.serverSpoke,
            attempt.pipeline.client != nil
        else { return }
        attempt.timer?.cancel()
        attempt.timer = nil
        state = .open(attempt)
        handler?(.connected)
    }

    func attemptFailed(_ id: UInt64, _ failure: TransportFailure) {
        guard case .connecting(let attempt) = state, attempt.id == id else { return }
        state = .idle
        attempt.pipeline.end(attempt)
        finish(.connectFailed(failure))
    }

    func ended(_ id: UInt64, reason: String) {
        guard case .open(let attempt) = state, attempt.id == id else { return }
        state = .idle
        attempt.pipeline.end(attempt)
        finish(.closed(code: nil, reason: reason))
    }

    private func callFinished(_ id: UInt64, _ outcome: GRPCOutcome) {
        guard case .open(let attempt) = state, attempt.id == id else { return }
        switch outcome {
        case .answer(let bytes): handler?(.received(bytes))
        case .noAnswer: break
        case .disconnect(let reason): ended(id, reason: reason)
        }
    }

    private func finish(_ event: TransportEvent) {
        let handler = self.handler
        self.handler = nil
        handler?(event)
    }

    /// A transport reference that does not keep the transport alive (its SDK owns it).
    struct WeakTransport {
        weak var transport: GRPCTransport?
        init(_ transport: GRPCTransport) { self.transport = transport }
    }
}
