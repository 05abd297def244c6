import ClickSwarmTestSupport
import ClickstreamSDK
import ClickstreamTransports
import Collector
import Foundation
import NIOCore
import NIOPosix
import RaccoonWire
import Testing

@Suite("WebSocket transport over loopback")
struct WebSocketTransportTests {
    @Test("connects with X-User-ID, sends a batch and receives the OK answer with its req_guid")
    func sendAndAck() async throws {
        try await withCollector { server in
            let probe = try await TransportProbe.webSocket(port: server.port)
            try await probe.connect(headers: [("X-User-ID", "device-1")])
            #expect(try await probe.next() == .connected)
            #expect(try await probe.send(TransportFixtures.request("batch-1")))
            let response = try await probe.nextResponse()
            #expect(response.status == .success)
            #expect(response.code == .ok)
            #expect(response.data["req_guid"] == "batch-1")
            let stats = try await server.stats()
            #expect(stats.connections.current == 1)
            #expect(stats.batches.received == 1)
            #expect(stats.events.received == 2)
            try await probe.close(code: 1000, reason: "done")
        }
    }

    @Test("a second connection for the same identity gets code 5, then close 1008")
    func duplicateIdentity() async throws {
        try await withCollector { server in
            let first = try await TransportProbe.webSocket(port: server.port)
            try await first.connect(headers: [("X-User-ID", "same"), ("X-User-Group", "riders")])
            #expect(try await first.next() == .connected)
            let second = try await TransportProbe.webSocket(port: server.port)
            try await second.connect(headers: [("X-User-ID", "same"), ("X-User-Group", "riders")])
            #expect(try await second.next() == .connected)
            let rejection = try await second.nextResponse()
            #expect(rejection.status == .error)
            #expect(rejection.code == .maxUserLimitReached)
            let closed = try await second.next()
            guard case .closed(let code, let reason) = closed else {
                Issue.record("expected closed, got \(closed)")
                return
            }
            #expect(code == 1008)
            #expect(reason == "duplicate connection: same")
            #expect(try await second.noEvent(within: .milliseconds(200)))
            #expect(try await second.send(TransportFixtures.request("too-late")) == false)
            // The first connection is untouched.
            #expect(try await first.send(TransportFixtures.request("still-here")))
            #expect(try await first.nextResponse().data["req_guid"] == "still-here")
            try await first.close(code: 1000, reason: "done")
        }
    }

    @Test("server pings are answered: the connection outlives several pong deadlines")
    func pingsAnswered() async throws {
        try await withCollector({
            // A deadline loose enough for a loaded CI machine running the suite in parallel (a 3 s
            // one was missed there: the whole suite on two busy cores).
            $0.pingInterval = 1
            $0.pongTimeout = 10
        }) { server in
            let probe = try await TransportProbe.webSocket(port: server.port)
            try await probe.connect(headers: [("X-User-ID", "pinged")])
            #expect(try await probe.next() == .connected)
            // Without pongs the collector would drop it after 10 s; this spans two deadlines.
            #expect(try await probe.noEvent(within: .seconds(21)))
            #expect(try await probe.send(TransportFixtures.request("alive")))
            #expect(try await probe.nextResponse().code == .ok)
            let stats = try await server.stats()
            #expect(stats.connections.current == 1)
            #expect(stats.connections.closedTotal == 0)
            try await probe.close(code: 1000, reason: "done")
        }
    }

    @Test("collector shutdown is reported as closed with code 1001")
    func collectorShutdown() async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = 1
        let server = try await CollectorServer.start(configuration: configuration)
        let probe = try await TransportProbe.webSocket(port: server.port)
        try await probe.connect(headers: [("X-User-ID", "leaving")])
        #expect(try await probe.next() == .connected)
        try await server.shutdown()
        #expect(try await probe.next() == .closed(code: 1001, reason: "collector shutting down"))
        #expect(try await probe.noEvent(within: .milliseconds(200)))
    }

    @Test("a closed port is connectFailed(.refused)")
    func refused() async throws {
        let port = try await TransportFixtures.closedPort()
        let probe = try await TransportProbe.webSocket(port: port)
        try await probe.connect(headers: [("X-User-ID", "nobody-home")])
        let event = try await probe.next()
        #expect(TransportFixtures.isRefused(event), "got \(event)")
        #expect(try await probe.noEvent(within: .milliseconds(100)))
    }

    @Test("a server that accepts TCP but never answers the upgrade is connectFailed(.timeout)")
    func silentServer() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let probe = try await TransportProbe.webSocket(port: port, connectTimeout: .milliseconds(200))
        let started = ContinuousClock.now
        try await probe.connect(headers: [("X-User-ID", "patient")])
        #expect(try await probe.next(timeout: .seconds(5)) == .connectFailed(.timeout))
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        #expect(try await probe.noEvent(within: .milliseconds(100)))
        try await server.close()
    }

    @Test("an HTTP 401 answer to the upgrade is connectFailed(.httpStatus(401))")
    func unauthorized() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CannedHTTPAnswer(status: "401 Unauthorized"))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let probe = try await TransportProbe.webSocket(port: port)
        try await probe.connect(headers: [("X-User-ID", "stranger")])
        #expect(try await probe.next() == .connectFailed(.httpStatus(401)))
        #expect(try await probe.noEvent(within: .milliseconds(100)))
        try await server.close()
    }

    @Test("close(1000, \"App is paused\") ends the collector's connection and reports nothing")
    func closeByApp() async throws {
        try await withCollector { server in
            let probe = try await TransportProbe.webSocket(port: server.port)
            try await probe.connect(headers: [("X-User-ID", "pausing")])
            #expect(try await probe.next() == .connected)
            #expect(try await probe.send(TransportFixtures.request("before-pause")))
            #expect(try await probe.nextResponse().code == .ok)
            #expect(try await server.stats().connections.current == 1)
            try await probe.close(code: 1000, reason: "App is paused")
            #expect(try await probe.send(TransportFixtures.request("after-pause")) == false)
            try await waitUntil { try await server.stats().connections.current == 0 }
            #expect(try await server.stats().connections.closedTotal == 1)
            #expect(try await probe.noEvent(within: .milliseconds(200)))
            // The same transport connects again, as after the app comes back.
            try await probe.connect(headers: [("X-User-ID", "pausing")])
            #expect(try await probe.next() == .connected)
            #expect(try await probe.send(TransportFixtures.request("after-resume")))
            #expect(try await probe.nextResponse().data["req_guid"] == "after-resume")
            try await probe.close(code: 1000, reason: "done")
        }
    }
}

// MARK: - Shared by the transport tests

/// A transport living on one event loop, as in the SDK, with every event it reported.
/// Tests drive it from outside the loop; each call hops onto it.
final class TransportProbe: Sendable {
    struct Timeout: Error, CustomStringConvertible {
        var description: String { "timed out waiting for a transport event" }
    }

    final class Recorder {
        let transport: any SDKTransport
        private var events: [TransportEvent] = []
        private var waiter: (promise: EventLoopPromise<TransportEvent?>, timer: Scheduled<Void>)?

        init(transport: any SDKTransport) {
            self.transport = transport
        }

        func record(_ event: TransportEvent) {
            if let waiter {
                self.waiter = nil
                waiter.timer.cancel()
                waiter.promise.succeed(event)
            } else {
                events.append(event)
            }
        }

        /// The next event, or `nil` after `timeout`.
        func next(timeout: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<TransportEvent?> {
            if !events.isEmpty { return loop.makeSucceededFuture(events.removeFirst()) }
            precondition(waiter == nil, "one wait at a time")
            let promise = loop.makePromise(of: TransportEvent?.self)
            let timer = loop.assumeIsolated().scheduleTask(in: timeout) {
                self.waiter = nil
                promise.succeed(nil)
            }
            waiter = (promise, timer)
            return promise.futureResult
        }
    }

    let loop: any EventLoop
    private let recorder: NIOLoopBound<Recorder>

    private init(loop: any EventLoop, recorder: NIOLoopBound<Recorder>) {
        self.loop = loop
        self.recorder = recorder
    }

    /// Makes the transport on `loop` (it must be created and used there).
    static func make(
        on loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next(),
        _ build: @escaping @Sendable (any EventLoop) -> any SDKTransport
    ) async throws -> TransportProbe {
        let recorder = try await loop.submit { NIOLoopBound(Recorder(transport: build(loop)), eventLoop: loop) }.get()
        return TransportProbe(loop: loop, recorder: recorder)
    }

    func connect(headers: [(String, String)]) async throws {
        let recorder = self.recorder
        try await loop.submit {
            let value = recorder.value
            value.transport.connect(headers: headers) { [weak value] event in value?.record(event) }
        }.get()
    }

    func connect(headers: [(String, String)], options: ConnectOptions) async throws {
        let recorder = self.recorder
        try await loop.submit {
            let value = recorder.value
            value.transport.connect(headers: headers, options: options) { [weak value] event in value?.record(event) }
        }.get()
    }

    func abort() async throws {
        let recorder = self.recorder
        try await loop.submit { recorder.value.transport.abort() }.get()
    }

    func send(_ bytes: [UInt8]) async throws -> Bool {
        let recorder = self.recorder
        return try await loop.submit { recorder.value.transport.send(ByteBuffer(bytes: bytes)) }.get()
    }

    func close(code: Int, reason: String) async throws {
        let recorder = self.recorder
        try await loop.submit { recorder.value.transport.close(code: code, reason: reason) }.get()
    }

    /// The next event; throws `Timeout` when none comes in time.
    func next(timeout: TimeAmount = .seconds(5)) async throws -> TransportEvent {
        let recorder = self.recorder
        let loop = self.loop
        guard let event = try await loop.flatSubmit({ recorder.value.next(timeout: timeout, on: loop) }).get() else {
            throw Timeout()
        }
        return event
    }

    /// True when nothing is reported for `duration`.
    func noEvent(within duration: TimeAmount) async throws -> Bool {
        do {
            let event = try await next(timeout: duration)
            Issue.record("unexpected event \(event)")
            return false
        } catch is Timeout {
            return true
        }
    }

    /// The next event, which must be `received`, decoded as a `SendEventResponse`.
    func nextResponse(timeout: TimeAmount = .seconds(5)) async throws -> SendEventResponse {
        let event = try await next(timeout: timeout)
        guard case .received(let buffer) = event else {
            Issue.record("expected a response, got \(event)")
            throw Timeout()
        }
        return try SendEventResponse(serializedBytes: Array(buffer.readableBytesView))
    }
}

extension TransportProbe {
    static func webSocket(port: Int, connectTimeout: TimeAmount = .seconds(5)) async throws -> TransportProbe {
        try await make { loop in
            WebSocketTransport(
                host: "127.0.0.1", port: port, eventLoop: loop, connector: BootstrapConnector(),
                connectTimeout: connectTimeout)
        }
    }
}

enum TransportFixtures {
    static func request(_ guid: String, events: Int = 2) -> [UInt8] {
        var request = SendEventRequest()
        request.reqGuid = guid
        request.sentTime = ProtoTimestamp(seconds: 1_700_000_000, nanos: 0)
        request.events = (0..<events).map { index in
            var event = RaccoonEvent()
            event.eventBytes = Data("click \(index) of \(guid)".utf8)
            event.type = "app-buttonclick"
            return event
        }
        return try! request.serializedBytes()
    }

    static func isRefused(_ event: TransportEvent) -> Bool {
        if case .connectFailed(.refused) = event { return true }
        return false
    }

    /// A loopback port nothing listens on (it was bound a moment ago, then released).
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }
}

/// Answers the first request on a connection with a fixed HTTP status and no body.
private final class CannedHTTPAnswer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let status: String
    private var answered = false

    init(status: String) {
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        answered = true
        let answer = "HTTP/1.1 \(status)\r\nContent-Length: 0\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
    }
}
