import Collector
import Foundation
import Logging
import NIOCore
import NIOPosix
import Reports
import SwarmKafka
import SwarmPrimitives

/// The live backend: NIOPosix event loops (one per core unless `--threads`), each device a real
/// connection through its link conditioner, to the embedded collector (started here, in-process)
/// or a remote one; run time is wall-clock time.
actor LiveBackend: RunBackend {
    nonisolated let mode = RunInfo.Mode.live
    nonisolated let partitions: Int
    nonisolated let checksDeliveries: Bool
    private let scenario: Scenario
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private(set) var collector: CollectorServer?
    /// The run's own Kafka broker (`collector.kafka: local`).
    private(set) var broker: KafkaMockCluster?
    private var brokerFaults: BrokerFaultPlayback?
    private var endpoint: CollectorEndpoint?
    private var workers: [NIOLoopBound<LoopWorker>] = []
    private var start = NIODeadline.now()
    private var faults: [Scheduled<Void>] = []
    private var shutDown = false
    /// The embedded collector the caller runs for several runs (`RunOptions.sharedCollector`).
    private let shared: CollectorServer?

    init(scenario: Scenario, options: RunOptions) {
        self.scenario = scenario
        self.logger = options.logger
        partitions = (1...Self.mostThreads).contains(options.threads) ? options.threads : System.coreCount
        shared = scenario.target == .embedded ? options.sharedCollector : nil
        // A shared collector's figures mix several runs: the run is accounted as with a remote one.
        checksDeliveries = scenario.target == .embedded && shared == nil
        group = MultiThreadedEventLoopGroup(numberOfThreads: partitions)
    }

    /// A floor for one live device's memory (capacity-ramp measured about 30 KiB per device).
    static let bytesPerDevice: UInt64 = 16 << 10

    /// More event-loop threads than this only add switching; 100,000 exhausted the descriptors.
    static let mostThreads = 1024

    nonisolated func check(_ options: RunOptions, devices: Int) throws(RunError) {
        guard options.threads >= 0, options.threads <= Self.mostThreads else {
            throw .invalidInput(
                "--threads \(options.threads) is outside 0 (one per core: \(System.coreCount) here) to "
                    + "\(Self.mostThreads)")
        }
        try checkMemory(devices: devices, perDevice: Self.bytesPerDevice, mode: "live")
        if let startAt = options.startAt, startAt.timeIntervalSinceNow > 86_400 {
            throw .invalidInput(
                "--start-at \(RunInfo.timestamp(startAt)) is more than a day away; give a time within the next 24 hours"
            )
        }
        if let startAt = options.startAt, startAt.timeIntervalSinceNow < -5 {
            throw .invalidInput(
                "--start-at \(RunInfo.timestamp(startAt)) is \(Int(-startAt.timeIntervalSinceNow)) seconds in the past; "
                    + "give a time in the future")
        }
        let embedded = scenario.target == .embedded
        try Self.checkDescriptors(
            needed: Self.descriptorsNeeded(devices: devices, embedded: embedded), devices: devices,
            embedded: embedded,
            limits: FileDescriptorLimit.ensure(Self.descriptorsNeeded(devices: devices, embedded: embedded)))
    }

    func clock(devices: Int, options: RunOptions) async throws(RunError) -> RunClock {
        if let shared {
            endpoint = CollectorEndpoint(
                host: shared.host, port: shared.port, path: "/api/v1/events", transport: scenario.collector.transport)
        } else if scenario.target == .embedded {
            broker = try Self.startBroker(for: scenario)
            let (server, tls) = try await Self.startCollector(
                scenario, kafka: Self.kafkaPublishing(for: scenario, broker: broker), logger: logger)
            collector = server
            endpoint = CollectorEndpoint(
                host: server.host, port: server.grpcPort ?? server.port, path: "/api/v1/events",
                transport: scenario.collector.transport, tls: tls)
        } else {
            endpoint = try await Self.reachableEndpoint(scenario.target, tls: scenario.targetTLS, group: group)
        }
        // Time zero leaves room to build the devices first (about 50 us each on one loop); the
        // shards of one run share theirs (`--start-at`), and with it the run id.
        var setUp = 0.5 + Double(devices) * 100e-6 / Double(partitions)
        if let startAt = options.startAt { setUp = max(0, startAt.timeIntervalSinceNow) }
        let wallStart = options.startAt ?? Date().addingTimeInterval(setUp)
        start = NIODeadline.now() + DeviceTime.amount(setUp)
        var runSeed = SeededRandom(seed: scenario.seed ^ UInt64(wallStart.timeIntervalSince1970 * 1e6))
        return RunClock(
            start: start, wallStart: wallStart, runID: UInt32(truncatingIfNeeded: runSeed.next()),
            runSeed: runSeed.next(), virtual: false)
    }

    func start(_ context: RunContext, assignment: [[Int]], trace: Int?) async throws(RunError) {
        guard let endpoint else { throw .setupFailed("the live backend has no collector endpoint") }
        // One worker per loop, built and scheduled on its loop, and the faults armed on timers of
        // their own, all before the first await: time zero is fixed already, and an await may
        // wait behind every other task of a busy process (a test process's hundreds of tests held
        // Swift concurrency's pool for 50 s, and a broker outage came and went before a device
        // had started).
        let builds = group.makeIterator().enumerated().map { position, loop in
            let indexes = assignment[position]
            return loop.submit {
                let timers = LoopTimerQueue(loop: loop)
                let worker = LoopWorker(context: context, loop: loop, scheduler: timers, indexes: indexes) { profile in
                    SocketDeviceConnection(profile: profile, endpoint: endpoint, loop: loop, timers: timers)
                }
                worker.trace(trace)
                worker.schedule()
                return NIOLoopBound(worker, eventLoop: loop)
            }
        }
        if let collector { faults = FaultSchedule(scenario.faults).play(on: collector, start: context.start) }
        if let broker { brokerFaults = BrokerFaultSchedule(scenario.faults).play(on: broker, start: context.start) }
        for (position, build) in builds.enumerated() {
            guard let worker = try? await build.get() else { throw .setupFailed("event loop \(position) is shut down") }
            workers.append(worker)
        }
    }

    func advance(to end: Double, stopper: RunStopper) async -> RunProgressEnd {
        let deadline = start + DeviceTime.amount(end)
        defer {
            faults.forEach { $0.cancel() }
            brokerFaults?.cancel()
        }
        while NIODeadline.now() < deadline {
            if stopper.isStopped { return RunProgressEnd(reached: elapsed, interrupted: true) }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return RunProgressEnd(reached: elapsed, interrupted: false)
    }

    private var elapsed: Double { max(0, Double((NIODeadline.now() - start).nanoseconds) / 1e9) }

    func sample() async -> ProgressSample {
        var counters = ProgressCounters()
        for worker in workers {
            if let part = try? await worker.eventLoop.submit({ worker.value.recorder.progress }).get() {
                counters.merge(part)
            }
        }
        return ProgressSample(time: elapsed, counters: counters)
    }

    func partialSnapshot() async -> RecorderSnapshot? {
        var merged = RecorderSnapshot()
        for worker in workers {
            guard let part = try? await worker.eventLoop.submit({ worker.value.recorder.snapshot() }).get() else {
                return nil
            }
            merged.merge(part)
        }
        return merged
    }

    func finish() async throws(RunError) -> [PartitionResult] {
        var results: [PartitionResult] = []
        for worker in workers {
            let part = try? await worker.eventLoop.submit {
                let finished = worker.value.finish()
                return PartitionResult(
                    pending: finished.pending, acked: finished.acked, snapshot: worker.value.recorder.snapshot(),
                    timeline: worker.value.timeline)
            }.get()
            guard let part else { throw .setupFailed("an event loop shut down before the run was accounted") }
            results.append(part)
        }
        return results
    }

    func collectorFigures(run: UInt32) async throws(RunError) -> CollectorFigures? {
        guard let collector else { return nil }
        // Every batch handed to Kafka gets its outcome before the figures are read.
        if scenario.collector.kafka != nil {
            await collector.finishPublishing(within: Self.publishingGrace(for: scenario))
            // A broker_down window that outlasts the run ends here, so that the audit can read.
            try? broker?.setBrokerUp()
        }
        do {
            return CollectorFigures(
                stats: try await collector.stats(), delivered: try await collector.deliveries(run: run),
                lostAfterAck: try await collector.lostAfterAck(run: run))
        } catch {
            throw .setupFailed("the embedded collector's accounting could not be read: \(error)")
        }
    }

    func shutdown() async {
        guard !shutDown else { return }
        shutDown = true
        faults.forEach { $0.cancel() }
        brokerFaults?.cancel()
        try? await collector?.shutdown()
        broker?.close()
        try? await group.shutdownGracefully()
    }
}
