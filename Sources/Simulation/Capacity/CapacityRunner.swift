import Collector
import Foundation
import Logging
import Reports
import SwarmPrimitives

/// Runs a capacity search: each step is one `RunDriver` run of the scenario at the step's load,
/// on the same backend kind (live or simulated) a `run` uses. Live steps against the embedded
/// collector share one collector, started here, for the whole search: devices come and go between
/// steps, the collector (and its throttle) stays. `CapacitySearch` decides the loads; each step's
/// figures come from its run report after the warm-up (`CapacityStep`).
public enum CapacityRunner {
    /// What the runner reports while it runs: one line per step.
    public typealias StepNotice = @Sendable (CapacityStep) -> Void

    public static func run(
        _ scenario: Scenario, settings: CapacitySettings, options: RunOptions, onStep: StepNotice = { _ in }
    ) async throws(CapacityError) -> CapacityReport {
        if scenario.target == .embedded {
            if scenario.collector.kafka != nil {
                throw .invalidInput(
                    "a capacity search does not publish to Kafka; remove collector.kafka from the scenario")
            }
            // The steps share one plain collector, and its throttle holds WebSocket and REST reads only.
            if scenario.collector.tls || scenario.collector.transport == .grpc {
                throw .invalidInput(
                    "a capacity search's embedded collector serves plain WebSocket or REST; remove collector.tls "
                        + "and use transport: websocket or rest (or search a remote collector with --target)")
            }
        }
        var shared: CollectorServer?
        if !options.simulated, scenario.target == .embedded {
            // Room for the largest step's connections.
            var largest = scenario
            if settings.vary == .devices { largest.population.devices = Int(settings.to) }
            do {
                shared = try await LiveBackend.startCollector(largest, kafka: nil, logger: options.logger).0
            } catch {
                throw .step(load: settings.from, error)
            }
        }
        let result: Result<CapacityReport, CapacityError>
        do throws(CapacityError) {
            result = .success(
                try await search(scenario, settings: settings, options: options, shared: shared, onStep: onStep))
        } catch {
            result = .failure(error)
        }
        try? await shared?.shutdown()
        return try result.get()
    }

    private static func search(
        _ scenario: Scenario, settings: CapacitySettings, options: RunOptions, shared: CollectorServer?,
        onStep: StepNotice
    ) async throws(CapacityError) -> CapacityReport {
        var search = CapacitySearch(settings)
        var steps: [CapacityStep] = []
        var interrupted = false
        while case .run(let load) = search.next() {
            let step = try await runStep(scenario, load: load, settings: settings, options: options, shared: shared)
            steps.append(step.figures)
            onStep(step.figures)
            if step.interrupted || options.stopper.isStopped {
                interrupted = true
                break
            }
            let first = steps[0]
            let bottleneck =
                options.simulated
                ? nil
                : GeneratorBottleneck.reason(
                    cpuCores: step.figures.generatorCPUCores, budget: settings.cpuBudget,
                    throttleWait: step.figures.collectorThrottleWaitS, seconds: step.wallSeconds,
                    offeredPerLoad: step.figures.offeredPerSecond / load,
                    expectedPerLoad: first.offeredPerSecond / first.load)
            search.record(load: load, passed: step.figures.passed, bottleneck: bottleneck)
        }
        return report(
            scenario, settings: settings, options: options, steps: steps,
            outcome: interrupted ? nil : search.next())
    }

    private struct StepRun {
        var figures: CapacityStep
        var interrupted: Bool
        var wallSeconds: Double
    }

    private static func runStep(
        _ scenario: Scenario, load: Double, settings: CapacitySettings, options: RunOptions, shared: CollectorServer?
    ) async throws(CapacityError) -> StepRun {
        let step = scenario.capacityStep(settings.vary, load: load, duration: settings.stepDuration)
        var stepOptions = options
        stepOptions.secondBuckets = true
        stepOptions.partialInterval = 0
        stepOptions.sharedCollector = shared
        let waitedBefore = await throttleWait(shared)
        let cpuBefore = ProcessUsage.cpuSeconds()
        let started = Date()
        let result: RunResult
        do {
            result = try await RunDriver.run(step, options: stepOptions)
        } catch {
            throw .step(load: load, error)
        }
        let wall = max(1e-3, Date().timeIntervalSince(started))
        var figures = CapacityStep(
            load: load, report: result.report, warmUp: settings.warmUp, end: settings.stepDuration,
            thresholds: result.report.slos.compactMap(SLOThreshold.init(result:)))
        if !options.simulated {
            figures.generatorCPUCores = rounded((ProcessUsage.cpuSeconds() - cpuBefore) / wall)
            figures.generatorRSSMiB = ProcessUsage.residentBytes().map { rounded(Double($0) / 1_048_576) }
            if let before = waitedBefore, let after = await throttleWait(shared) {
                figures.collectorThrottleWaitS = rounded(after - before)
            }
            figures.report = result.reportPath
        }
        return StepRun(figures: figures, interrupted: result.report.run.interrupted, wallSeconds: wall)
    }

    /// The shared collector's throttle wait so far; nil without a throttle.
    private static func throttleWait(_ collector: CollectorServer?) async -> Double? {
        guard let collector, let stats = try? await collector.stats() else { return nil }
        return stats.throttle?.throttleWaitSeconds
    }

    private static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    private static func report(
        _ scenario: Scenario, settings: CapacitySettings, options: RunOptions, steps: [CapacityStep],
        outcome action: CapacitySearch.Action?
    ) -> CapacityReport {
        var outcome = CapacityReport.Outcome.interrupted
        var knee: Double?
        var failure: Double?
        var bottleneck: String?
        if case .finished(let result) = action {
            switch result {
            case .found(let pass, let fail): (outcome, knee, failure) = (.found, pass, fail)
            case .aboveRange(let pass): (outcome, knee) = (.aboveRange, pass)
            case .belowRange(let fail): (outcome, failure) = (.belowRange, fail)
            case .generatorBottleneck(let pass, let load, let reason):
                (outcome, knee, bottleneck) = (.generatorBottleneck, pass, reason)
                failure = steps.last { $0.load == load && !$0.passed }?.load
            }
        }
        return CapacityReport(
            scenario: scenario.name, mode: options.simulated ? .simulated : .live,
            target: scenario.target.description, vary: settings.vary.rawValue, from: settings.from, to: settings.to,
            stepDurationS: settings.stepDuration, warmUpS: settings.warmUp, precision: settings.precision,
            atLeast: settings.atLeast,
            collectorLimitEventsPerSecond: scenario.target == .embedded ? scenario.collector.maxEventsPerSecond : nil,
            outcome: outcome, knee: knee, firstFailure: failure, bottleneck: bottleneck, steps: steps)
    }
}
