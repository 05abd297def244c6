import NIOCore
import Reports

/// Gathers the shards' running totals once an interval and hands a status line to the sink, and
/// the totals to the live callback.
final class ProgressReporter {
    private let scenario: Scenario
    private let start: NIODeadline
    private let workers: [NIOLoopBound<LoopWorker>]
    private let interval: Double
    private let sink: (@Sendable (String) -> Void)?
    private let live: (@Sendable (String, ProgressCounters, Double) -> Void)?
    private let runID: String
    private var previous: ProgressCounters?
    private var nextAt: NIODeadline
    private let plan: ArrivalPlan

    init(
        scenario: Scenario, plan: ArrivalPlan, start: NIODeadline, workers: [NIOLoopBound<LoopWorker>],
        interval: Double, sink: (@Sendable (String) -> Void)?,
        live: (@Sendable (String, ProgressCounters, Double) -> Void)? = nil, runID: String = ""
    ) {
        self.scenario = scenario
        self.plan = plan
        self.start = start
        self.workers = workers
        self.interval = max(0.1, interval)
        self.sink = sink
        self.live = live
        self.runID = runID
        nextAt = start + DeviceTime.amount(self.interval)
    }

    /// Emits a line when the interval is up.
    func tick() async {
        guard sink != nil || live != nil, NIODeadline.now() >= nextAt else { return }
        nextAt = nextAt + DeviceTime.amount(interval)
        var counters = ProgressCounters()
        for worker in workers {
            if let part = try? await worker.eventLoop.submit({ worker.value.recorder.progress }).get() {
                counters.merge(part)
            }
        }
        let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        live?(runID, counters, elapsed)
        guard let sink else {
            previous = counters
            return
        }
        let target = plan.isOpen ? scenario.population.devices : Int(plan.target(at: elapsed).rounded())
        sink(
            ProgressLine.render(
                elapsed: elapsed, duration: scenario.duration + scenario.drain, devicesOnline: counters.devicesOnline,
                devicesTarget: target, counters: counters, previous: previous, interval: interval))
        previous = counters
    }
}
