import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Reports
import SwarmPrimitives

/// The virtual-clock backend: the same devices and SDK code as a live run, but each partition
/// runs on a `VirtualClockLoop` on its own thread, with an in-memory link per device to the
/// partition's own collector core, and run time advances as fast as the machine can; hours of
/// device time take seconds. The same seed writes the same report, byte for byte.
actor VirtualBackend: RunBackend {
    /// The partition count is fixed (not the machine's core count) so that the report does not
    /// depend on the machine.
    static let partitionCount = 2

    /// Virtual time zero on the wall clock: 2026-01-01T00:00:00Z, so that reports do not depend
    /// on when they ran.
    static let epoch = Date(timeIntervalSince1970: 1_767_225_600)

    /// Run time advances in steps of this many seconds; the stop flag and progress are looked at
    /// between steps.
    static let step = 10.0

    nonisolated let mode = RunInfo.Mode.simulated
    nonisolated let partitions = VirtualBackend.partitionCount
    nonisolated let checksDeliveries = true
    private let scenario: Scenario
    private let progress: VirtualProgress
    private var plan: (context: RunContext, assignment: [[Int]], trace: Int?, runSeed: UInt64)?
    private var results: [VirtualPartition.Result] = []

    init(scenario: Scenario) {
        self.scenario = scenario
        progress = VirtualProgress(partitions: Self.partitionCount)
    }

    nonisolated func check(_ options: RunOptions, devices: Int) throws(RunError) {
        guard scenario.target == .embedded else {
            throw .invalidInput(
                "a simulated run has its own in-memory collector; it cannot use the target \(scenario.target)")
        }
        if options.startAt != nil {
            throw .invalidInput("--start-at is for live runs; a simulated run starts on its own virtual clock")
        }
        if scenario.collector.kafka != nil {
            throw .invalidInput(
                "collector.kafka publishes to real Kafka brokers, which a simulated run cannot reach in virtual "
                    + "time; run it live (without --simulated), or remove collector.kafka to simulate the rest")
        }
        if options.threads > 0 {
            throw .invalidInput(
                "--threads is for live runs; a simulated run always uses \(Self.partitionCount) partitions so that "
                    + "its report does not depend on the machine")
        }
        if options.audit != nil {
            throw .invalidInput(
                "--audit-kafka is for live runs: a simulated run's in-memory collector publishes nothing to Kafka")
        }
        try checkMemory(devices: devices, perDevice: Self.bytesPerDevice, mode: "simulated")
    }

    /// A floor for one simulated device's memory (day-in-the-life measured 83 KiB per device).
    static let bytesPerDevice: UInt64 = 48 << 10

    func clock(devices: Int, options: RunOptions) async throws(RunError) -> RunClock {
        var seeds = SeededRandom(seed: scenario.seed, stream: 0x51_4D55_4C41)
        let runID = UInt32(truncatingIfNeeded: seeds.next())
        return RunClock(
            start: .uptimeNanoseconds(0), wallStart: Self.epoch, runID: runID, runSeed: seeds.next(), virtual: true)
    }

    func start(_ context: RunContext, assignment: [[Int]], trace: Int?) async throws(RunError) {
        // The partitions build their devices on their own threads, when run time starts.
        var seeds = SeededRandom(seed: scenario.seed, stream: 0x51_4D55_4C41)
        _ = seeds.next()
        plan = (context, assignment, trace, seeds.next())
    }

    func advance(to end: Double, stopper: RunStopper) async -> RunProgressEnd {
        guard let plan else { return RunProgressEnd(reached: 0, interrupted: false) }
        let progress = self.progress
        results = await withTaskGroup(of: VirtualPartition.Result.self) { group in
            for (partition, indexes) in plan.assignment.enumerated() {
                let setup = VirtualPartition(
                    index: partition, context: plan.context, devices: indexes, runSeed: plan.runSeed,
                    trace: plan.trace)
                group.addTask {
                    // A thread of its own: a partition blocks for the whole run, and must not
                    // hold one of the few threads of Swift concurrency's pool or of Dispatch's.
                    await BlockingThread.run("clickswarm.partition-\(partition)") {
                        setup.run(to: end, step: Self.step, stopper: stopper, progress: progress)
                    }
                }
            }
            var results: [VirtualPartition.Result] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.partition < $1.partition }
        }
        return RunProgressEnd(
            reached: results.map(\.reached).min() ?? 0, interrupted: results.contains { $0.interrupted })
    }

    func sample() async -> ProgressSample { progress.sample() }

    /// Asks each partition for its recorder at its next step and waits (a few seconds at most)
    /// for them all; a partition that has finished counts with its last one.
    func partialSnapshot() async -> RecorderSnapshot? {
        let ticket = progress.requestSnapshots()
        for _ in 0..<200 {
            if let merged = progress.snapshots(for: ticket) { return merged }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return nil
    }

    func finish() async throws(RunError) -> [PartitionResult] { results.map(\.outcome) }

    func collectorFigures(run: UInt32) async throws(RunError) -> CollectorFigures? {
        var figures: CollectorFigures?
        for result in results {
            if figures == nil { figures = result.collector } else { figures!.add(result.collector) }
        }
        return figures
    }

    /// A simulated run publishes nowhere (`check` refuses `collector.kafka`).
    func defaultAudit() async -> KafkaAuditSettings? { nil }

    func shutdown() async {}
}

/// The partitions' progress, shared with the status line: each partition's run time reached and
/// running totals.
final class VirtualProgress: Sendable {
    private let state: NIOLockedValueBox<[(time: Double, counters: ProgressCounters)]>
    /// Recorder snapshots asked for by a partial report: the request's number, and each
    /// partition's answer with the request it answered.
    private let snapshots: NIOLockedValueBox<(request: Int, parts: [(request: Int, snapshot: RecorderSnapshot)?])>

    init(partitions: Int) {
        state = NIOLockedValueBox(Array(repeating: (0, ProgressCounters()), count: partitions))
        snapshots = NIOLockedValueBox((0, Array(repeating: nil, count: partitions)))
    }

    /// Asks every partition for its recorder; returns the request's number.
    func requestSnapshots() -> Int {
        snapshots.withLockedValue { state in
            state.request += 1
            return state.request
        }
    }

    /// Whether partition `index` owes an answer to the latest request.
    func wantsSnapshot(_ index: Int) -> Bool {
        snapshots.withLockedValue { $0.request > ($0.parts[index]?.request ?? 0) }
    }

    /// Partition `index`'s recorder, answering the latest request (or its last, when finished).
    func publish(_ index: Int, _ snapshot: RecorderSnapshot, finished: Bool = false) {
        snapshots.withLockedValue { state in
            state.parts[index] = (finished ? Int.max : state.request, snapshot)
        }
    }

    /// Every partition's answer to `request`, merged; nil until they all answered.
    func snapshots(for request: Int) -> RecorderSnapshot? {
        let parts = snapshots.withLockedValue { $0.parts }
        var merged = RecorderSnapshot()
        for part in parts {
            guard let part, part.request >= request else { return nil }
            merged.merge(part.snapshot)
        }
        return merged
    }

    func update(_ partition: Int, time: Double, counters: ProgressCounters) {
        state.withLockedValue { $0[partition] = (time, counters) }
    }

    /// A partition's run time only, its counters as last given.
    func update(_ partition: Int, time: Double) {
        state.withLockedValue { $0[partition].time = time }
    }

    /// The slowest partition's time and everybody's totals.
    func sample() -> ProgressSample {
        let parts = state.withLockedValue { $0 }
        var counters = ProgressCounters()
        for part in parts { counters.merge(part.counters) }
        return ProgressSample(time: parts.map(\.time).min() ?? 0, counters: counters)
    }
}
