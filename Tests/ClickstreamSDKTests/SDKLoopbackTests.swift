import ClickSwarmTestSupport
import ClickstreamSDK
import ClickstreamTransports
import Collector
import NIOCore
import NIOPosix
import RaccoonWire
import SwarmPrimitives
import Testing

/// Many SDK instances, each on its event loop with its own WebSocket, against the project's
/// collector over real loopback sockets.
@Suite("Clickstream SDK instances against the collector over loopback")
struct SDKLoopbackTests {
    struct Device: Sendable {
        var sdk: NIOLoopBound<ClickstreamSDK>
        var loop: any EventLoop
    }

    /// Starts `count` devices (flavors alternating), tracks `eventsPerDevice` clicks on each,
    /// and waits until every ledger has nothing pending.
    static func run(
        count: Int, eventsPerDevice: Int, run: UInt32, port: Int, group: MultiThreadedEventLoopGroup
    ) async throws -> (FunnelLedger.Counts, [Device]) {
        let loops = Array(group.makeIterator())
        var ledgers: [NIOLoopBound<FunnelLedger>] = []
        for loop in loops {
            ledgers.append(try await loop.submit { NIOLoopBound(FunnelLedger(), eventLoop: loop) }.get())
        }
        var devices: [Device] = []
        for index in 0..<count {
            let loop = loops[index % loops.count]
            let ledger = ledgers[index % loops.count]
            let sdk = try await loop.submit {
                var configuration = SDKConfiguration.defaults(for: index % 2 == 0 ? .android : .ios)
                configuration.batchPeriod = .milliseconds(200)
                configuration.ackTimeout = .milliseconds(400)
                configuration.setReconnect(initial: .milliseconds(100), maximum: .seconds(1))
                // Android's lifecycle debounce would hold the connect 10 s; the rest is upstream.
                if configuration.flavor == .android { configuration.closeAfterBackground = .zero }
                let transport = WebSocketTransport(
                    host: "127.0.0.1", port: port, eventLoop: loop, connector: BootstrapConnector())
                let sdk = ClickstreamSDK(
                    configuration: configuration, deviceID: "run\(run)-device\(index)",
                    store: EventStore(capacityEvents: 10_000, capacityBytes: 10 << 20), transport: transport,
                    headers: [("X-User-ID", "run\(run)-device\(index)")], eventLoop: loop, seed: UInt64(index),
                    observer: ledger.value)
                sdk.start()
                for sequence in 0..<eventsPerDevice {
                    var click = ButtonClick()
                    click.eventGuid = EventGUID(run: run, device: UInt32(index), sequence: UInt64(sequence)).description
                    click.label = "device \(index) click \(sequence)"
                    sdk.track(click)
                }
                return NIOLoopBound(sdk, eventLoop: loop)
            }.get()
            devices.append(Device(sdk: sdk, loop: loop))
        }
        let expected = UInt64(count * eventsPerDevice)
        let deadline = ContinuousClock.now + .seconds(60)
        var total = FunnelLedger.Counts()
        while ContinuousClock.now < deadline {
            total = FunnelLedger.Counts()
            for (index, ledger) in ledgers.enumerated() {
                total.merge(try await loops[index].submit { ledger.value.total }.get())
            }
            if total.generated == expected, total.pending == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (total, devices)
    }

    static func stop(_ devices: [Device]) async throws {
        for device in devices {
            try await device.loop.submit { device.sdk.value.kill() }.get()
        }
    }

    @Test("200 SDK instances: every event acked, and the collector's unique deliveries match exactly")
    func twoHundredDevices() async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = 2
        let server = try await CollectorServer.start(configuration: configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        do {
            let (counts, devices) = try await Self.run(
                count: 200, eventsPerDevice: 25, run: 11, port: server.port, group: group)
            #expect(counts.generated == 5_000)
            #expect(counts.acked == 5_000)
            #expect(counts.droppedTotal == 0)
            let stats = try await server.stats()
            #expect(stats.events.uniqueDeliveries == 5_000)
            // On a loaded machine an ack can take longer than the SDK's ack timeout: the resend is
            // then delivered again. Every duplicate must come from such a resend.
            #expect(stats.events.duplicateDeliveries <= counts.resends)
            #expect(stats.events.devices == 200)
            for device in [0, 57, 199] {
                #expect(try await server.deliveries(run: 11, device: UInt32(device)).missing(below: 25).isEmpty)
            }
            #expect(stats.connections.current == 200)
            try await Self.stop(devices)
        } catch {
            Issue.record("\(error)")
        }
        try await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("with ack loss and error answers on, retries deliver everything and the books still balance")
    func faults() async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = 2
        configuration.faults.ackLossProbability = 0.1
        configuration.faults.errorProbability = 0.1
        // Error answers need after-publish acks; under immediate acks an error is a silent loss.
        configuration.ackMode = .afterPublish
        let server = try await CollectorServer.start(configuration: configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        do {
            let (counts, devices) = try await Self.run(
                count: 200, eventsPerDevice: 25, run: 12, port: server.port, group: group)
            let stats = try await server.stats()
            // SDK side: every event is acked or dropped for a reason; nothing is unaccounted.
            #expect(counts.generated == 5_000)
            #expect(counts.pending == 0)
            #expect(counts.generated == counts.acked + counts.droppedTotal)
            #expect(counts.resends > 0)
            #expect(counts.errorAnswers > 0)
            // With 10% faults, 20 failed sends in a row (iOS drops then) has odds of 1e-20.
            #expect(counts.droppedTotal == 0)
            #expect(counts.acked == 5_000)
            // Collector side: every event delivered exactly once as a unique guid; the resends
            // after lost acks show up as duplicates, never as extra uniques.
            #expect(stats.events.uniqueDeliveries == 5_000)
            #expect(stats.events.duplicateDeliveries > 0)
            #expect(stats.batches.ackLost > 0)
            #expect(stats.batches.errorInjected > 0)
            try await Self.stop(devices)
        } catch {
            Issue.record("\(error)")
        }
        try await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("immediate acks and error faults: every event is acked, and each one is delivered or lost after its ack")
    func silentLoss() async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = 2
        configuration.faults.errorProbability = 0.2
        let server = try await CollectorServer.start(configuration: configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        do {
            let (counts, devices) = try await Self.run(
                count: 40, eventsPerDevice: 25, run: 13, port: server.port, group: group)
            // The SDK saw only OKs: the loss is silent to it, as with Raccoon's EVENT_ACK=0.
            #expect(counts.acked == 1_000)
            #expect(counts.errorAnswers == 0)
            let stats = try await server.stats()
            #expect(stats.events.lostAfterAck > 0)
            // A late ack can make the SDK resend: an event may be both lost once and delivered.
            #expect(stats.events.uniqueDeliveries + stats.events.lostAfterAck >= 1_000)
            // Event by event: what was not delivered is exactly what the collector counted as lost.
            let delivered = try await server.deliveries(run: 13)
            let lost = try await server.lostAfterAck(run: 13)
            for device in UInt32(0)..<40 {
                let here = delivered[device] ?? SequenceBitmap()
                let gone = lost[device] ?? SequenceBitmap()
                #expect(here.count + gone.countNotIn(here) == 25, "device \(device)")
            }
            try await Self.stop(devices)
        } catch {
            Issue.record("\(error)")
        }
        try await server.shutdown()
        try await group.shutdownGracefully()
    }
}
