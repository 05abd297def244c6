import Foundation
import Logging
import Reports
import SwarmPrimitives

/// Runs a scenario: one driver over a live or a virtual-clock backend (`RunBackend`).
///
/// The driver owns what every run does the same way: it checks the options against the
/// backend and the report's folder, picks the devices (population, shard, explicit list) and
/// deals them over the backend's partitions, shows progress, feeds live pushes and keeps a
/// partial report, lets run time pass to the end of the journeys and the drain (or a stop),
/// then merges every partition's pending events, acks and recorder, reconciles them with the
/// collector's figures, assembles the report and writes it. The backend supplies the loops, the
/// devices' connections, the clock and the collector.
public enum RunDriver {
    public static func run(_ scenario: Scenario, options: RunOptions = RunOptions()) async throws(RunError)
        -> RunResult
    {
        let backend: any RunBackend =
            options.simulated ? VirtualBackend(scenario: scenario) : LiveBackend(scenario: scenario, options: options)
        var destination: ReportDestination?
        do throws(RunError) {
            // Checked before the device list is built: 20,000,000 devices are refused at once.
            try backend.check(
                options,
                devices: DeviceAssignment.count(
                    population: scenario.population.devices, shard: options.shard, only: options.onlyDevices))
            let devices = DeviceAssignment.devices(
                population: scenario.population.devices, shard: options.shard, only: options.onlyDevices)
            let library: ScriptLibrary
            do { library = try ScriptLibrary(scenario: scenario) } catch { throw .invalidInput(error.description) }
            // Where the report goes is settled before anything starts.
            let reserved = try ReportDestination.reserve(
                directory: options.outputDirectory, scenario: scenario.name, at: Date(), shard: options.shard)
            destination = reserved
            let result = try await drive(
                scenario, library: library, devices: devices, backend: backend, destination: reserved,
                options: options)
            await backend.shutdown()
            options.logger.debug(
                "run finished", metadata: ["report": "\(result.reportPath)", "mode": "\(backend.mode.rawValue)"])
            return result
        } catch {
            await backend.shutdown()
            if let destination { FileIO.remove(destination.partialPath) }
            throw error
        }
    }

    private static func drive(
        _ scenario: Scenario, library: ScriptLibrary, devices: [Int], backend: any RunBackend,
        destination: ReportDestination, options: RunOptions
    ) async throws(RunError) -> RunResult {
        let clock = try await backend.clock(devices: devices.count, options: options)
        var auditSettings = options.audit
        if auditSettings == nil { auditSettings = await backend.defaultAudit() }
        // An audit compares every acked guid with the topics, so the devices keep their ack bitmaps.
        let context = RunContext(
            scenario: scenario, library: library, clock: clock,
            checkDeliveries: backend.checksDeliveries || auditSettings != nil)
        try await backend.start(
            context, assignment: DeviceAssignment.deal(devices, over: backend.partitions), trace: options.trace)

        let progress = RunProgress(
            scenario: scenario, plan: context.plan, options: options, runID: RunInfo.runID(clock.runID),
            virtual: clock.virtual)
        let ticker = progress.isWanted ? Task { await progress.run(backend) } : nil
        let partials = PartialReports(
            scenario: scenario, context: context, mode: backend.mode, clock: clock, destination: destination,
            options: options)
        let writer = Task { await partials.run(backend) }
        let wallStarted = Date()
        let end = await backend.advance(to: scenario.duration + scenario.drain, stopper: options.stopper)
        ticker?.cancel()
        writer.cancel()
        await ticker?.value
        await writer.value
        let wall = Date().timeIntervalSince(wallStarted)
        let ended = Date()

        // Account: every device's pending events, the recorders, the collector's deliveries.
        var pending: [String: UInt64] = [:]
        var acked: [UInt32: SequenceBitmap] = [:]
        var snapshot = RecorderSnapshot()
        var timeline: DeviceTimeline?
        for part in try await backend.finish() {
            pending.merge(part.pending, uniquingKeysWith: +)
            acked.merge(part.acked, uniquingKeysWith: { first, _ in first })
            snapshot.merge(part.snapshot)
            timeline = timeline ?? part.timeline
        }
        let figures = try await backend.collectorFigures(run: clock.runID)
        var audit: KafkaAuditFigures?
        if let settings = auditSettings {
            audit = await KafkaAuditor(
                settings: settings, runID: clock.runID, since: clock.wallStart.addingTimeInterval(-60),
                devices: Set(devices.map { UInt32($0) })
            ).audit(acked: acked, ackedByType: snapshot.ackedByType)
        }
        let report = ReportAssembly(
            scenario: scenario, context: context, mode: backend.mode, startedAt: clock.wallStart,
            endedAt: clock.virtual ? clock.wallStart.addingTimeInterval(end.reached) : ended,
            interrupted: end.interrupted, snapshot: snapshot, pending: pending, acked: acked,
            collector: figures, audit: audit,
            wallSeconds: clock.virtual ? 0 : nil, shard: options.shard, secondBuckets: options.secondBuckets
        ).report()
        let written = try destination.writeFinal(report)
        options.logger.debug(
            "run accounted",
            metadata: ["run_s": "\(end.reached)", "wall_s": "\(wall)", "interrupted": "\(end.interrupted)"])
        return RunResult(
            report: report, reportPath: written.path, reportProblem: written.problem,
            simulatedSecondsPerWallSecond: clock.virtual ? end.reached / max(wall, 1e-9) : nil, timeline: timeline)
    }
}

/// The partial report a run keeps beside its final one: every `partialInterval` seconds of wall
/// time, the recorders so far, so that a run that is killed (SIGKILL, a crash) still leaves its
/// figures (`clickswarm report` renders it, marked partial).
struct PartialReports: Sendable {
    let scenario: Scenario
    let context: RunContext
    let mode: RunInfo.Mode
    let clock: RunClock
    let destination: ReportDestination
    let options: RunOptions

    init(
        scenario: Scenario, context: RunContext, mode: RunInfo.Mode, clock: RunClock,
        destination: ReportDestination, options: RunOptions
    ) {
        self.scenario = scenario
        self.context = context
        self.mode = mode
        self.clock = clock
        self.destination = destination
        self.options = options
    }

    /// Writes a partial report every interval until cancelled.
    func run(_ backend: any RunBackend) async {
        guard options.partialInterval > 0 else { return }
        var warned = false
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(options.partialInterval * 1e9))
            if Task.isCancelled { return }
            guard let snapshot = await backend.partialSnapshot(), !Task.isCancelled else { continue }
            let sample = await backend.sample()
            let report = ReportAssembly.partial(
                scenario: scenario, context: context, mode: mode, startedAt: clock.wallStart,
                now: clock.virtual ? clock.wallStart.addingTimeInterval(sample.time) : Date(), snapshot: snapshot,
                wallSeconds: clock.virtual ? 0 : nil, shard: options.shard)
            if let failure = destination.writePartial(report), !warned {
                warned = true
                options.logger.warning("the partial report cannot be written", metadata: ["error": "\(failure)"])
            }
        }
    }
}
