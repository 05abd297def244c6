import ClickstreamSDK
import Foundation
import NIOCore
import NIOEmbedded
import RaccoonWire
import Testing

@testable import Simulation

/// The virtual clock's in-memory link: client pings against a stalled collector, and aborts.
@Suite("In-memory link: pings, stalls and aborts")
struct InMemoryLinkTests {
    /// One device's link to a partition collector whose publishing stalls from 10 s to 40 s.
    final class Bench {
        let loop = EmbeddedEventLoop()
        let collector: SimulatedCollector
        let link: InMemoryConnection
        var events: [(Double, TransportEvent)] = []

        init(stall: Bool = true) throws {
            let scenario = try Scenario(
                yaml: """
                    name: link
                    duration: 1m
                    \(stall ? "faults:\n  - {from: 10s, to: 40s, publish_stall: true}" : "")
                    population:
                      devices: 1
                    networks:
                      mix: {wifi: 100%}
                    journeys:
                      - name: j
                        start: a
                        screens:
                          a:
                            think: 1s
                            events:
                              - contract: ScreenView
                                attributes: {screen_name: a}
                    """, file: "link.yaml")
            collector = SimulatedCollector(scenario: scenario, loop: loop) { _ in 0 }
            collector.schedule(FaultSchedule(scenario.faults), start: .uptimeNanoseconds(0))
            link = InMemoryConnection(
                profile: Population(scenario: scenario).profile(0), collector: collector, loop: loop, runSeed: 1)
        }

        var seconds: Double { Double(loop.now.uptimeNanoseconds) / 1e9 }

        func connect(_ options: ConnectOptions) {
            link.connect(headers: [], options: options) { [weak self] event in
                guard let self else { return }
                self.events.append((self.seconds, event))
            }
        }

        func advance(to seconds: Double) { loop.advanceTime(to: .uptimeNanoseconds(UInt64(seconds * 1e9))) }

        func request(_ guid: String) -> ByteBuffer {
            var request = SendEventRequest()
            request.reqGuid = guid
            return ByteBuffer(bytes: try! request.serializedBytes() as [UInt8])
        }
    }

    @Test("a stalled collector reads nothing after the first held message: Android's 1 s pings fail the socket")
    func stallDropsPingingSocket() throws {
        let bench = try Bench()
        bench.connect(ConnectOptions(ping: PingPolicy(interval: .seconds(1))))
        bench.advance(to: 12)
        #expect(
            bench.events.map(\.1) == [.connected], "pings answered before the stall, and during it until data waits")
        let heldAt = bench.seconds
        #expect(bench.link.send(bench.request("held")))
        bench.advance(to: 20)
        let drop = try #require(bench.events.last)
        guard case .closed(nil, let reason) = drop.1 else {
            Issue.record("expected a drop, got \(drop.1)")
            return
        }
        #expect(TransportEvent.isMissedPong(reason))
        // The first ping behind the held message is due within a second; its deadline a second later.
        #expect(drop.0 > heldAt && drop.0 <= heldAt + 2.01)
        #expect(!bench.link.isConnected)
    }

    @Test("without pings (iOS) the stalled socket stays; the held message is answered when the stall ends")
    func stallWithoutPings() throws {
        let bench = try Bench()
        bench.connect(ConnectOptions())
        bench.advance(to: 12)
        #expect(bench.link.send(bench.request("held")))
        bench.advance(to: 39)
        #expect(bench.events.count == 1)
        bench.advance(to: 41)
        #expect(bench.events.count == 2)
        guard case .received = bench.events[1].1 else {
            Issue.record("expected the answer, got \(bench.events[1].1)")
            return
        }
    }

    @Test("with no stall a pinging socket lives on")
    func noStall() throws {
        let bench = try Bench(stall: false)
        bench.connect(ConnectOptions(ping: PingPolicy(interval: .seconds(1))))
        for index in 0..<50 {
            bench.advance(to: Double(index))
            _ = bench.link.send(bench.request("r\(index)"))
        }
        bench.advance(to: 60)
        #expect(bench.link.isConnected)
        #expect(!bench.events.contains { if case .closed = $0.1 { true } else { false } })
    }

    @Test("PingWatch: a queue ahead of a ping delays its pong past the deadline")
    func queueDelaysPong() {
        let watch = PingWatch(policy: PingPolicy(interval: .seconds(1)), openedAt: 0)
        #expect(watch.check(.upQueue(since: 3.5, freeAt: 3.9), latency: 0.05) == nil)
        let late = watch.check(.upQueue(since: 3.5, freeAt: 5.2), latency: 0.05)
        #expect(late?.at == 5 && late?.ping == 4)
        #expect(watch.check(.opened, latency: 0.6)?.at == 2, "a round trip over the deadline fails the first ping")
    }

    @Test("abort ends the link silently, like close")
    func abort() throws {
        let bench = try Bench(stall: false)
        bench.connect(ConnectOptions())
        bench.advance(to: 1)
        bench.link.abort()
        #expect(!bench.link.isConnected)
        #expect(bench.link.send(bench.request("late")) == false)
        bench.advance(to: 5)
        #expect(bench.events.count == 1)
    }
}
