import ClickstreamSDK
import NIOCore
import NIOSSL
import NIOTLS

/// A connector that puts TLS on another connector's channels: the TLS handler goes right after
/// the inner connector's own handlers (the link conditioner, in a live run, so that the
/// handshake crosses the simulated link too) and before the transport's.
///
/// The returned future succeeds only once the handshake is done, so a transport's connect time
/// includes the handshake, and a refused certificate fails the connect with its reason in words
/// (`TransportFailure.tls…`).
public struct TLSChannelConnector: ChannelConnector {
    public let inner: any ChannelConnector
    public let context: TLSClientContext

    public init(inner: any ChannelConnector, context: TLSClientContext) {
        self.inner = inner
        self.context = context
    }

    public func connect(
        host: String,
        port: Int,
        on eventLoop: any EventLoop,
        timeout: TimeAmount,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        let handshake = eventLoop.makePromise(of: Void.self)
        let context = self.context
        let connected = inner.connect(host: host, port: port, on: eventLoop, timeout: timeout) { channel in
            do {
                let verdict = TLSVerdictBox()
                let tls = try context.makeHandler(host: host, verdict: verdict)
                try channel.pipeline.syncOperations.addHandlers(
                    tls, TLSHandshakeWatcher(handshake: handshake, verdict: verdict))
            } catch {
                handshake.fail(TransportFailure.tlsHandshakeFailed("\(error)"))
                return channel.eventLoop.makeFailedFuture(TransportFailure.tlsHandshakeFailed("\(error)"))
            }
            return initializer(channel)
        }
        connected.whenFailure { handshake.fail($0) }
        return connected.flatMap { channel in handshake.futureResult.map { channel } }
    }
}

/// Sits behind the TLS handler: completes the connector's handshake promise, and turns the TLS
/// library's errors into `TransportFailure` words for the handlers behind it.
final class TLSHandshakeWatcher: ChannelInboundHandler {
    typealias InboundIn = NIOAny
    typealias InboundOut = NIOAny

    private let handshake: EventLoopPromise<Void>
    private let verdict: TLSVerdictBox
    private var done = false

    init(handshake: EventLoopPromise<Void>, verdict: TLSVerdictBox) {
        self.handshake = handshake
        self.verdict = verdict
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event, !done {
            done = true
            handshake.succeed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure = Self.failure(for: error, verdict: verdict.value)
        if !done {
            done = true
            handshake.fail(failure ?? error)
        }
        context.fireErrorCaught(failure ?? error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            handshake.fail(
                TransportFailure.tlsHandshakeFailed("the collector closed the connection during the handshake"))
        }
        context.fireChannelInactive()
    }

    /// The words of a TLS error, or nil for an error that is not the TLS library's (a reset
    /// keeps its own word).
    static func failure(for error: any Error, verdict: TransportFailure?) -> TransportFailure? {
        switch error {
        case let error as NIOSSLError:
            if let verdict { return verdict }
            if case .handshakeFailed(let cause) = error { return .tlsHandshakeFailed(reason(cause)) }
            return .tlsHandshakeFailed("\(error)")
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return .tlsWrongHostName("\(error)")
        case is NIOSSLExtraError:
            return .tlsHandshakeFailed("\(error)")
        default:
            return nil
        }
    }

    /// BoringSSL's reason names (`error:10000116:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA
    /// at …`) as words: `tlsv1 alert unknown ca`.
    static func reason(_ error: BoringSSLError) -> String {
        guard case .sslError(let errors) = error, !errors.isEmpty else { return "\(error)" }
        return errors.map { entry in
            let text = "\(entry)"
            let head = text.range(of: " at ").map { String(text[..<$0.lowerBound]) } ?? text
            let name = head.split(separator: ":").last.map(String.init) ?? head
            return name.replacingOccurrences(of: "_", with: " ").lowercased()
        }.joined(separator: ", ")
    }
}
