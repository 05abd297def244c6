import ClickstreamSDK
import Collector
import Foundation
import Logging
import NIOCore
import NIOPosix
import Reports
import SwarmPrimitives

/// Runs a scenario live: real event loops, one real connection per device, against the embedded
/// collector or a remote one; measures, reconciles, and writes the report.
public enum LiveRunner {
    /// What a run produced: the report and where it was written.
    public struct Result: Sendable {
        public var report: RunReport
        public var reportPath: String
        /// Simulated runs: device seconds per wall-clock second.
        public var simulatedSecondsPerWallSecond: Double? = nil
        /// The timeline of `RunOptions.trace`'s device.
        public var timeline: DeviceTimeline? = nil
    }

    public static func run(_ scenario: Scenario, options: RunOptions = RunOptions()) async throws(RunError) -> Result {
        let logger = options.logger
        // A shard holds sockets for its own devices only.
        let devices =
            options.shard?.indexes(population: scenario.population.devices).reduce(0) { count, _ in count + 1 }
            ?? scenario.population.devices
        let embedded = scenario.target == .embedded
        if let startAt = options.startAt, startAt.timeIntervalSinceNow < -5 {
            throw .invalidInput(
                "--start-at \(RunInfo.timestamp(startAt)) is \(Int(-startAt.timeIntervalSinceNow)) seconds in the past; "
                    + "give a time in the future")
        }
        try raiseDescriptorLimit(devices: devices, embedded: embedded)
        let library: ScriptLibrary
        do { library = try ScriptLibrary(scenario: scenario) } catch { throw .invalidInput(error.description) }

        let threads = options.threads > 0 ? options.threads : System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var collector: CollectorServer?
        do {
            let endpoint: RunContext.Endpoint
            if embedded {
                let server = try await startCollector(scenario)
                collector = server
                endpoint = RunContext.Endpoint(
                    host: server.host, port: server.port, path: "/api/v1/events",
                    transport: scenario.collector.transport)
            } else {
                endpoint = try await reachableEndpoint(scenario.target, group: group)
            }
            let result = try await drive(
                scenario, library: library, endpoint: endpoint, group: group, collector: collector, options: options)
            try? await collector?.shutdown()
            try? await group.shutdownGracefully()
            logger.debug("run finished", metadata: ["report": "\(result.reportPath)"])
            return result
        } catch {
            try? await collector?.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    // MARK: Set-up

    /// Each device holds one socket, and the embedded collector one more per device.
    static func descriptorsNeeded(devices: Int, embedded: Bool) -> UInt64 {
        UInt64(devices) * (embedded ? 2 : 1) + 256
    }

    private static func raiseDescriptorLimit(devices: Int, embedded: Bool) throws(RunError) {
        let needed = descriptorsNeeded(devices: devices, embedded: embedded)
        try checkDescriptors(
            needed: needed, devices: devices, embedded: embedded, limits: FileDescriptorLimit.ensure(needed))
    }

    /// Fails with what to do when the limits in force leave no room for `needed` descriptors.
    static func checkDescriptors(
        needed: UInt64, devices: Int, embedded: Bool, limits: FileDescriptorLimit.Limits?
    ) throws(RunError) {
        guard let limits else { throw .setupFailed("cannot read the open-file limit (getrlimit failed)") }
        guard limits.soft < needed else { return }
        let perDevice: UInt64 = embedded ? 2 : 1
        let most = limits.soft > 256 ? (limits.soft - 256) / perDevice : 0
        throw .setupFailed(
            "\(devices) devices need about \(needed) file descriptors"
                + (embedded ? " (two per device with the embedded collector)" : "")
                + ", but the open-file limit is \(limits.soft) (hard limit \(limits.hard)) and the system refused "
                + "to raise it; run as root or raise it (ulimit -Hn \(needed); ulimit -n \(needed)), "
                + "or run at most \(most) devices")
    }

    private static func startCollector(_ scenario: Scenario) async throws(RunError) -> CollectorServer {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = scenario.collector.threads
        configuration.maxConnections = max(30_000, scenario.population.devices * 2)
        configuration.ackMode = scenario.collector.ackAfterPublish ? .afterPublish : .immediate
        configuration.publishDelay = scenario.collector.publishDelay
        configuration.deduplicate = scenario.collector.deduplicate
        configuration.maxMessageBytes = scenario.collector.maxMessageBytes
        configuration.seed = scenario.seed
        do {
            return try await CollectorServer.start(
                configuration: configuration, logger: Logger(label: "clickswarm.collector"))
        } catch {
            throw .setupFailed("the embedded collector did not start: \(error)")
        }
    }

    private static func reachableEndpoint(
        _ target: Scenario.Target, group: MultiThreadedEventLoopGroup
    ) async throws(RunError) -> RunContext.Endpoint {
        guard case .remote(let url, let scheme, let host, let port, let path) = target else {
            throw .invalidInput("no target")
        }
        if scheme == .wss {
            throw .invalidInput("\(url): wss:// (TLS) is not supported yet; use ws:// or http://")
        }
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .connect(host: host, port: port).get()
            try? await channel.close()
        } catch {
            throw .setupFailed("the target \(url) is unreachable: \(error)")
        }
        return RunContext.Endpoint(host: host, port: port, path: path, transport: scheme == .http ? .rest : .websocket)
    }

    // MARK: The run

    private static func drive(
        _ scenario: Scenario, library: ScriptLibrary, endpoint: RunContext.Endpoint,
        group: MultiThreadedEventLoopGroup, collector: CollectorServer?, options: RunOptions
    ) async throws(RunError) -> Result {
        let loops = Array(group.makeIterator())
        // Time zero leaves room to build the devices first (about 50 us each on one loop).
        let own = options.shard.map { Array($0.indexes(population: scenario.population.devices)) }
        var setUp = 0.5 + Double(own?.count ?? scenario.population.devices) * 100e-6 / Double(loops.count)
        // Shards of one run share their time zero (`--start-at`), and with it the run id.
        if let startAt = options.startAt { setUp = max(0, startAt.timeIntervalSinceNow) }
        let wallStart = options.startAt ?? Date().addingTimeInterval(setUp)
        let start = NIODeadline.now() + DeviceTime.amount(setUp)
        var runSeed = SeededRandom(seed: scenario.seed ^ UInt64(wallStart.timeIntervalSince1970 * 1e6))
        let context = RunContext(
            scenario: scenario, plan: ArrivalPlan(scenario: scenario), library: library,
            runID: UInt32(truncatingIfNeeded: runSeed.next()), start: start, wallStart: wallStart,
            endpoint: endpoint, checkDeliveries: collector != nil)

        // One worker per loop, built on its loop: device i lives on loop i mod the loop count.
        var workers: [NIOLoopBound<LoopWorker>] = []
        for (position, loop) in loops.enumerated() {
            // A shard's (or a replay's) devices are dealt over the loops in turn, so each loop gets
            // its share.
            let chosen = options.onlyDevices ?? own
            let indexes =
                chosen.map { own in Array(stride(from: position, to: own.count, by: loops.count).map { own[$0] }) }
                ?? Array(stride(from: position, to: scenario.population.devices, by: loops.count))
            let trace = options.trace
            let worker = try? await loop.submit {
                let worker = LoopWorker(context: context, loop: loop, indexes: indexes) { profile in
                    SocketDeviceConnection(profile: profile, endpoint: endpoint, loop: loop)
                }
                worker.trace(trace)
                worker.schedule()
                return NIOLoopBound(worker, eventLoop: loop)
            }.get()
            guard let worker else { throw .setupFailed("event loop \(position) is shut down") }
            workers.append(worker)
        }
        let faults = collector.map { server in
            Task { await FaultSchedule(scenario.faults).play(on: server, start: start) }
        }

        // Wait for the journeys, then the drain, showing progress.
        let journeysEnd = start + DeviceTime.amount(scenario.duration)
        let drainEnd = journeysEnd + DeviceTime.amount(scenario.drain)
        let progress = ProgressReporter(
            scenario: scenario, plan: context.plan, start: start, workers: workers, interval: options.progressInterval,
            sink: options.progress, live: options.live, runID: String(format: "%08x", context.runID))
        var interrupted = false
        while NIODeadline.now() < drainEnd {
            if options.stopper.isStopped {
                interrupted = true
                break
            }
            await progress.tick()
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        faults?.cancel()
        let ended = Date()

        // Account: every device's pending events, the recorders, the collector's deliveries.
        var pending: [String: UInt64] = [:]
        var acked: [UInt32: SequenceBitmap] = [:]
        var snapshot: RecorderSnapshot?
        var timeline: DeviceTimeline?
        for worker in workers {
            let part = try? await worker.eventLoop.submit {
                let finished = worker.value.finish()
                return (finished.pending, finished.acked, worker.value.recorder.snapshot(), worker.value.timeline)
            }.get()
            guard let part else { throw .setupFailed("an event loop shut down before the run was accounted") }
            pending.merge(part.0, uniquingKeysWith: +)
            acked.merge(part.1, uniquingKeysWith: { first, _ in first })
            if snapshot == nil { snapshot = part.2 } else { snapshot!.merge(part.2) }
            timeline = timeline ?? part.3
        }
        var figures: CollectorFigures?
        if let collector { figures = try await CollectorFigures.read(from: collector, run: context.runID) }
        let report = ReportAssembly(
            scenario: scenario, context: context, mode: .live, startedAt: wallStart, endedAt: ended,
            interrupted: interrupted, snapshot: snapshot!, pending: pending, acked: acked, collector: figures,
            shard: options.shard
        ).report()
        let path = try ReportFile.write(report, scenario: scenario.name, at: wallStart, to: options.outputDirectory)
        return Result(report: report, reportPath: path, timeline: timeline)
    }
}
