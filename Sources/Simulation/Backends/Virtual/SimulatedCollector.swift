import Collector
import NIOCore
import Reports
import SwarmPrimitives

/// The collector core of one simulated partition, on that partition's virtual-clock loop: it
/// decides every batch as the embedded collector would, with each device's own fault randomness,
/// and follows the scenario's fault schedule in virtual time.
final class SimulatedCollector {
    private(set) var core: CollectorCore
    private let loop: any EventLoop
    private var connections: [ObjectIdentifier: InMemoryConnection] = [:]
    /// Counts connections refused in an outage (the in-memory link has no identities to reject).
    private var table = ConnectionTable(maxConnections: .max)
    private let ackMode: CollectorConfiguration.AckMode
    let wallClock: (NIODeadline) -> Int64
    let deduplicate: Bool
    /// The scenario's `max_events_per_second`, this partition's share of it (the partitions
    /// split the limit evenly, as they split the devices), in virtual time.
    private var bucket: TokenBucket?
    /// The ledger's events already taken from the bucket.
    private var charged: UInt64 = 0

    init(scenario: Scenario, loop: any EventLoop, wallClockMilliseconds: @escaping (NIODeadline) -> Int64) {
        var configuration = CollectorConfiguration()
        configuration.ackMode = scenario.collector.ackAfterPublish ? .afterPublish : .immediate
        configuration.publishDelay = scenario.collector.publishDelay
        configuration.deduplicate = scenario.collector.deduplicate
        configuration.seed = scenario.seed
        core = CollectorCore(configuration: configuration, stream: 0, sink: nil)
        ackMode = configuration.ackMode
        deduplicate = scenario.collector.deduplicate
        bucket = scenario.collector.maxEventsPerSecond.map {
            TokenBucket(ratePerSecond: $0 / Double(VirtualBackend.partitionCount))
        }
        self.loop = loop
        wallClock = wallClockMilliseconds
    }

    var outage: Bool { core.faults.outage }

    /// Publishing is stalled: the collector reads nothing until it ends.
    var stalled: Bool { core.faults.publishStall }

    /// Arms the fault schedule on the loop, relative to `start`.
    func schedule(_ faults: FaultSchedule, start: NIODeadline) {
        for step in faults.steps {
            loop.assumeIsolated().scheduleTask(deadline: start + DeviceTime.amount(step.at)) {
                let wasStalled = self.core.faults.publishStall
                self.core.faults = step.faults
                let open = self.connections.values.sorted(by: { $0.order < $1.order })
                // As the live collector does, an outage closes every open connection.
                if step.faults.outage {
                    for connection in open { connection.dropConnection() }
                }
                // The end of a stall reads what waited (`WebSocketSessionHandler.resumeAfterStall`).
                if wasStalled, !step.faults.publishStall {
                    for connection in open where connection.isConnected { connection.resumeAfterStall() }
                }
            }
        }
    }

    /// Whether a `max_events_per_second` limit holds reads back (`throttleOpenAt`).
    var throttled: Bool { bucket != nil }

    /// Nil when a message may be read now; else when the bucket's debt is paid back. Takes what
    /// the ledger accounted since the last call from the bucket first, as the live collector's
    /// `IngestThrottle.charge` does per read.
    func throttleOpenAt() -> NIODeadline? {
        guard var bucket else { return nil }
        let accounted = core.ledger.eventsAccounted
        let open = bucket.admit(taking: accounted &- charged, now: loop.now)
        charged = accounted
        self.bucket = bucket
        return open
    }

    /// A connection attempt: refused during an outage.
    func accept(_ connection: InMemoryConnection) -> Bool {
        guard !outage else {
            table.noteRefusedDuringOutage()
            return false
        }
        connections[ObjectIdentifier(connection)] = connection
        return true
    }

    func closed(_ connection: InMemoryConnection) {
        connections[ObjectIdentifier(connection)] = nil
    }

    /// One request, decided with the device's own random stream.
    func ingest(
        _ payload: ByteBuffer, memory: inout RequestGUIDMemory?, random: inout SeededRandom
    ) -> CollectorCore.Decision {
        core.ingest(
            payload, encoding: .protobuf, transport: .webSocket, requestMemory: &memory,
            serverTime: wallClock(loop.now), random: &random)
    }

    /// What this partition's collector counted for `run`: its figures, as the embedded server's
    /// `/stats` would show them, and every device's deliveries.
    func figures(run: UInt32) -> CollectorFigures {
        var delivered: [UInt32: SequenceBitmap] = [:]
        for (key, bitmap) in core.ledger.devices where UInt32(truncatingIfNeeded: key >> 32) == run {
            delivered[UInt32(truncatingIfNeeded: key)] = bitmap
        }
        let stats = CollectorStats(
            uptime: 0, ackMode: ackMode, table: table, counters: core.snapshot, faults: core.faults)
        return CollectorFigures(
            stats: stats, delivered: delivered, lostAfterAck: core.ledger.byDevice(core.ledger.lostAfterAck, run: run))
    }
}
