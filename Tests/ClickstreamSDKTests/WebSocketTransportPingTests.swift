import ClickSwarmTestSupport
import ClickstreamSDK
import ClickstreamTransports
import Collector
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

/// Client pings and the abort, on NIO's embedded channel (virtual time) and over loopback.
@Suite("WebSocket transport: client pings and abort")
struct WebSocketTransportPingTests {
    typealias Fixture = WebSocketTransportEmbeddedTests.Fixture
    static let pings = ConnectOptions(ping: PingPolicy(interval: .seconds(1)))

    @Test("RealWebSocket.java:258-260: the first ping one interval after the open, masked, then one per interval")
    func pingSchedule() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade(options: Self.pings)
        fixture.loop.advanceTime(by: .milliseconds(999))
        #expect(try fixture.outboundFrames().isEmpty)
        fixture.loop.advanceTime(by: .milliseconds(1))
        #expect(try fixture.outboundFrames() == [ClientFrame(fin: true, opcode: 0x9, masked: true, payload: [])])
        try fixture.feed(serverFrame(opcode: 0xA, []))
        fixture.loop.advanceTime(by: .seconds(1))
        #expect(try fixture.outboundFrames().map(\.opcode) == [0x9])
        #expect(fixture.events.isEmpty && fixture.transport.isConnected)
    }

    @Test("RealWebSocket.java:540-547: no pong when the next ping is due fails the socket, no close frame")
    func missedPong() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade(options: Self.pings)
        fixture.loop.advanceTime(by: .seconds(1))
        try fixture.feed(serverFrame(opcode: 0xA, []))
        fixture.loop.advanceTime(by: .seconds(1))
        _ = try fixture.outboundFrames()
        fixture.loop.advanceTime(by: .milliseconds(999))
        #expect(fixture.events.isEmpty)
        fixture.loop.advanceTime(by: .milliseconds(1))
        #expect(
            fixture.events == [.closed(code: nil, reason: TransportEvent.missedPong(within: .seconds(1)))])
        #expect(try fixture.outboundFrames().isEmpty, "no close frame, no ping")
        #expect(!fixture.channel.isActive)
        fixture.channel.pipeline.fireChannelInactive()
        #expect(fixture.events.count == 1)
    }

    @Test("a pong deadline shorter than the interval is checked on its own")
    func shortDeadline() throws {
        let fixture = Fixture()
        let options = ConnectOptions(ping: PingPolicy(interval: .seconds(2), pongDeadline: .milliseconds(500)))
        try fixture.connectAndUpgrade(options: options)
        fixture.loop.advanceTime(by: .milliseconds(2_499))
        #expect(fixture.events.isEmpty)
        fixture.loop.advanceTime(by: .milliseconds(1))
        #expect(fixture.events.count == 1)
        #expect(!fixture.channel.isActive)
    }

    @Test("without a ping policy nothing is pinged (iOS, and the transport's plain connect)")
    func noPings() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade()
        fixture.loop.advanceTime(by: .seconds(60))
        #expect(try fixture.outboundFrames().isEmpty)
        #expect(fixture.events.isEmpty)
    }

    @Test("the ping, pong and close timers are armed on the scheduler given, and cancelled there")
    func timersOnTheGivenScheduler() throws {
        let scheduler = RecordingScheduler()
        let fixture = Fixture(timers: { loop in
            scheduler.inner = EventLoopScheduler(loop: loop)
            return scheduler
        })
        let options = ConnectOptions(ping: PingPolicy(interval: .seconds(2), pongDeadline: .milliseconds(500)))
        try fixture.connectAndUpgrade(options: options)
        let opened = fixture.loop.now
        #expect(scheduler.armed == [opened + .seconds(2)])
        fixture.loop.advanceTime(by: .seconds(2))
        #expect(try fixture.outboundFrames().map(\.opcode) == [0x9])
        // The pong deadline, then the next ping.
        #expect(scheduler.armed.dropFirst() == [opened + .milliseconds(2_500), opened + .seconds(4)])
        try fixture.feed(serverFrame(opcode: 0xA, []))
        #expect(scheduler.cancelled == 1, "the pong cancels its deadline")
        fixture.transport.close(code: 1000, reason: "App is paused")
        #expect(scheduler.armed.last == fixture.loop.now + .seconds(2), "the close handshake's grace")
        #expect(try fixture.outboundFrames().map(\.opcode) == [0x8])
        // The collector's close answer removes the handlers: the ping and grace timers go.
        try fixture.feed(serverFrame(opcode: 0x8, [0x03, 0xE8]))
        fixture.channel.pipeline.fireChannelInactive()
        _ = try? fixture.channel.finish()
        #expect(scheduler.cancelled == 3, "\(scheduler.cancelled)")
        fixture.loop.advanceTime(by: .seconds(10))
        #expect(try fixture.outboundFrames().isEmpty, "no ping after the close")
    }

    /// Arms on the loop's own timers and records each deadline and cancel.
    final class RecordingScheduler: SDKScheduler {
        var inner: EventLoopScheduler?
        var armed: [NIODeadline] = []
        var cancelled = 0

        func schedule(at deadline: NIODeadline, _ body: @escaping () -> Void) {
            armed.append(deadline)
            inner?.schedule(at: deadline, body)
        }

        func scheduleCancellable(at deadline: NIODeadline, _ body: @escaping () -> Void) -> SDKTimerHandle {
            armed.append(deadline)
            return inner?.scheduleCancellable(at: deadline, body) ?? SDKTimerHandle(scheduled: nil)
        }

        func cancel(_ timer: SDKTimerHandle) {
            cancelled += 1
            inner?.cancel(timer)
        }
    }

    @Test("abort closes the socket with no close frame and reports nothing (an app kill)")
    func abort() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade(options: Self.pings)
        fixture.transport.abort()
        #expect(try fixture.outboundFrames().isEmpty)
        #expect(!fixture.channel.isActive)
        #expect(fixture.transport.send(ByteBuffer(string: "late")) == false)
        fixture.loop.advanceTime(by: .seconds(10))
        #expect(fixture.events.isEmpty)
    }

    @Test("over loopback: the collector answers the pings, the socket outlives several deadlines")
    func loopbackPongs() async throws {
        try await withCollector { server in
            let probe = try await TransportProbe.webSocket(port: server.port)
            try await probe.connect(
                headers: [("X-User-ID", "pinger")],
                // A second between pings: a loaded CI machine running the suite in parallel can
                // hold a loop for a few hundred milliseconds.
                options: ConnectOptions(ping: PingPolicy(interval: .seconds(1))))
            #expect(try await probe.next() == .connected)
            // Three pong deadlines pass without a drop.
            #expect(try await probe.noEvent(within: .milliseconds(3_500)))
            #expect(try await probe.send(TransportFixtures.request("still-up")))
            #expect(try await probe.nextResponse().code == .ok)
            try await probe.close(code: 1000, reason: "done")
        }
    }

    @Test("over loopback: a stalled collector stops reading, so the pong never comes and the socket fails")
    func loopbackStall() async throws {
        try await withCollector({ $0.faults.publishStall = true }) { server in
            let probe = try await TransportProbe.webSocket(port: server.port)
            try await probe.connect(
                headers: [("X-User-ID", "stalled")],
                options: ConnectOptions(ping: PingPolicy(interval: .seconds(1))))
            #expect(try await probe.next() == .connected)
            // The held batch turns the collector's reading off; the pings behind it go unanswered.
            #expect(try await probe.send(TransportFixtures.request("held")))
            let event = try await probe.next(timeout: .seconds(10))
            guard case .closed(nil, let reason) = event else {
                Issue.record("expected a drop, got \(event)")
                return
            }
            #expect(TransportEvent.isMissedPong(reason))
        }
    }

    @Test("over loopback: abort ends the collector's connection with no close handshake")
    func loopbackAbort() async throws {
        try await withCollector { server in
            let probe = try await TransportProbe.webSocket(port: server.port)
            try await probe.connect(headers: [("X-User-ID", "killed")], options: ConnectOptions())
            #expect(try await probe.next() == .connected)
            try await waitUntil { try await server.stats().connections.current == 1 }
            try await probe.abort()
            try await waitUntil { try await server.stats().connections.current == 0 }
            #expect(try await server.stats().connections.closedTotal == 1)
            #expect(try await probe.noEvent(within: .milliseconds(100)))
        }
    }
}
