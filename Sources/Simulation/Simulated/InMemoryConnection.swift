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
    /// Jitter per direction, and the collector's fault decisions for this device.
    private var upRandom: SeededRandom
    private var downRandom: SeededRandom
    private var collectorRandom: SeededRandom
    private var handler: ((TransportEvent) -> Void)?
    private var memory: RequestGUIDMemory?
    /// Bumped on every close, so messages of an old connection find it gone.
    private var generation: UInt64 = 0
    private var open = false
    private var connecting = false
    /// When each direction's link is next free, and its last arrival (no overtaking).
    private var upFree = 0.0
    private var upLast = 0.0
    private var downFree = 0.0
    private var downLast = 0.0
    let order: Int

    init(profile: DeviceProfile, collector: SimulatedCollector, loop: any EventLoop, runSeed: UInt64) {
        self.collector = collector
        self.loop = loop
        latency = profile.latency
        jitter = profile.network.jitter
        bandwidth = profile.network.bandwidth
        var link = profile.random(.link)
        upRandom = SeededRandom(seed: link.next(), stream: 1)
        downRandom = SeededRandom(seed: link.next(), stream: 2)
        collectorRandom = SeededRandom(seed: runSeed, stream: 0xC011_0000_0000 + UInt64(profile.index))
        order = profile.index
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
        let arrival = schedule(bytes: request.readableBytes, free: &upFree, last: &upLast, random: &upRandom)
        at(arrival) { connection in
            guard connection.generation == generation else { return }
            let decision = connection.collector.ingest(
                request, memory: &connection.memory, random: &connection.collectorRandom)
            guard let response = decision.response else { return }
            let bytes: [UInt8] = (try? response.serializedBytes()) ?? []
            connection.after(decision.delay) { connection in
                guard connection.generation == generation else { return }
                let back = connection.schedule(
                    bytes: bytes.count, free: &connection.downFree, last: &connection.downLast,
                    random: &connection.downRandom)
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

    /// When a message of `bytes` sent now arrives: it waits for the link, takes its time on it,
    /// then the latency and a jitter sample, and never before the previous message.
    private func schedule(bytes: Int, free: inout Double, last: inout Double, random: inout SeededRandom) -> Double {
        let start = max(now, free)
        let onLink = bandwidth.map { Double(bytes) / $0 } ?? 0
        free = start + onLink
        let arrival = max(free + latency + jitter.sample(using: &random), last)
        last = arrival
        return arrival
    }

    private func after(_ seconds: Double, _ body: @escaping (InMemoryConnection) -> Void) {
        at(now + seconds, body)
    }

    private func at(_ time: Double, _ body: @escaping (InMemoryConnection) -> Void) {
        let deadline = NIODeadline.uptimeNanoseconds(UInt64(max(0, (time * 1e9).rounded())))
        loop.assumeIsolated().scheduleTask(deadline: deadline) { body(self) }
    }
}
