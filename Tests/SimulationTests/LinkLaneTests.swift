import ClickstreamSDK
import NIOCore
import NIOEmbedded
import SwarmPrimitives
import Testing

@testable import Simulation

/// The one link formula both link models use, and proof that they do: the live conditioner
/// and the virtual clock's in-memory link deliver the same messages at the same nanoseconds
/// for the same profile and seed.
@Suite("Link lane")
struct LinkLaneTests {
    static let profile = LinkProfile(latency: 0.05, jitter: .uniform(0, 0.08), bandwidth: 16_384)

    /// Message sizes and send times (seconds on the loop's clock), close enough together that
    /// bandwidth queues them and jitter would reorder them without the FIFO rule.
    static let messages: [(bytes: Int, at: Double)] = (0..<40).map { index in
        let bytes: Int = 200 + (index * 397) % 3000
        let at: Double = 1.0 + Double(index) * 0.013
        return (bytes, at)
    }

    @Test("a message never overtakes the one before it, and bandwidth queues them")
    func fifoAndBandwidth() {
        var lane = LinkLane(random: SeededRandom(seed: 3))
        var previous = 0.0
        for message in Self.messages {
            let arrival = lane.arrival(
                bytes: message.bytes, now: message.at, latency: 0.05, jitter: .uniform(0, 0.5), bandwidth: 16_384)
            #expect(arrival >= previous)
            #expect(arrival >= message.at + 0.05 + Double(message.bytes) / 16_384 - 1e-12)
            previous = arrival
        }
        // Without jitter the sender is busy back to back: 10 messages of 1,638.4 bytes take 1 s.
        var plain = LinkLane(random: SeededRandom(seed: 3))
        var last = 0.0
        for _ in 0..<10 { last = plain.arrival(bytes: 1_638, now: 0, latency: 0, jitter: .zero, bandwidth: 1_638) }
        #expect(abs(last - 10) < 1e-9)
    }

    @Test("a handshake holds both sides; a wild sample cannot push a deadline past the longest delay")
    func holdsAndClamp() {
        var lane = LinkLane(random: SeededRandom(seed: 1))
        lane.holdSending(until: 5)
        #expect(lane.arrival(bytes: 0, now: 1, latency: 0.1, jitter: .zero, bandwidth: nil) == 5.1)
        var arrivals = LinkLane(random: SeededRandom(seed: 1))
        arrivals.holdArrivals(until: 9)
        #expect(arrivals.arrival(bytes: 0, now: 1, latency: 0.1, jitter: .zero, bandwidth: nil) == 9)
        var wild = LinkLane(random: SeededRandom(seed: 1))
        let arrival = wild.arrival(
            bytes: 10, now: 2, latency: 0, jitter: .lognormal(median: 1e300, sigma: 0), bandwidth: 1e-300)
        #expect(arrival == 2 + 2 * LinkLane.longestDelay)
    }

    @Test("the live conditioner and the in-memory link give the same timings for the same profile and seed")
    func bothModelsAgree() throws {
        // The conditioner draws its outbound jitter from its generator after seeding the inbound
        // lane from it; give the in-memory link's up lane the same stream.
        var seed = SeededRandom(seed: 42)
        _ = seed.next()
        var expected = LinkLane(random: seed)
        let deadlines = Self.messages.map { message in
            LinkConditioner.deadline(
                expected.arrival(
                    bytes: message.bytes, now: message.at, latency: Self.profile.latency,
                    jitter: Self.profile.jitter, bandwidth: Self.profile.bandwidth))
        }
        let conditioned = try Self.conditionerArrivals(candidates: deadlines)
        let inMemory = try Self.inMemoryArrivals(upLane: LinkLane(random: seed), candidates: deadlines)
        #expect(conditioned == deadlines)
        #expect(inMemory == deadlines)
        #expect(Set(deadlines).count > 20, "the jitter spreads the arrivals")
    }

    /// Writes each message through a `LinkConditioner` on an embedded channel at its time and
    /// finds, nanosecond-exact, when it comes out on the socket side.
    private static func conditionerArrivals(candidates: [NIODeadline]) throws -> [NIODeadline] {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let conditioner = LinkConditioner(profile: profile, random: SeededRandom(seed: 42))
        try channel.pipeline.syncOperations.addHandler(conditioner)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return try arrivals(on: loop, candidates: candidates) { bytes in
            channel.writeAndFlush(ByteBuffer(repeating: 7, count: bytes), promise: nil)
        } delivered: {
            var count = 0
            while try channel.readOutbound(as: ByteBuffer.self) != nil { count += 1 }
            return count
        }
    }

    /// Sends each message over an `InMemoryConnection` at its time and finds when its
    /// partition's collector core receives it.
    private static func inMemoryArrivals(upLane: LinkLane, candidates: [NIODeadline]) throws -> [NIODeadline] {
        let loop = EmbeddedEventLoop()
        let scenario = try Scenario(
            yaml: """
                name: lanes
                duration: 1m
                population: {devices: 1}
                journeys:
                  - name: j
                    start: a
                    screens:
                      a: {events: [{contract: ScreenView, attributes: {screen_name: a}}], next: {exit: 100%}}
                """, file: "lanes.yaml")
        let collector = SimulatedCollector(scenario: scenario, loop: loop) { _ in 0 }
        let connection = InMemoryConnection(
            link: profile, up: upLane, down: LinkLane(random: SeededRandom(seed: 9)),
            collectorRandom: SeededRandom(seed: 5), order: 0, collector: collector, loop: loop)
        var connected = false
        connection.connect(headers: []) { event in if case .connected = event { connected = true } }
        loop.advanceTime(by: .milliseconds(500))
        try #require(connected)
        var seen: UInt64 = 0
        return try arrivals(on: loop, candidates: candidates) { bytes in
            _ = connection.send(ByteBuffer(repeating: 7, count: bytes))
        } delivered: {
            let received = collector.core.batches.received
            defer { seen = received }
            return Int(received - seen)
        }
    }

    /// Sends `messages` at their times with `send` and steps the loop to one nanosecond before and
    /// to each `candidate` instant, attributing each message that appears (`delivered` counts the
    /// new ones) to the instant it appeared at. A message that appears at any other instant is
    /// attributed to the next candidate, so the result equals the candidates only when every
    /// message arrived exactly at one.
    private static func arrivals(
        on loop: EmbeddedEventLoop, candidates: [NIODeadline], send: (Int) -> Void, delivered: () throws -> Int
    ) throws -> [NIODeadline] {
        enum Step { case send(Int), probe(NIODeadline) }
        var steps: [(at: NIODeadline, step: Step)] = messages.map { (LinkConditioner.deadline($0.at), .send($0.bytes)) }
        for candidate in Set(candidates) {
            steps.append((candidate - .nanoseconds(1), .probe(candidate - .nanoseconds(1))))
            steps.append((candidate, .probe(candidate)))
        }
        steps.sort { $0.at < $1.at }
        var result: [NIODeadline] = []
        var next = 0
        let sorted = Set(candidates).sorted()
        for (at, step) in steps {
            loop.advanceTime(to: at)
            switch step {
            case .send(let bytes):
                send(bytes)
            case .probe:
                let count = try delivered()
                while next < sorted.count, sorted[next] < at { next += 1 }
                let instant = next < sorted.count ? sorted[next] : at
                result += Array(repeating: instant, count: count)
            }
        }
        loop.advanceTime(by: .seconds(60))
        result += Array(repeating: .distantFuture, count: try delivered())
        return result
    }
}
