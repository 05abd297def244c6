import ClickSwarmTestSupport
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import NIOWebSocket
import RaccoonWire
import Testing

@testable import Collector

@Suite("Token bucket on a virtual clock")
struct TokenBucketTests {
    let start = NIODeadline.uptimeNanoseconds(5_000_000_000)

    @Test("starts full, goes into debt, opens again when the debt is paid back, refills up to its capacity")
    func debtAndRefill() {
        var bucket = TokenBucket(ratePerSecond: 100)
        #expect(bucket.capacity == 10)
        #expect(bucket.admit(taking: 10, now: start) == nil)
        // 50 more: 50 in debt, paid back in half a second.
        #expect(bucket.admit(taking: 50, now: start) == start + .milliseconds(500))
        #expect(bucket.openAt(now: start + .milliseconds(499)) != nil)
        #expect(bucket.openAt(now: start + .milliseconds(500)) == nil)
        // A long quiet time refills to the capacity, no more.
        #expect(bucket.openAt(now: start + .seconds(60)) == nil)
        #expect(bucket.tokens == 10)
        // Time that goes backwards (another loop's older reading) refills nothing.
        bucket.take(10, now: start + .seconds(59))
        #expect(bucket.tokens == 0)
    }

    @Test("reading whenever it is open, batch after batch, takes the rate and the first burst, no more")
    func sustainedRate() {
        for rate in [50.0, 400, 3_000] {
            var bucket = TokenBucket(ratePerSecond: rate)
            var now = start
            var taken: UInt64 = 0
            let end = start + .seconds(20)
            while now < end {
                if let open = bucket.admit(taking: 0, now: now) {
                    now = open
                    continue
                }
                bucket.take(20, now: now)
                taken += 20
            }
            let most = rate * 20 + bucket.capacity + 20
            #expect(Double(taken) <= most, "rate \(rate): \(taken) taken")
            #expect(Double(taken) >= rate * 20 - 20, "rate \(rate): \(taken) taken")
        }
    }
}

@Suite("Read throttle state machine")
struct ReadThrottleStateMachineTests {
    let now = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test("an open bucket passes reads; a closed one holds the first and ignores the next ones")
    func holds() {
        var machine = ReadThrottleStateMachine()
        #expect(machine.readRequested(now: now, openAt: nil) == .read(waited: nil))
        let wake = now + .milliseconds(300)
        #expect(machine.readRequested(now: now, openAt: wake) == .hold(wake: wake, startsHold: true))
        #expect(machine.readRequested(now: now + .milliseconds(1), openAt: wake) == .none)
        #expect(machine.state == .held(since: now, wake: wake))
    }

    @Test("a wake-up with the debt paid passes the read with its wait; one with more debt waits on")
    func wakes() {
        var machine = ReadThrottleStateMachine()
        _ = machine.readRequested(now: now, openAt: now + .milliseconds(100))
        let later = now + .milliseconds(250)
        #expect(
            machine.wakeUp(now: now + .milliseconds(100), openAt: later) == .hold(wake: later, startsHold: false))
        #expect(machine.wakeUp(now: later, openAt: nil) == .read(waited: .milliseconds(250)))
        #expect(machine.state == .reading)
        // A stale wake-up does nothing.
        #expect(machine.wakeUp(now: later, openAt: nil) == .none)
    }

    @Test("closing ends a hold and says how long it lasted; nothing happens after")
    func closes() {
        var machine = ReadThrottleStateMachine()
        _ = machine.readRequested(now: now, openAt: now + .seconds(1))
        #expect(machine.closed(now: now + .milliseconds(40)) == .milliseconds(40))
        #expect(machine.readRequested(now: now, openAt: nil) == .none)
        var idle = ReadThrottleStateMachine()
        #expect(idle.closed(now: now) == nil)
    }
}

@Suite("Read throttling on an embedded channel (virtual clock)")
struct ReadThrottleEmbeddedTests {
    /// Counts the reads that get past the throttle, at the head of the pipeline.
    final class ReadProbe: ChannelOutboundHandler {
        typealias OutboundIn = NIOAny
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    static let handshake =
        "GET /api/v1/events HTTP/1.1\r\nHost: collector\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-User-ID: d1\r\n\r\n"

    /// One masked binary frame with a batch of `events` events.
    static func frame(_ guid: String, events: Int, first: UInt64) -> ByteBuffer {
        let batch = Batches.request(guid, (0..<events).map { Batches.click(device: 1, sequence: first + UInt64($0)) })
        let payload: [UInt8] = try! batch.serializedBytes()
        var frame: [UInt8] = [0x82]
        frame +=
            payload.count < 126
            ? [0x80 | UInt8(payload.count)] : [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        let key: [UInt8] = [1, 2, 3, 4]
        frame += key
        frame += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return ByteBuffer(bytes: frame)
    }

    @Test("a batch that overdraws the bucket holds the next read until the tokens refill, counted")
    func holdsUntilRefilled() throws {
        let loop = EmbeddedEventLoop()
        var configuration = CollectorConfiguration()
        configuration.maxEventsPerSecond = 100
        let box = NIOLoopBoundBox.makeBoxSendingValue(
            CollectorShard(core: CollectorCore(configuration: configuration, stream: 0, sink: nil)),
            as: CollectorShard.self, eventLoop: loop)
        let shared = CollectorServer.SharedState(
            configuration: configuration, shards: [ObjectIdentifier(loop): box], sink: nil,
            logger: Logger(label: "test"))
        let shard = box.value
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try CollectorPipeline.configure(channel, shared: shared)
        let probe = ReadProbe()
        try channel.pipeline.syncOperations.addHandler(probe, position: .first)
        try channel.writeInbound(ByteBuffer(string: Self.handshake))
        loop.run()
        channel.read()
        #expect(probe.reads == 1)
        // 60 events against a bucket of 10: 50 in debt, half a second at 100 events/s.
        try channel.writeInbound(Self.frame("b1", events: 60, first: 0))
        loop.run()
        #expect(shard.core.ledger.eventsAccounted == 60)
        channel.read()
        #expect(probe.reads == 1)
        #expect(shard.protection.throttledReads == 1)
        #expect(shard.protection.throttledReadsHeld == 1)
        loop.advanceTime(by: .milliseconds(499))
        #expect(probe.reads == 1)
        loop.advanceTime(by: .milliseconds(1))
        #expect(probe.reads == 2)
        #expect(shard.protection.throttledReadsHeld == 0)
        #expect(shard.protection.throttleWaitNanoseconds == 500_000_000)
        let pending = shared.stats()
        loop.run()
        let stats = try pending.wait()
        #expect(stats.throttle?.throttledReads == 1)
        #expect(stats.throttle?.throttleWaitSeconds == 0.5)
        #expect(stats.prometheusText.contains("clickswarm_collector_throttled_reads_total 1\n"))
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test("an unthrottled collector has no throttle in its pipeline nor in /stats")
    func unthrottled() throws {
        let loop = EmbeddedEventLoop()
        let configuration = CollectorConfiguration()
        let shard = CollectorShard(core: CollectorCore(configuration: configuration, stream: 0, sink: nil))
        let box = NIOLoopBoundBox.makeBoxSendingValue(shard, as: CollectorShard.self, eventLoop: loop)
        let shared = CollectorServer.SharedState(
            configuration: configuration, shards: [ObjectIdentifier(loop): box], sink: nil,
            logger: Logger(label: "test"))
        let channel = EmbeddedChannel(loop: loop)
        try CollectorPipeline.configure(channel, shared: shared)
        #expect(throws: (any Error).self) {
            try channel.pipeline.syncOperations.handler(type: ReadThrottleHandler.self)
        }
        let pending = shared.stats()
        loop.run()
        let stats = try pending.wait()
        #expect(stats.throttle == nil)
        #expect(!stats.prometheusText.contains("throttle"))
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test("a limit out of range is refused with the setting's name")
    func validation() {
        for limit in [0.0, -5, .infinity, 2e9] {
            var configuration = CollectorConfiguration()
            configuration.maxEventsPerSecond = limit
            #expect(throws: CollectorError.self) { try configuration.validate() }
        }
    }
}

@Suite("Read throttling over loopback")
struct ReadThrottleLoopbackTests {
    @Test("1,000 events sent at once against 400 events/s take the limit's time to be answered")
    func limitHolds() async throws {
        try await withCollector({
            $0.maxEventsPerSecond = 400
            $0.threads = 1
        }) { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "fast")
            let started = ContinuousClock.now
            // 50 batches of 20: about 1.3 KB each, so a read of 8 KiB takes at most 7 batches.
            for batch in 0..<50 {
                let events = (0..<20).map { Batches.click(device: 1, sequence: UInt64(batch * 20 + $0)) }
                try await client.send(Batches.request("b\(batch)", events))
            }
            for _ in 0..<50 {
                let frame = try #require(try await client.nextFrame(timeout: .seconds(20)))
                #expect(try SendEventResponse(serializedBytes: Array(frame.data.readableBytesView)).code == .ok)
            }
            let elapsed = ContinuousClock.now - started
            // 1,000 events less the first burst (40) and the last read's overdraft (about 120) at
            // 400/s: 2.1 s at the least.
            #expect(elapsed >= .milliseconds(1_700), "answered in \(elapsed)")
            let stats = try await server.stats()
            #expect(stats.events.delivered == 1_000)
            #expect((stats.throttle?.throttledReads ?? 0) > 0)
            // Some waits, however loaded the machine: a busy loop reads late and finds the bucket refilled.
            #expect((stats.throttle?.throttleWaitSeconds ?? 0) > 0)
            await client.close()
        }
    }
}
