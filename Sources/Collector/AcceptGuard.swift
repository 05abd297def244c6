import Foundation
import NIOCore

/// Keeps a full descriptor table from spinning the accept loop. NIO's `AcceptBackoffHandler`
/// does not help here: after a failed `accept` NIO's server channel stays registered for
/// readable and never calls `read()` again through the pipeline, so the kernel's "readable"
/// comes back at once, forever (90% CPU, `/ping` starved; the CLI test with RLIMIT_NOFILE 40
/// counted 180,000 failures in 2.5 s). This handler, on the server channel, stops reading
/// (auto-read off unregisters the socket) for `backoff` after such a failure, says so once per
/// episode, and notices when an accepted connection ends the episode.
final class AcceptGuard: ChannelInboundHandler {
    typealias InboundIn = Any

    /// How long to stop accepting after a failure for lack of resources.
    static let backoff = TimeAmount.seconds(1)

    private let shared: CollectorServer.SharedState
    private var resume: Scheduled<Void>?

    init(shared: CollectorServer.SharedState) {
        self.shared = shared
    }

    /// The back-off decision: counts the failure, says so at the start of an episode, and backs
    /// off on EMFILE, ENFILE, ENOBUFS and ENOMEM (others, such as ECONNABORTED, are one client's).
    static func backoff(after error: IOError, shared: CollectorServer.SharedState) -> TimeAmount? {
        let code = error.errnoCode
        guard [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(code) else { return nil }
        let starts = shared.accepts.withLockedValue { $0.failed() }
        if starts {
            let reason = "\(String(cString: strerror(code))) (errno \(code))"
            shared.logger.debug("accept failed, backing off", metadata: ["reason": "\(reason)"])
            shared.notices(.acceptBackingOff(reason: reason, backoffSeconds: Double(backoff.nanoseconds) / 1e9))
        }
        return backoff
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let ioError = error as? IOError, let pause = Self.backoff(after: ioError, shared: shared) else {
            context.fireErrorCaught(error)
            return
        }
        guard resume == nil else { return }
        // Off: NIO unregisters the listening socket; on again: it registers and reads.
        context.channel.setOption(.autoRead, value: false).whenFailure { _ in }
        resume = context.eventLoop.assumeIsolated().scheduleTask(in: pause) {
            self.resume = nil
            context.channel.setOption(.autoRead, value: true).whenFailure { _ in }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let failures = shared.accepts.withLockedValue({ $0.accepted() }) {
            shared.logger.debug("accepting again", metadata: ["failures": "\(failures)"])
            shared.notices(.acceptRecovered(failures: failures))
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
        context.fireChannelInactive()
    }
}
