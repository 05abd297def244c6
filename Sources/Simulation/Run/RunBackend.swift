import Foundation
import NIOCore
import Reports
import SwarmPrimitives

/// What a run needs from the world its devices live in: event loops (partitions), a way for each
/// device to reach the collector, a clock that advances, and the collector's own figures.
///
/// `RunDriver` does everything else the same way whatever the backend: which device runs where,
/// progress lines and live pushes, merging, reconciliation, the report and its file. There are
/// two backends: `LiveBackend` (NIOPosix event loops, real sockets through the link conditioner,
/// the embedded or a remote collector, time passing on the wall clock) and `VirtualBackend`
/// (`EmbeddedEventLoop` partitions, in-memory links, a collector core per partition, time advanced
/// as fast as the machine can).
///
/// The driver calls, in order: `check`, `clock`, `start`, then `advance` (while `sample` may be
/// called from another task at any time), `finish`, `collectorFigures`, and `shutdown` last,
/// whatever happened before.
protocol RunBackend: Sendable {
    /// `live` or `simulated`, as the report says.
    var mode: RunInfo.Mode { get }
    /// How many partitions (event loops) the devices are dealt over.
    var partitions: Int { get }
    /// Whether each device keeps a bitmap of its acked guids, to check against the collector's
    /// deliveries (only when the backend can read the collector's figures).
    var checksDeliveries: Bool { get }

    /// Refuses what this backend cannot honour, with a message that says why.
    func check(_ options: RunOptions, devices: Int) throws(RunError)
    /// Prepares the loops and the collector, and sets the run's clock and identity.
    func clock(devices: Int, options: RunOptions) async throws(RunError) -> RunClock
    /// Builds each partition's devices (`assignment[p]`) on its loop and arms their schedules.
    func start(_ context: RunContext, assignment: [[Int]], trace: Int?) async throws(RunError)
    /// Lets run time pass until `end` seconds or a stop; returns how far it got.
    func advance(to end: Double, stopper: RunStopper) async -> RunProgressEnd
    /// The running totals and how far the run has got.
    func sample() async -> ProgressSample
    /// Every partition's recorder so far, merged, for a partial report; nil when it cannot be had
    /// now.
    func partialSnapshot() async -> RecorderSnapshot?
    /// Ends every device: each partition's pending events, acks, recorder and timeline.
    func finish() async throws(RunError) -> [PartitionResult]
    /// What the collector counted for this run; nil when this backend cannot know it (a remote
    /// collector).
    func collectorFigures(run: UInt32) async throws(RunError) -> CollectorFigures?
    /// The audit a run gets without `--audit-kafka`: of the brokers the embedded collector
    /// publishes to (`collector.kafka`), once `clock` has started them; nil otherwise.
    func defaultAudit() async -> KafkaAuditSettings?
    /// Releases loops and servers; called once, whatever happened.
    func shutdown() async
}

/// Refuses a device count the machine cannot hold, before anything is built: `perDevice`
/// bytes is a floor for what one device costs (its SDK, store, app and link), so a refusal
/// means the run could not have fit.
func checkMemory(devices: Int, perDevice: UInt64, mode: String, available: UInt64? = SystemMemory.available())
    throws(RunError)
{
    guard let available, devices > 0 else { return }
    let (needed, overflow) = UInt64(devices).multipliedReportingOverflow(by: perDevice)
    guard overflow || needed > available else { return }
    let most = available / perDevice
    throw .setupFailed(
        "\(devices) devices need at least \(perDevice / 1024) KiB each in a \(mode) run, more than the "
            + "\(available >> 20) MiB of memory this machine has available; run at most \(most) devices here, "
            + "or split the population into shards (--shard i/N) over several machines")
}

/// A run's time zero and identity, as its backend sets them.
struct RunClock: Sendable {
    /// Time zero on the event loops' clock.
    var start: NIODeadline
    /// Time zero on the wall clock (event timestamps, the report's start).
    var wallStart: Date
    /// The run field of every event guid.
    var runID: UInt32
    /// Seeds what the backend derives per device (the virtual collector's fault streams).
    var runSeed: UInt64
    /// True when run time is virtual: the report's end is `wallStart + reached` and its
    /// `wall_seconds` 0, so that it does not depend on the machine.
    var virtual: Bool
}

/// How far `advance` got.
struct RunProgressEnd: Sendable {
    /// Seconds of run time reached.
    var reached: Double
    /// Stopped early (Ctrl-C, SIGTERM).
    var interrupted: Bool
}

/// The running totals at one moment and the run time they were read at.
struct ProgressSample: Sendable {
    var time: Double
    var counters: ProgressCounters
}

/// One partition's share of the run's outcome.
struct PartitionResult: Sendable {
    /// Events still held by the devices at the end, by event type.
    var pending: [String: UInt64]
    /// Each device's acked sequence numbers (empty unless the backend checks deliveries).
    var acked: [UInt32: SequenceBitmap]
    var snapshot: RecorderSnapshot
    var timeline: DeviceTimeline?
}
