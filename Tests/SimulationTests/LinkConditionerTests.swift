import ClickSwarmTestSupport
import ClickstreamSDK
import ClickstreamTransports
import Collector
import NIOCore
import NIOEmbedded
import NIOPosix
import RaccoonWire
import SwarmPrimitives
import Testing

@testable import Simulation

@Suite("Link conditioner on a virtual clock")
struct LinkConditionerTests {
    @Test("the connection costs a round trip before channelActive reaches the handlers behind")
    func connectRoundTrip() throws {
        let link = try EmbeddedLink(profile: LinkProfile(latency: 0.05), activate: false)
        try link.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        #expect(link.channel.isActive)
        #expect(!link.events.active)
        #expect(!link.conditioner.isConnected)
        link.advance(ms: 99)
        #expect(!link.events.active)
        link.advance(ms: 1)
        #expect(link.events.active)
        #expect(link.conditioner.isConnected)
    }

    @Test("a write reaches the socket side after the latency, and its promise completes then")
    func writeAfterLatency() throws {
        let link = try EmbeddedLink(profile: LinkProfile(latency: 0.05))
        let written = link.channel.eventLoop.makePromise(of: Void.self)
        link.channel.writeAndFlush(ByteBuffer(string: "hello"), promise: written)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == nil)
        link.advance(ms: 49)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(!link.isDone(written.futureResult))
        link.advance(ms: 1)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "hello"))
        #expect(link.isDone(written.futureResult))
    }

    @Test("a write waits for its flush; the delay runs from the flush")
    func writeWaitsForFlush() throws {
        let link = try EmbeddedLink(profile: LinkProfile(latency: 0.01))
        link.channel.write(ByteBuffer(string: "a"), promise: nil)
        link.advance(ms: 50)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == nil)
        link.channel.flush()
        link.advance(ms: 9)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == nil)
        link.advance(ms: 1)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "a"))
    }

    @Test("under jitter messages keep their order and arrive at the seed's times", arguments: [1, 2] as [UInt64])
    func fifoUnderJitter(seed: UInt64) throws {
        func arrivals() throws -> [(index: Int, ms: Int)] {
            let profile = LinkProfile(latency: 0.01, jitter: .uniform(0, 0.2))
            let link = try EmbeddedLink(profile: profile, seed: seed)
            for index in 0..<50 {
                link.channel.writeAndFlush(ByteBuffer(integer: UInt32(index)), promise: nil)
                link.advance(ms: 2)
            }
            var seen: [(index: Int, ms: Int)] = []
            for ms in 0..<400 {
                while var buffer = try link.channel.readOutbound(as: ByteBuffer.self) {
                    seen.append((index: Int(buffer.readInteger(as: UInt32.self)!), ms: ms))
                }
                link.advance(ms: 1)
            }
            return seen
        }
        let first = try arrivals()
        #expect(first.map(\.index) == Array(0..<50))
        // Jitter spreads the arrivals out: the gaps differ from the 2 ms between sends.
        let gaps = Set(zip(first.dropFirst(), first).map { $0.ms - $1.ms })
        #expect(gaps.count > 3)
        let again = try arrivals()
        #expect(again.map(\.ms) == first.map(\.ms))
    }

    @Test("each direction draws its own jitter: reads in between do not change the writes' delays")
    func directionsIndependent() throws {
        func writeArrivals(readsInBetween: Bool) throws -> [Int] {
            let link = try EmbeddedLink(profile: LinkProfile(latency: 0.01, jitter: .exponential(mean: 0.05)))
            for index in 0..<20 {
                link.channel.writeAndFlush(ByteBuffer(integer: UInt8(index)), promise: nil)
                if readsInBetween { try link.channel.writeInbound(ByteBuffer(integer: UInt8(index))) }
                link.advance(ms: 3)
            }
            var arrivals: [Int] = []
            for ms in 0..<2_000 {
                while try link.channel.readOutbound(as: ByteBuffer.self) != nil { arrivals.append(ms) }
                link.advance(ms: 1)
            }
            return arrivals
        }
        let alone = try writeArrivals(readsInBetween: false)
        #expect(alone.count == 20)
        #expect(try writeArrivals(readsInBetween: true) == alone)
    }

    @Test("bandwidth serialises messages: 10 KB at 10 KB/s takes 1 s and the next one waits")
    func bandwidth() throws {
        let link = try EmbeddedLink(profile: LinkProfile(bandwidth: 10_000))
        let payload = ByteBuffer(repeating: 7, count: 10_000)
        link.channel.writeAndFlush(payload, promise: nil)
        link.channel.writeAndFlush(payload, promise: nil)
        link.advance(ms: 999)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == nil)
        link.advance(ms: 1)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self)?.readableBytes == 10_000)
        link.advance(ms: 998)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == nil)
        link.advance(ms: 2)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self)?.readableBytes == 10_000)
    }

    @Test("a read reaches the handlers behind after the latency plus its transmission time")
    func inboundDelay() throws {
        let link = try EmbeddedLink(profile: LinkProfile(latency: 0.05, bandwidth: 1_000))
        try link.channel.writeInbound(ByteBuffer(repeating: 1, count: 100))
        try link.channel.writeInbound(ByteBuffer(repeating: 2, count: 100))
        link.advance(ms: 149)
        #expect(try link.channel.readInbound(as: ByteBuffer.self) == nil)
        link.advance(ms: 1)
        #expect(try link.channel.readInbound(as: ByteBuffer.self)?.readableBytesView.first == 1)
        #expect(try link.channel.readInbound(as: ByteBuffer.self) == nil)
        link.advance(ms: 100)
        #expect(try link.channel.readInbound(as: ByteBuffer.self)?.readableBytesView.first == 2)
        #expect(link.events.readCompletes == 2)
    }

    @Test("the peer's FIN arrives behind the data sent before it, then the channel closes")
    func delayedInputClose() throws {
        let link = try EmbeddedLink(profile: LinkProfile(latency: 0.05))
        try link.channel.writeInbound(ByteBuffer(string: "last words"))
        link.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        link.advance(ms: 49)
        #expect(link.channel.isActive)
        link.advance(ms: 1)
        #expect(try link.channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "last words"))
        #expect(!link.channel.isActive)
        #expect(link.events.inactive)
    }

    @Test("closing with data queued both ways fails the writes, drops the reads and survives the timers")
    func closeWithQueuedData() throws {
        let link = try EmbeddedLink(profile: LinkProfile(latency: 0.05))
        let promises = (0..<3).map { _ in link.channel.eventLoop.makePromise(of: Void.self) }
        for (index, promise) in promises.enumerated() {
            link.channel.writeAndFlush(ByteBuffer(integer: UInt8(index)), promise: promise)
        }
        try link.channel.writeInbound(ByteBuffer(string: "in flight"))
        link.advance(ms: 10)
        try link.channel.close().wait()
        for promise in promises {
            #expect(throws: ChannelError.ioOnClosedChannel) { try promise.futureResult.wait() }
        }
        link.advance(ms: 500)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(try link.channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(link.events.inactive)
        // Writes after the close fail at once.
        let late = link.channel.eventLoop.makePromise(of: Void.self)
        link.channel.writeAndFlush(ByteBuffer(string: "late"), promise: late)
        #expect(throws: ChannelError.ioOnClosedChannel) { try late.futureResult.wait() }
    }

    @Test("a half close of the output goes out behind the queued writes")
    func outputCloseWaits() throws {
        let link = try EmbeddedLink(profile: LinkProfile(latency: 0.05))
        link.channel.writeAndFlush(ByteBuffer(string: "bye"), promise: nil)
        let closed = link.channel.eventLoop.makePromise(of: Void.self)
        link.channel.close(mode: .output, promise: closed)
        #expect(!link.isDone(closed.futureResult))
        let refused = link.channel.eventLoop.makePromise(of: Void.self)
        link.channel.writeAndFlush(ByteBuffer(string: "too late"), promise: refused)
        #expect(throws: ChannelError.outputClosed) { try refused.futureResult.wait() }
        link.advance(ms: 50)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "bye"))
        #expect(link.isDone(closed.futureResult))
    }

    @Test("dropConnection closes the channel at once and fails what was queued")
    func drop() throws {
        let link = try EmbeddedLink(profile: LinkProfile(latency: 0.05))
        let queued = link.channel.eventLoop.makePromise(of: Void.self)
        link.channel.writeAndFlush(ByteBuffer(string: "lost"), promise: queued)
        link.conditioner.dropConnection()
        #expect(!link.channel.isActive)
        #expect(link.events.inactive)
        #expect(!link.conditioner.isConnected)
        #expect(throws: ChannelError.ioOnClosedChannel) { try queued.futureResult.wait() }
        link.conditioner.dropConnection()  // a second drop does nothing
    }

    @Test("a channel that closes during the handshake fails the activation and never reports active")
    func closedDuringHandshake() throws {
        let loop = EmbeddedEventLoop()
        let activation = loop.makePromise(of: Void.self)
        let link = try EmbeddedLink(
            profile: LinkProfile(latency: 0.05), activate: false, loop: loop, activation: activation)
        try link.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        link.advance(ms: 20)
        try link.channel.close().wait()
        link.advance(ms: 200)
        #expect(!link.events.active)
        #expect(link.events.inactive)
        #expect(throws: ChannelError.ioOnClosedChannel) { try activation.futureResult.wait() }
    }

    @Test("an unconditioned link passes everything through at once")
    func transparent() throws {
        let link = try EmbeddedLink(profile: .unconditioned, activate: false)
        try link.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        #expect(link.events.active)
        let written = link.channel.eventLoop.makePromise(of: Void.self)
        link.channel.writeAndFlush(ByteBuffer(string: "out"), promise: written)
        #expect(try link.channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "out"))
        #expect(link.isDone(written.futureResult))
        try link.channel.writeInbound(ByteBuffer(string: "in"))
        #expect(try link.channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "in"))
        #expect(link.events.readCompletes == 1)
    }
}

/// An `EmbeddedChannel` with a conditioner in front of an event recorder, on a virtual clock.
private struct EmbeddedLink {
    let channel: EmbeddedChannel
    let conditioner: LinkConditioner
    let events: PipelineEvents

    /// - Parameter activate: connect and let the handshake's round trip pass, so the link is up.
    init(
        profile: LinkProfile, seed: UInt64 = 42, activate: Bool = true,
        loop: EmbeddedEventLoop = EmbeddedEventLoop(), activation: EventLoopPromise<Void>? = nil
    ) throws {
        conditioner = LinkConditioner(profile: profile, random: SeededRandom(seed: seed), activation: activation)
        events = PipelineEvents()
        channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandlers(conditioner, events)
        if activate {
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            channel.embeddedEventLoop.advanceTime(by: LinkConditioner.time(profile.connectDelay))
        }
    }

    func advance(ms: Int64) {
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(ms))
    }

    func isDone(_ future: EventLoopFuture<Void>) -> Bool {
        var done = false
        future.assumeIsolated().whenComplete { _ in done = true }
        return done
    }
}

/// Records what reaches the handlers behind the conditioner, passing everything on.
private final class PipelineEvents: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private(set) var active = false
    private(set) var inactive = false
    private(set) var readCompletes = 0

    func channelActive(context: ChannelHandlerContext) {
        active = true
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        inactive = true
        context.fireChannelInactive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readCompletes += 1
        context.fireChannelReadComplete()
    }
}

@Suite("Link conditioner over loopback sockets")
struct ConditionedSocketConnectorTests {
    @Test("latency 50 ms adds about 100 ms to a round trip and to the connect")
    func addedRoundTrip() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await EchoServer.start(group: group)
        do {
            // The first connection pays for warming up; it is not measured.
            _ = try await measure(LinkProfile.unconditioned, port: server.port, loop: group.next())
            let plain = try await measure(LinkProfile.unconditioned, port: server.port, loop: group.next())
            let slow = try await measure(LinkProfile(latency: 0.05), port: server.port, loop: group.next())
            let addedRoundTrip = slow.roundTrip - plain.roundTrip
            let addedConnect = slow.connect - plain.connect
            print("loopback: round trip +\(addedRoundTrip), connect +\(addedConnect)")
            #expect(addedRoundTrip >= .milliseconds(95))
            // Upper bounds only catch a runaway delay: a loaded machine (the whole suite runs in
            // parallel, and its start holds Swift concurrency's pool for up to 50 s) adds
            // scheduling noise, which the lower bounds do not mind.
            #expect(addedRoundTrip < .seconds(120))
            // The connect itself varies under load more than the round trips (of which the fastest
            // is taken): its lower bound is absolute, the simulated handshake alone is 100 ms.
            #expect(slow.connect >= .milliseconds(100))
            #expect(slow.roundTrip >= .milliseconds(100))
            #expect(addedConnect < .seconds(120))
        } catch {
            try await server.close()
            try await group.shutdownGracefully()
            throw error
        }
        try await server.close()
        try await group.shutdownGracefully()
    }

    /// Connects through a conditioned link, then takes the fastest of ten echo round trips.
    private func measure(
        _ profile: LinkProfile, port: Int, loop: any EventLoop
    ) async throws -> (connect: Duration, roundTrip: Duration) {
        let link = LinkHandle(profile: profile, seed: 1, eventLoop: loop)
        let received = LoopLog<NIODeadline>(eventLoop: loop)
        let started = ContinuousClock.now
        let channel = try await ConditionedSocketConnector(link: link).connect(
            host: "127.0.0.1", port: port, on: loop, timeout: .seconds(5)
        ) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(Received(log: received))
            }
        }.get()
        let connect = ContinuousClock.now - started
        #expect(try await loop.submit { link.isConnected }.get())
        var fastest = Duration.seconds(100)
        for index in 0..<10 {
            // Both times are taken on clocks, not by the polling, which only notices later.
            let sent = NIODeadline.now()
            try await channel.writeAndFlush(ByteBuffer(string: "ping \(index)"))
            try await waitUntil { try await received.count() == index + 1 }
            let roundTrip = try await received.all()[index] - sent
            fastest = min(fastest, .nanoseconds(roundTrip.nanoseconds))
        }
        try await channel.close()
        return (connect, fastest)
    }

    @Test("dropConnection resets the socket: both ends see it close")
    func drop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await EchoServer.start(group: group)
        let loop = group.next()
        let link = LinkHandle(profile: LinkProfile(latency: 0.01), seed: 3, eventLoop: loop)
        let received = LoopLog<NIODeadline>(eventLoop: loop)
        let channel = try await ConditionedSocketConnector(link: link).connect(
            host: "127.0.0.1", port: server.port, on: loop, timeout: .seconds(5)
        ) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(Received(log: received))
            }
        }.get()
        try await channel.writeAndFlush(ByteBuffer(string: "hello"))
        try await waitUntil { try await received.count() == 1 }
        try await waitUntil { try await server.accepted.count() == 1 }
        try await loop.submit { link.dropConnection() }.get()
        try await channel.closeFuture.get()
        #expect(try await loop.submit { link.isConnected }.get() == false)
        try await waitUntil { try await server.closed.count() == 1 }
        // SO_LINGER 0: the peer gets a reset, not a FIN.
        let peerSaw = try await server.closed.all()
        #expect(peerSaw.first?.lowercased().contains("reset") == true, "the server saw \(peerSaw)")
        #expect(try await link.eventLoop.submit { link.connections }.get() == 1)
        try await server.close()
        try await group.shutdownGracefully()
    }

    /// The SDK's transports, and how many round trips their connect takes (TCP, plus the upgrade).
    enum TransportKind: String, CaseIterable, CustomTestStringConvertible {
        case webSocket, rest

        var testDescription: String { rawValue }

        var connectRoundTrips: Int {
            switch self {
            case .webSocket: return 2
            case .rest: return 1
            }
        }

        func make(port: Int, loop: any EventLoop, link: LinkHandle) -> any SDKTransport {
            let connector = ConditionedSocketConnector(link: link)
            switch self {
            case .webSocket:
                return WebSocketTransport(host: "127.0.0.1", port: port, eventLoop: loop, connector: connector)
            case .rest:
                return RESTTransport(host: "127.0.0.1", port: port, eventLoop: loop, connector: connector)
            }
        }
    }

    @Test(
        "the SDK's transports work through the conditioned link; each round trip of the connect costs 100 ms",
        arguments: TransportKind.allCases)
    func transportThroughLink(kind: TransportKind) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        do {
            try await withCollector { server in
                let link = LinkHandle(profile: LinkProfile(latency: 0.05), seed: 9, eventLoop: loop)
                let events = LoopLog<TransportEvent>(eventLoop: loop)
                let transport = try await loop.submit {
                    NIOLoopBound(kind.make(port: server.port, loop: loop, link: link), eventLoop: loop)
                }.get()
                let started = ContinuousClock.now
                try await loop.submit {
                    transport.value.connect(headers: [("X-User-ID", "linked-\(kind)")]) { events.append($0) }
                }.get()
                try await waitUntil { try await events.count() == 1 }
                let connectTime = ContinuousClock.now - started
                #expect(try await events.all() == [.connected])
                #expect(
                    connectTime >= .milliseconds(100 * kind.connectRoundTrips - 5), "connected after \(connectTime)")
                // Only a runaway: the whole suite starting at once holds Swift concurrency's pool
                // for up to 50 s, and this is timed around awaits.
                #expect(connectTime < .seconds(120))

                var request = SendEventRequest()
                request.reqGuid = "through-the-link"
                var event = RaccoonEvent()
                event.eventBytes = .init("click".utf8)
                event.type = "app-buttonclick"
                request.events = [event]
                let bytes = try request.serializedBytes() as [UInt8]
                let sent = ContinuousClock.now
                #expect(try await loop.submit { transport.value.send(ByteBuffer(bytes: bytes)) }.get())
                try await waitUntil { try await events.count() == 2 }
                #expect(ContinuousClock.now - sent >= .milliseconds(100))
                guard case .received(let answer) = try await events.all()[1] else {
                    Issue.record("expected the collector's answer, got \(try await events.all())")
                    return
                }
                let response = try SendEventResponse(serializedBytes: Array(answer.readableBytesView))
                #expect(response.code == .ok)
                #expect(response.data["req_guid"] == "through-the-link")

                try await loop.submit { link.dropConnection() }.get()
                try await waitUntil { try await events.count() == 3 }
                guard case .closed(let code, _) = try await events.all()[2] else {
                    Issue.record("expected closed, got \(try await events.all())")
                    return
                }
                #expect(code == nil)
                try await waitUntil { try await server.stats().connections.current == 0 }
                try await loop.submit { _ = transport }.get()
            }
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    @Test("a handshake that would end after the connect timeout fails with connectTimeout at the timeout")
    func handshakeTimeout() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await EchoServer.start(group: group)
        let loop = group.next()
        // The handshake would take 300 s: failing within 120 s can only be the 200 ms timeout, even
        // on a machine loaded enough to hold this task for half a minute (seen in the full suite).
        let link = LinkHandle(profile: LinkProfile(latency: 150), seed: 5, eventLoop: loop)
        let started = ContinuousClock.now
        var failure: (any Error)?
        do {
            _ = try await ConditionedSocketConnector(link: link).connect(
                host: "127.0.0.1", port: server.port, on: loop, timeout: .milliseconds(200)
            ) { channel in channel.eventLoop.makeSucceededVoidFuture() }.get()
        } catch {
            failure = error
        }
        let elapsed = ContinuousClock.now - started
        #expect(failure as? ChannelError == .connectTimeout(.milliseconds(200)), "got \(String(describing: failure))")
        #expect(elapsed >= .milliseconds(195))
        #expect(elapsed < .seconds(120))
        // The real connection it made is closed.
        try await waitUntil { try await server.closed.count() == 1 }
        try await server.close()
        try await group.shutdownGracefully()
    }
}

/// Values recorded on one event loop, read from tests through hops onto it.
final class LoopLog<Value: Sendable>: Sendable {
    private let box: NIOLoopBoundBox<[Value]>

    init(eventLoop: any EventLoop) {
        box = .makeBoxSendingValue([], eventLoop: eventLoop)
    }

    /// On the loop.
    func append(_ value: Value) {
        box.value.append(value)
    }

    func all() async throws -> [Value] {
        let box = self.box
        return try await box.eventLoop.submit { box.value }.get()
    }

    func count() async throws -> Int {
        try await all().count
    }
}

/// Logs when each read arrives.
final class Received: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let log: LoopLog<NIODeadline>

    init(log: LoopLog<NIODeadline>) {
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        log.append(.now())
    }
}

/// A loopback TCP server that echoes every read and logs each connection's start and end.
/// (Also used by `LinkConditionerTimerQueueTests`.)
struct EchoServer {
    let channel: any Channel
    let port: Int
    let accepted: LoopLog<Int>
    let closed: LoopLog<String>

    static func start(group: MultiThreadedEventLoopGroup) async throws -> EchoServer {
        let loop = group.next()
        let accepted = LoopLog<Int>(eventLoop: loop)
        let closed = LoopLog<String>(eventLoop: loop)
        let channel = try await ServerBootstrap(group: loop)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(Echo(accepted: accepted, closed: closed))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        return EchoServer(channel: channel, port: port, accepted: accepted, closed: closed)
    }

    func close() async throws {
        try await channel.close()
    }

    private final class Echo: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let accepted: LoopLog<Int>
        private let closed: LoopLog<String>
        private var error: String?

        init(accepted: LoopLog<Int>, closed: LoopLog<String>) {
            self.accepted = accepted
            self.closed = closed
        }

        func channelActive(context: ChannelHandlerContext) {
            accepted.append(1)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.error = "\(error)"
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.append(error ?? "closed")
            context.fireChannelInactive()
        }
    }
}
