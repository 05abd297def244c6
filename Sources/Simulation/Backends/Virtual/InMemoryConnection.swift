import ClickstreamSDK
import Collector
import NIOCore
import SwarmPrimitives

/// A simulated device's link to its partition's collector, in memory on the virtual clock: each
/// message crosses it after the device's latency, a jitter sample and its bytes over the
/// bandwidth, in order; a connect costs two round trips (TCP, then the WebSocket upgrade), as
/// through the live link conditioner. It is the device's transport for every app launch.
final class InMemoryConnection: DeviceConnection, SDKTransport {
    private let collector: SimulatedCollector
    private let loop: any EventLoop
    private let latency: Double
    private let jitter: Distribution
    private let bandwidth: Double?
    /// Each direction of the link (with its own jitter stream), and the collector's fault
    /// decisions for this device.
    private var up: LinkLane
    private var down: LinkLane
    private var collectorRandom: SeededRandom
    private var handler: ((TransportEvent) -> Void)?
    private var memory: RequestGUIDMemory?
    /// Bumped on every close, so messages of an old connection find it gone.
    private var generation: UInt64 = 0
    private var open = false
    private var connecting = false
    let order: Int

    /// Device `profile`'s link: its latency, jitter and bandwidth, each direction's jitter from the
    /// device's link stream, the collector's decisions from the run's stream for the device.
    convenience init(profile: DeviceProfile, collector: SimulatedCollector, loop: any EventLoop, runSeed: UInt64) {
        var link = profile.random(.link)
        self.init(
            link: LinkProfile(
                latency: profile.latency, jitter: profile.network.jitter, bandwidth: profile.network.bandwidth),
            up: LinkLane(random: SeededRandom(seed: link.next(), stream: 1)),
            down: LinkLane(random: SeededRandom(seed: link.next(), stream: 2)),
            collectorRandom: SeededRandom(seed: runSeed, stream: 0xC011_0000_0000 + UInt64(profile.index)),
            order: profile.index, collector: collector, loop: loop)
    }

    /// A link with its lanes given (the tests compare it with the live conditioner's).
    init(
        link: LinkProfile, up: LinkLane, down: LinkLane, collectorRandom: SeededRandom, order: Int,
        collector: SimulatedCollector, loop: any EventLoop
    ) {
        self.collector = collector
        self.loop = loop
        latency = link.latency
        jitter = link.jitter
        bandwidth = link.bandwidth
        self.up = up
        self.down = down
        self.collectorRandom = collectorRandom
        self.order = order
    }

    private var now: Double { Double(loop.now.uptimeNanoseconds) / 1e9 }

    // MARK: DeviceConnection

    func makeTransport(configuration: SDKConfiguration) -> any SDKTransport { self }

    var isConnected: Bool { open }

    func dropConnection() {
        guard open || connecting else { return }
        let handler = self.handler
        let wasOpen = open
        reset()
        if wasOpen {
            handler?(.closed(code: nil, reason: "connection reset"))
        } else {
            handler?(.connectFailed(.refused("network unreachable")))
        }
    }

    private func reset() {
        open = false
        connecting = false
        generation &+= 1
        collector.closed(self)
        memory = nil
    }

    // MARK: SDKTransport

    func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
        reset()
        self.handler = handler
        connecting = true
        let generation = self.generation
        // TCP's handshake is one round trip; the upgrade another.
        let tcp = 2 * latency
        after(tcp) { connection in
            guard connection.generation == generation else { return }
            guard connection.collector.accept(connection) else {
                connection.connecting = false
                handler(.connectFailed(.refused("connection refused (collector outage)")))
                return
            }
            connection.after(2 * connection.latency) { connection in
                guard connection.generation == generation else { return }
                connection.connecting = false
                connection.open = true
                connection.memory = connection.collector.deduplicate ? RequestGUIDMemory() : nil
                handler(.connected)
            }
        }
    }

    func send(_ request: ByteBuffer) -> Bool {
        guard open else { return false }
        let generation = self.generation
        let arrival = up.arrival(
            bytes: request.readableBytes, now: now, latency: latency, jitter: jitter, bandwidth: bandwidth)
        at(arrival) { connection in
            guard connection.generation == generation else { return }
            let decision = connection.collector.ingest(
                request, memory: &connection.memory, random: &connection.collectorRandom)
            guard let response = decision.response else { return }
            let bytes: [UInt8] = (try? response.serializedBytes()) ?? []
            connection.after(decision.delay) { connection in
                guard connection.generation == generation else { return }
                let back = connection.down.arrival(
                    bytes: bytes.count, now: connection.now, latency: connection.latency, jitter: connection.jitter,
                    bandwidth: connection.bandwidth)
                connection.at(back) { connection in
                    guard connection.generation == generation, connection.open else { return }
                    connection.handler?(.received(ByteBuffer(bytes: bytes)))
                }
            }
        }
        return true
    }

    func close(code: Int, reason: String) {
        reset()
    }

    // MARK: Timing

    private func after(_ seconds: Double, _ body: @escaping (InMemoryConnection) -> Void) {
        at(now + seconds, body)
    }

    private func at(_ time: Double, _ body: @escaping (InMemoryConnection) -> Void) {
        let deadline = NIODeadline.uptimeNanoseconds(UInt64(max(0, (time * 1e9).rounded())))
        loop.assumeIsolated().scheduleTask(deadline: deadline) { body(self) }
    }
}
