import Collector
import Foundation
import Logging
import NIOConcurrencyHelpers
import Reports

/// How a run is carried out, beyond the scenario: where reports go, what the user sees.
public struct RunOptions: Sendable {
    /// Run on a virtual clock (`--simulated`): `EmbeddedEventLoop` partitions, in-memory links
    /// and a collector core per partition; hours of device time in seconds.
    public var simulated = false
    /// Where the JSON report is written (created when missing).
    public var outputDirectory = "results"
    /// Receives a status line every `progressInterval` seconds; nil for none.
    public var progress: (@Sendable (String) -> Void)?
    public var progressInterval: Double = 1
    /// Seconds of wall time between partial reports (`<report>.partial.json`); 0 for none.
    public var partialInterval: Double = 10
    /// Receives the run id, the running totals and the seconds since the start every
    /// `progressInterval`, whether or not `progress` is set; nil for none. Called off the event
    /// loops, but on the runner's task: it must return at once (hand slow work to a queue).
    public var live: (@Sendable (_ runID: String, _ counters: ProgressCounters, _ elapsed: Double) -> Void)?
    /// Event-loop threads for the devices of a live run; 0 is one per core.
    public var threads = 0
    /// Ends the run early (Ctrl-C); the report is still written.
    public var stopper = RunStopper()
    /// Where the run logs (debug and trace); nothing unless the caller hands one in.
    public var logger = Logger(label: "clickswarm.run", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Run only these devices of the population (`clickswarm replay`); nil runs them all.
    public var onlyDevices: [Int]?
    /// Record this device's timeline (`Result.timeline`).
    public var trace: Int?
    /// Run only this shard's devices (`--shard i/N`); nil runs the whole population.
    public var shard: RunInfo.Shard?
    /// After the drain, look for the acked events in the collector's Kafka topics
    /// (`--audit-kafka`); live runs only.
    public var audit: KafkaAuditSettings?
    /// Live runs: time zero on the wall clock (`--start-at`), shared by the shards of one run;
    /// nil starts as soon as the devices are built.
    public var startAt: Date?
    /// Live runs with `target: embedded`: use this running collector instead of starting one,
    /// and leave it running (`clickswarm capacity` keeps one collector over its steps). Its
    /// figures mix runs, so the run is accounted as against a remote collector.
    public var sharedCollector: CollectorServer?
    /// Keep each second's latency buckets in the report's `series` (as a shard's report does), so
    /// that percentiles over a window of seconds can be computed (`clickswarm capacity`).
    public var secondBuckets = false

    public init() {}
}

/// Ends a run early from another thread (a signal handler): journeys stop, nothing drains, and
/// the report is written with `interrupted` set. Hurrying (a second signal) also skips what can
/// wait after the report is written: the pushes.
public final class RunStopper: Sendable {
    private let state = NIOLockedValueBox((stopped: false, hurried: false))
    public init() {}
    public func stop() { state.withLockedValue { $0.stopped = true } }
    /// Stop, and skip the pushes.
    public func hurry() { state.withLockedValue { $0 = (true, true) } }
    public var isStopped: Bool { state.withLockedValue { $0.stopped } }
    public var isHurried: Bool { state.withLockedValue { $0.hurried } }
}
