import ClickstreamSDK
import Collector
import NIOCore
import SwarmPrimitives

/// A simulated device's link to its partition's collector, in memory on the virtual clock: each
/// message crosses it after the device's latency, a jitter sample and its bytes over the
/// bandwidth, in order; a connect costs two round trips (TCP, then the WebSocket upgrade), as
/// through the live link conditioner. It is the device's transport for every app launch.
///
/// While the collector's publishing is stalled, messages wait at the collector until the stall
/// ends; as the live collector turns `autoRead` off at the first message it holds, nothing behind
/// it is read, client pings included, so a flavor that pings (Android) fails its socket when a
/// pong is late; the held messages of a socket that dies are lost with it. Pings are computed, not sent: a ping costs
/// nothing unless something (a stall, a queue on the link) could delay its pong (`PingWatch`).
final class InMemoryConnection: DeviceConnection, SDKTransport {
    private let collector: SimulatedCollector
    private let loop: any EventLoop
    private let scheduler: any SDKScheduler
    let latency: Double
    private let jitter: Distribution
    private let bandwidth: Double?
    /// Each direction of the link (with its own jitter stream), and the collector's fault
    /// decisions for this device.
    private(set) var up: LinkLane
    private(set) var down: LinkLane
    private var collectorRandom: SeededRandom
    private var handler: ((TransportEvent) -> Void)?
    private var memory: RequestGUIDMemory?
    /// Bumped on every close, so messages of an old connection find it gone.
    private(set) var generation: UInt64 = 0
    private var open = false
    private var connecting = false
    /// Messages that reached the collector during a stall, in arrival order.
    private var held: [ByteBuffer] = []
    /// Messages waiting for the collector's `max_events_per_second` bucket, in arrival order, and
    /// whether a wake-up for them is armed.
    private var throttledMessages: [ByteBuffer] = []
    private var throttleWakeArmed = false
    var pings: PingWatch?
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
        scheduler = EventLoopScheduler.of(loop)
        latency = link.latency
        jitter = link.jitter
        bandwidth = link.bandwidth
        self.up = up
        self.down = down
        self.collectorRandom = collectorRandom
        self.order = order
    }

    var now: Double { Double(loop.now.uptimeNanoseconds) / 1e9 }

    // MARK: DeviceConnection

    func makeTransport(configuration: SDKConfiguration) -> any SDKTransport { self }

    var isConnected: Bool { open }

    func dropConnection() {
        guard open || connecting else { return }
        let handler = self.handler
        let wasOpen = open
        reset()
        if wasOpen {
            handler?(.closed(code: nil, reason: ConnectionEnding.dropped))
        } else {
            handler?(.connectFailed(.unreachable("the network dropped the connection before it opened")))
        }
    }

    private func reset() {
        open = false
        connecting = false
        generation &+= 1
        collector.closed(self)
        memory = nil
        held.removeAll()
        throttledMessages.removeAll()
        throttleWakeArmed = false
        pings = nil
    }

    // MARK: SDKTransport

    func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
        connect(headers: headers, options: ConnectOptions(), handler: handler)
    }

    func connect(headers: [(String, String)], options: ConnectOptions, handler: @escaping (TransportEvent) -> Void) {
        reset()
        self.handler = handler
        connecting = true
        let generation = self.generation
        // TCP's handshake is one round trip; the upgrade another.
        let handshake = 4 * latency
        if let timeout = options.connectTimeout, Double(timeout.nanoseconds) / 1e9 < handshake {
            after(Double(timeout.nanoseconds) / 1e9) { connection in
                guard connection.generation == generation, connection.connecting else { return }
                connection.connecting = false
                handler(.connectFailed(.timeout))
            }
            return
        }
        after(2 * latency) { connection in
            guard connection.generation == generation else { return }
            guard connection.collector.accept(connection) else {
                connection.connecting = false
                handler(.connectFailed(.refused("the collector turned the connection away (an outage)")))
                return
            }
            connection.after(2 * connection.latency) { connection in
                guard connection.generation == generation else { return }
                connection.connecting = false
                connection.open = true
                connection.memory = connection.collector.deduplicate ? RequestGUIDMemory() : nil
                connection.pings = options.ping.map { PingWatch(policy: $0, openedAt: connection.now) }
                handler(.connected)
                connection.watchPings(.opened)
            }
        }
    }

    func send(_ request: ByteBuffer) -> Bool {
        guard open else { return false }
        let generation = self.generation
        let arrival = up.arrival(
            bytes: request.readableBytes, now: now, latency: latency, jitter: jitter, bandwidth: bandwidth)
        watchPings(.upQueue(since: now, freeAt: up.freeAt))
        at(arrival) { connection in
            guard connection.generation == generation else { return }
            if connection.collector.stalled {
                // As the live collector does, the first message held stops the reading of the
                // socket (`autoRead` off): pings behind it go unanswered.
                if connection.held.isEmpty { connection.watchPings(.stallStarted(at: connection.now)) }
                connection.held.append(request)
            } else if connection.collector.throttled {
                connection.throttledMessages.append(request)
                connection.readThrottled(generation: generation)
            } else {
                connection.ingest(request, generation: generation)
            }
        }
        return true
    }

    private func ingest(_ request: ByteBuffer, generation: UInt64) {
        let decision = collector.ingest(request, memory: &memory, random: &collectorRandom)
        guard let response = decision.response else { return }
        let bytes: [UInt8] = (try? response.serializedBytes()) ?? []
        after(decision.delay) { connection in
            guard connection.generation == generation else { return }
            let back = connection.down.arrival(
                bytes: bytes.count, now: connection.now, latency: connection.latency, jitter: connection.jitter,
                bandwidth: connection.bandwidth)
            connection.watchPings(.downQueue(since: connection.now, freeAt: connection.down.freeAt))
            connection.at(back) { connection in
                guard connection.generation == generation, connection.open else { return }
                connection.handler?(.received(ByteBuffer(bytes: bytes)))
            }
        }
    }

    /// Reads what waits for the collector's bucket while it is open; else waits until it opens
    /// again (the live collector stops reading the socket: `ReadThrottleHandler`).
    private func readThrottled(generation: UInt64) {
        guard generation == self.generation, !throttleWakeArmed else { return }
        while !throttledMessages.isEmpty {
            if let openAt = collector.throttleOpenAt() {
                throttleWakeArmed = true
                at(Double(openAt.uptimeNanoseconds) / 1e9) { connection in
                    guard connection.generation == generation else { return }
                    connection.throttleWakeArmed = false
                    connection.readThrottled(generation: generation)
                }
                return
            }
            ingest(throttledMessages.removeFirst(), generation: generation)
        }
    }

    /// The collector's stall ended: what it held is read now, in order.
    func resumeAfterStall() {
        let messages = held
        held.removeAll()
        for message in messages { ingest(message, generation: generation) }
    }

    func close(code: Int, reason: String) {
        reset()
    }

    /// The app was killed: the socket goes without a close frame (the in-memory collector keeps
    /// no close codes, so this is `close`).
    func abort() {
        reset()
    }

    // MARK: Pings

    private func watchPings(_ event: PingWatch.Event) {
        guard let pings else { return }
        guard let check = pings.check(event, latency: latency) else { return }
        let generation = self.generation
        at(check.at) { connection in
            guard connection.generation == generation, connection.open else { return }
            switch check.kind {
            case .failIfStillStalled(let failAt):
                guard connection.collector.stalled else { return }
                connection.at(failAt) { $0.pongMissed(generation: generation) }
            case .fail:
                connection.pongMissed(generation: generation)
            }
        }
    }

    private func pongMissed(generation: UInt64) {
        guard self.generation == generation, open, let pings else { return }
        let handler = self.handler
        reset()
        handler?(
            .closed(code: nil, reason: TransportEvent.missedPong(within: pings.policy.pongDeadline)))
    }

    // MARK: Timing

    private func after(_ seconds: Double, _ body: @escaping (InMemoryConnection) -> Void) {
        at(now + seconds, body)
    }

    private func at(_ time: Double, _ body: @escaping (InMemoryConnection) -> Void) {
        let deadline = NIODeadline.uptimeNanoseconds(UInt64(max(0, (time * 1e9).rounded())))
        scheduler.schedule(at: deadline) { body(self) }
    }
}
