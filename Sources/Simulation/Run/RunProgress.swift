import Foundation
import Reports

/// The one progress path of a run, whatever its backend: every `interval` seconds of wall-clock
/// time it samples the backend, hands a status line to the sink and the running totals to the
/// live callback (`--push-interval`).
struct RunProgress: Sendable {
    let scenario: Scenario
    let plan: ArrivalPlan
    let interval: Double
    let sink: (@Sendable (String) -> Void)?
    let live: (@Sendable (String, ProgressCounters, Double) -> Void)?
    let runID: String
    /// Virtual clocks show their speed instead of a wall-clock elapsed time.
    let virtual: Bool

    init(scenario: Scenario, plan: ArrivalPlan, options: RunOptions, runID: String, virtual: Bool) {
        self.scenario = scenario
        self.plan = plan
        self.interval = max(0.1, options.progressInterval)
        self.sink = options.progress
        self.live = options.live
        self.runID = runID
        self.virtual = virtual
    }

    /// Whether anybody listens; without a sink or a live callback nothing is sampled.
    var isWanted: Bool { sink != nil || live != nil }

    /// Samples and reports until cancelled.
    func run(_ backend: any RunBackend) async {
        let wallStarted = Date()
        var previous: ProgressCounters?
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            if Task.isCancelled { return }
            let sample = await backend.sample()
            report(sample, previous: previous, wall: Date().timeIntervalSince(wallStarted))
            previous = sample.counters
        }
    }

    /// One report: the live callback, then the line.
    func report(_ sample: ProgressSample, previous: ProgressCounters?, wall: Double) {
        live?(runID, sample.counters, sample.time)
        guard let sink else { return }
        let target = plan.isOpen ? scenario.population.devices : plan.stageTarget(at: sample.time)
        // On a virtual clock an interval of wall time covers many seconds of run time: rates are
        // over the whole run so far.
        sink(
            ProgressLine.render(
                elapsed: sample.time, duration: scenario.duration + scenario.drain,
                devicesOnline: sample.counters.devicesOnline, devicesTarget: target, counters: sample.counters,
                previous: virtual ? nil : previous, interval: interval,
                speed: virtual ? sample.time / max(wall, 1e-9) : nil))
    }
}
