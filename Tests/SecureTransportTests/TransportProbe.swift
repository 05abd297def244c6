import ClickstreamSDK
import NIOCore
import NIOPosix

/// Drives one SDK transport over real loopback sockets: connects, sends, and collects what the
/// transport reports, all on one event loop, without sleeps (a watchdog ends a probe that hears
/// nothing more).
enum TransportProbe {
    struct Outcome: Sendable {
        /// `connected` or `connectFailed`.
        var first: TransportEvent
        var received: [ByteBuffer] = []
        /// The `closed` event, if the connection ended.
        var closed: TransportEvent?
    }

    static let group = MultiThreadedEventLoopGroup.singleton

    /// Connects with `headers`, sends `requests` once connected, and returns when `answers`
    /// messages arrived, the connection failed or ended, or `watchdog` passed.
    static func run(
        headers: [(String, String)] = [("X-User-ID", "probe-1")], requests: [ByteBuffer] = [], answers: Int = 0,
        watchdog: TimeAmount = .seconds(15),
        _ makeTransport: @escaping @Sendable (any EventLoop) -> any SDKTransport
    ) async throws -> Outcome {
        let loop = group.next()
        let headerList = headers.map { [$0.0, $0.1] }
        return try await loop.flatSubmit { () -> EventLoopFuture<Outcome> in
            let transport = makeTransport(loop)
            let done = loop.makePromise(of: Outcome.self)
            var outcome: Outcome?
            var finished = false
            func finish(_ value: Outcome) {
                guard !finished else { return }
                finished = true
                done.succeed(value)
            }
            let watchdogTask = loop.assumeIsolated().scheduleTask(in: watchdog) {
                finish(outcome ?? Outcome(first: .connectFailed(.other("the probe's watchdog passed"))))
            }
            transport.connect(headers: headerList.map { ($0[0], $0[1]) }) { event in
                switch event {
                case .connected:
                    outcome = Outcome(first: event)
                    if answers == 0 { finish(outcome!) }
                    for request in requests { _ = transport.send(request) }
                case .connectFailed:
                    finish(Outcome(first: event))
                case .received(let bytes):
                    outcome?.received.append(bytes)
                    if let outcome, outcome.received.count >= answers { finish(outcome) }
                case .closed:
                    outcome?.closed = event
                    finish(outcome ?? Outcome(first: event))
                }
            }
            return done.futureResult.assumeIsolated().map { value in
                watchdogTask.cancel()
                transport.abort()
                return value
            }.nonisolated()
        }.get()
    }
}
