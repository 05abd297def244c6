import ClickSwarmTestSupport
import ClickstreamSDK
import Collector
import NIOCore
import NIOEmbedded
import NIOPosix
import SwarmPrimitives
import Testing

@testable import Simulation

/// A live run's conditioners time their delays on the loop's timer queue (one loop timer for
/// every phone), not on the loop's own heap: the same delays, rounded up to its millisecond.
@Suite("Link conditioner on a live loop's timer queue")
struct LinkConditionerTimerQueueTests {
    @Test("a write waits on the queue for its latency, then up to the queue's millisecond")
    func writeOnTheQueue() throws {
        let loop = EmbeddedEventLoop()
        let timers = LoopTimerQueue(loop: loop)
        let conditioner = LinkConditioner(
            profile: LinkProfile(latency: 0.05), random: SeededRandom(seed: 1), timers: timers)
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(conditioner)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        loop.advanceTime(by: .milliseconds(101))
        #expect(conditioner.isConnected)
        #expect(timers.pendingTimers == 0)

        channel.writeAndFlush(ByteBuffer(string: "batch"), promise: nil)
        #expect(timers.pendingTimers == 1, "the delay is a timer of the queue")
        loop.advanceTime(by: .milliseconds(50))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "at most a millisecond late, never early")
        loop.advanceTime(by: .milliseconds(1))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "batch"))

        // An answer comes back the same way, and a close forgets what is queued.
        try channel.writeInbound(ByteBuffer(string: "ack"))
        #expect(timers.pendingTimers == 1)
        loop.advanceTime(by: .milliseconds(51))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "ack"))
        channel.writeAndFlush(ByteBuffer(string: "late"), promise: nil)
        try channel.close().wait()
        // The cancelled delay leaves the queue at its deadline, and nothing is written.
        loop.advanceTime(by: .seconds(1))
        #expect(timers.pendingTimers == 0)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
    }

    @Test("over loopback: a link on the queue adds its round trip to the connect and to an echo")
    func loopbackOnTheQueue() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let server = try await EchoServer.start(group: group)
        let link = try await loop.submit {
            let link = LinkHandle(profile: LinkProfile(latency: 0.05), seed: 7, eventLoop: loop)
            link.timers = LoopTimerQueue(loop: loop)
            return link
        }.get()
        let received = LoopLog<NIODeadline>(eventLoop: loop)
        let started = NIODeadline.now()
        let channel = try await ConditionedSocketConnector(link: link).connect(
            host: "127.0.0.1", port: server.port, on: loop, timeout: .seconds(30)
        ) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(Received(log: received))
            }
        }.get()
        let connected = NIODeadline.now()
        #expect(connected - started >= .milliseconds(100), "the handshake's round trip")
        let sent = NIODeadline.now()
        try await channel.writeAndFlush(ByteBuffer(string: "ping"))
        try await waitUntil { try await received.count() == 1 }
        let echoed = try #require(try await received.all().first)
        #expect(echoed - sent >= .milliseconds(100), "out and back through the link")
        try await channel.close()
        try await server.close()
        try await group.shutdownGracefully()
    }
}
