import NIOCore
import NIOPosix

/// The server channel's handlers that keep a full descriptor table from spinning the loop: NIO's
/// `AcceptBackoffHandler` with a provider that backs off on the "table full" errors, and a
/// monitor after it that notices when accepting works again.
enum AcceptGuard {
    /// How long to stop accepting after a failure for lack of resources.
    static let backoff = TimeAmount.seconds(1)

    static func handlers(shared: CollectorServer.SharedState) -> [any ChannelHandler] {
        [
            AcceptBackoffHandler(shouldForwardIOErrorCaught: false) { error in
                backoff(after: error, shared: shared)
            },
            AcceptMonitor(shared: shared),
        ]
    }

    /// The back-off provider: counts the failure, says so at the start of an episode, and backs
    /// off on EMFILE, ENFILE, ENOBUFS and ENOMEM (others, such as ECONNABORTED, are one client's).
    static func backoff(after error: IOError, shared: CollectorServer.SharedState) -> TimeAmount? {
        let code = error.errnoCode
        guard [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(code) else { return nil }
        let starts = shared.accepts.withLockedValue { $0.failed() }
        if starts {
            let reason = "\(String(cString: strerror(code))) (errno \(code))"
            shared.logger.debug("accept failed, backing off", metadata: ["reason": "\(reason)"])
            shared.notices(
                .acceptBackingOff(reason: reason, backoffSeconds: Double(backoff.nanoseconds) / 1e9))
        }
        return backoff
    }

    /// Passes accepted channels on; the first one after failures ends the episode.
    final class AcceptMonitor: ChannelInboundHandler {
        typealias InboundIn = Any
        private let shared: CollectorServer.SharedState

        init(shared: CollectorServer.SharedState) {
            self.shared = shared
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if let failures = shared.accepts.withLockedValue({ $0.accepted() }) {
                shared.logger.debug("accepting again", metadata: ["failures": "\(failures)"])
                shared.notices(.acceptRecovered(failures: failures))
            }
            context.fireChannelRead(data)
        }
    }
}
