import Collector
import Dispatch
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Reports
import SwarmPrimitives

/// Runs a scenario on a virtual clock: the same devices and the same SDK code as a live run, but
/// each partition of the population runs on an `EmbeddedEventLoop` with an in-memory link to its
/// own collector core, so hours of device time take seconds. The same seed writes the same
/// report, byte for byte.
public enum SimulatedRunner {
    /// Device i runs in partition i mod `partitions`, each on its own thread. The count is fixed
    /// (not the machine's core count) so the report does not depend on the machine.
    public static let partitions = 2

    /// Virtual time zero on the wall clock: 2026-01-01T00:00:00Z, so reports do not depend on
    /// when they ran.
    static let epoch = Date(timeIntervalSince1970: 1_767_225_600)

    public static func run(_ scenario: Scenario, options: RunOptions = RunOptions()) async throws(RunError)
        -> LiveRunner.Result
    {
        let library: ScriptLibrary
        do { library = try ScriptLibrary(scenario: scenario) } catch { throw .invalidInput(error.description) }
        if options.startAt != nil {
            throw .invalidInput("--start-at is for live runs; a simulated run starts on its own virtual clock")
        }
        let shard = options.shard
        var seeds = SeededRandom(seed: scenario.seed, stream: 0x51_4D55_4C41)
        let runID = UInt32(truncatingIfNeeded: seeds.next())
        let runSeed = seeds.next()
        let context = RunContext(
            scenario: scenario, plan: ArrivalPlan(scenario: scenario), library: library, runID: runID,
            start: .uptimeNanoseconds(0), wallStart: epoch,
            endpoint: RunContext.Endpoint(host: "simulated", port: 0, path: "", transport: .websocket),
            checkDeliveries: true)
        let progress = SimulationProgress(partitions: partitions)
        let wallStarted = Date()
        let end = scenario.duration + scenario.drain

        let results: [PartitionResult] = await withTaskGroup(of: PartitionResult.self) { group in
            for partition in 0..<partitions {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        // A thread of its own: a partition blocks for the whole run, and must not
                        // hold one of the few threads Swift concurrency and Dispatch share.
                        Thread {
                            continuation.resume(
                                returning: runPartition(
                                    partition, context: context, runSeed: runSeed, progress: progress,
                                    stopper: options.stopper, shard: shard, only: options.onlyDevices,
                                    trace: options.trace))
                        }.start()
                    }
                }
            }
            let reporter = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(max(0.1, options.progressInterval) * 1e9))
                    if Task.isCancelled { break }
                    options.progress?(progress.line(scenario: scenario, end: end, wallStarted: wallStarted))
                }
            }
            var results: [PartitionResult] = []
            for await result in group { results.append(result) }
            reporter.cancel()
            return results.sorted { $0.partition < $1.partition }
        }

        var pending: [String: UInt64] = [:]
        var acked: [UInt32: SequenceBitmap] = [:]
        var snapshot: RecorderSnapshot?
        var accounting = CollectorAccounting()
        var delivered: [UInt32: SequenceBitmap] = [:]
        var reached = end
        for result in results {
            pending.merge(result.pending, uniquingKeysWith: +)
            acked.merge(result.acked, uniquingKeysWith: { first, _ in first })
            if snapshot == nil { snapshot = result.snapshot } else { snapshot!.merge(result.snapshot) }
            accounting.add(result.accounting)
            delivered.merge(result.delivered, uniquingKeysWith: { first, _ in first })
            reached = min(reached, result.reached)
        }
        let interrupted = results.contains { $0.interrupted }
        let wall = Date().timeIntervalSince(wallStarted)
        options.logger.debug(
            "simulated run finished",
            metadata: ["simulated_s": "\(reached)", "wall_s": "\(wall)", "speed": "\(reached / max(wall, 1e-9))"])
        let report = ReportAssembly(
            scenario: scenario, context: context, mode: .simulated, startedAt: epoch,
            endedAt: epoch.addingTimeInterval(reached), interrupted: interrupted, snapshot: snapshot!,
            pending: pending, acked: acked,
            collector: CollectorFigures(accounting: accounting, delivered: delivered), wallSeconds: 0,
            shard: shard
        ).report()
        let path = try ReportFile.write(report, scenario: scenario.name, at: Date(), to: options.outputDirectory)
        return LiveRunner.Result(
            report: report, reportPath: path, simulatedSecondsPerWallSecond: reached / max(wall, 1e-9),
            timeline: results.lazy.compactMap(\.timeline).first)
    }

    struct PartitionResult: Sendable {
        var partition: Int
        var pending: [String: UInt64]
        var acked: [UInt32: SequenceBitmap]
        var snapshot: RecorderSnapshot
        var accounting: CollectorAccounting
        var delivered: [UInt32: SequenceBitmap]
        var reached: Double
        var interrupted: Bool
        var timeline: DeviceTimeline?
    }

    /// One partition, start to end, on the calling thread (its loop's thread).
    static func runPartition(
        _ partition: Int, context: RunContext, runSeed: UInt64, progress: SimulationProgress, stopper: RunStopper,
        shard: RunInfo.Shard? = nil, only: [Int]? = nil, trace: Int? = nil
    ) -> PartitionResult {
        let scenario = context.scenario
        let loop = EmbeddedEventLoop()
        let wallStart = context.wallStart
        let collector = SimulatedCollector(scenario: scenario, loop: loop) { deadline in
            Int64((wallStart.timeIntervalSince1970 + Double(deadline.uptimeNanoseconds) / 1e9) * 1000)
        }
        collector.schedule(FaultSchedule(scenario.faults), start: context.start)
        let worker = LoopWorker(
            context: context, loop: loop,
            // A shard keeps each device in the partition it has in the whole run, so a merge of
            // the shards' reports equals the unsharded report.
            indexes: (only ?? Array(0..<scenario.population.devices)).filter { index in
                index % partitions == partition && (shard.map { index % $0.count == $0.index } ?? true)
            }
        ) { profile in
            InMemoryConnection(profile: profile, collector: collector, loop: loop, runSeed: runSeed)
        }
        worker.trace(trace)
        worker.schedule()
        let end = scenario.duration + scenario.drain
        var time = 0.0
        var interrupted = false
        while time < end {
            if stopper.isStopped {
                interrupted = true
                break
            }
            time = min(end, time + 10)
            loop.advanceTime(to: context.deadline(time))
            progress.update(partition, time: time, counters: worker.recorder.progress)
        }
        let finished = worker.finish()
        let snapshot = worker.recorder.snapshot()
        let figures = collector.figures(run: context.runID)
        let timeline = worker.timeline
        // Let every leftover timer run (they find their device finished) so the loop ends empty.
        loop.advanceTime(to: .uptimeNanoseconds(.max / 2))
        return PartitionResult(
            partition: partition, pending: finished.pending, acked: finished.acked, snapshot: snapshot,
            accounting: figures.accounting, delivered: figures.delivered, reached: time, interrupted: interrupted,
            timeline: timeline)
    }
}

/// The partitions' progress, shared with the status line.
final class SimulationProgress: Sendable {
    private let state: NIOLockedValueBox<[(time: Double, counters: ProgressCounters)]>

    init(partitions: Int) {
        state = NIOLockedValueBox(Array(repeating: (0, ProgressCounters()), count: partitions))
    }

    func update(_ partition: Int, time: Double, counters: ProgressCounters) {
        state.withLockedValue { $0[partition] = (time, counters) }
    }

    func line(scenario: Scenario, end: Double, wallStarted: Date) -> String {
        let parts = state.withLockedValue { $0 }
        let time = parts.map(\.time).min() ?? 0
        var counters = ProgressCounters()
        for part in parts { counters.merge(part.counters) }
        let wall = Date().timeIntervalSince(wallStarted)
        return "simulated \(Self.clock(time))/\(Self.clock(end))  speed \(Int(time / max(wall, 1e-9)))x  "
            + "devices \(counters.devicesOnline)/\(scenario.population.devices)  generated \(counters.generated)  "
            + "acked \(counters.acked)  drops \(counters.dropped)  reconnects \(counters.reconnects)"
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds)
        return String(format: "%02d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
    }
}
