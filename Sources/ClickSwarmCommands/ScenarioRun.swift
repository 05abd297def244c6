import Foundation
import Logging
import Reports
import Simulation
import SwarmPrimitives

/// The logic behind `clickswarm run`; the executable only parses flags.
package enum ScenarioRun {
    /// Loads, runs and reports one scenario; returns the exit status.
    package static func run(
        _ request: RunRequest, stopper: RunStopper = RunStopper(), output: @escaping @Sendable (String) -> Void,
        errors: @escaping @Sendable (String) -> Void
    ) async -> ExitStatus {
        guard let scenario = ScenarioFile.load(request.file, request.overrides, errors: errors) else {
            return .invalidInput
        }
        let baseline: RunReport?
        do {
            baseline = try request.baseline.map { try BaselineGate.readReport(at: $0, role: "baseline") }
        } catch {
            errors("clickswarm: \(error)")
            return .invalidInput
        }
        if let baseline,
            let refusal = request.baselineGate.refusal(baseline: baseline, planned: planned(scenario, request))
        {
            errors("clickswarm: --baseline \(request.baseline ?? ""): \(refusal)")
            return .invalidInput
        }
        var options = Self.options(request, stopper: stopper)
        if !request.quiet {
            let terminal = request.terminal
            options.progressInterval = terminal ? 1 : 5
            options.progress = { line in output(terminal ? Console.statusLine(line) : line) }
            output(
                "clickswarm: running \(scenario.name) with \(scenario.population.devices) devices for "
                    + "\(seconds(scenario.duration)) + \(seconds(scenario.drain)) drain "
                    + (request.simulated ? "on a virtual clock (simulated)" : "against \(scenario.target)"))
        }
        let live = LivePublisher(settings: request.push, scenario: scenario.name, warn: errors)
        if let live, let interval = request.push.interval {
            options.live = { live.offer(runID: $0, counters: $1, elapsed: $2) }
            options.progressInterval = min(options.progressInterval, interval)
        }
        let result: RunResult
        do {
            result = try await RunDriver.run(scenario, options: options)
            if let live { _ = await stopper.unlessHurried { await live.finish() } }
        } catch {
            if let live { _ = await stopper.unlessHurried { await live.finish() } }
            if request.terminal, !request.quiet { output("") }
            errors("clickswarm: \(error)")
            return ExitStatus(error)
        }
        if request.terminal, !request.quiet { output("") }
        if !request.quiet { output(result.report.terminalSummary(color: request.terminal)) }
        if !request.quiet, let speed = result.simulatedSecondsPerWallSecond {
            // The clock's speed; times the devices, the device-seconds (issue 12's figure).
            let deviceSeconds = speed * Double(result.report.run.devices)
            output(
                "simulated \(Int(speed.rounded())) seconds per wall-clock second "
                    + "(\(Int(deviceSeconds.rounded())) device-seconds per wall-clock second)")
        }
        output("report: \(result.reportPath)")
        if let problem = result.reportProblem { errors("clickswarm: \(problem)") }
        let renderingFailed = writeRenderings(of: result, formats: request.formats, output: output, errors: errors)
        let pushFailed = await push(result, request, stopper: stopper, output: output, errors: errors)
        var status = ExitStatus(report: result.report, pushFailed: pushFailed)
        // A report or rendering not written where asked exits 73, unless the run itself already
        // failed.
        if renderingFailed || result.reportProblem != nil, status == .success { status = .cannotWrite }
        guard let baseline else { return status }
        // The run's own code wins (unbalanced, interrupted, push, SLO failed); an interrupted
        // run's figures are partial, so it is not compared at all.
        if result.report.run.interrupted { return status }
        let gate = request.baselineGate.check(
            baseline: baseline, current: result.report, output: request.quiet ? { _ in } : output, errors: errors)
        return status != .success ? status : ExitStatus(gate)
    }

    /// The run's options from the request.
    private static func options(_ request: RunRequest, stopper: RunStopper) -> RunOptions {
        var options = RunOptions()
        options.simulated = request.simulated
        options.outputDirectory = request.outputDirectory
        options.threads = request.threads
        options.stopper = stopper
        options.logger = request.logger
        options.shard = request.shard
        options.startAt = request.startAt
        options.partialInterval = request.partialInterval
        options.audit = request.audit
        return options
    }

    /// Pushes the report where asked; true when a push failed or was given up (a second signal).
    private static func push(
        _ result: RunResult, _ request: RunRequest, stopper: RunStopper, output: (String) -> Void,
        errors: (String) -> Void
    ) async -> Bool {
        guard !request.push.isEmpty else { return false }
        let report = result.report
        let settings = request.push
        guard let results = await stopper.unlessHurried({ await Publisher.publish(report, settings: settings) }) else {
            errors("clickswarm: stopped again: the pushes were given up; the report is at \(result.reportPath)")
            return true
        }
        var failed = false
        for pushed in results {
            if pushed.succeeded {
                if !request.quiet { output(pushed.description) }
            } else {
                failed = true
                errors("clickswarm: \(pushed); the report is still at \(result.reportPath)")
            }
        }
        return failed
    }

    /// Writes each rendering next to the JSON report; true when one could not be written.
    private static func writeRenderings(
        of result: RunResult, formats: [ReportFormat], output: (String) -> Void, errors: (String) -> Void
    ) -> Bool {
        var failed = false
        for format in formats {
            let path = ReportRenderer.siblingPath(of: result.reportPath, format: format)
            do {
                try ReportRenderer.write(ReportRenderer.render(result.report, format: format), to: path)
                output("report (\(format.rawValue)): \(path)")
            } catch {
                errors("clickswarm: \(error)")
                failed = true
            }
        }
        return failed
    }

    /// The run about to start, as a report will describe it (for the baseline check).
    private static func planned(_ scenario: Scenario, _ request: RunRequest) -> RunInfo {
        RunInfo(
            id: "", scenario: scenario.name, seed: scenario.seed, mode: request.simulated ? .simulated : .live,
            target: scenario.target.description, startedAt: "", endedAt: "", durationS: scenario.duration,
            drainS: scenario.drain, wallSeconds: 0, devices: scenario.population.devices,
            toolVersion: RunInfo.toolVersion)
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }
}

extension ScenarioRun {
    /// `run` under the process's signal handling: SIGINT or SIGTERM stops the run (its report is
    /// still written, marked interrupted); a second one hurries it.
    package static func runUntilSignalled(
        _ request: RunRequest, output: @escaping @Sendable (String) -> Void,
        errors: @escaping @Sendable (String) -> Void
    ) async -> ExitStatus {
        let stopper = RunStopper()
        var job = SignalledJob<ExitStatus>(logger: request.logger)
        job.noticed = { signal, count in
            errors(
                count == 1
                    ? "\nclickswarm: \(signal), stopping the run (the report is still written)"
                    : "\nclickswarm: \(signal) again, stopping now")
        }
        job.stop = { stopper.stop() }
        job.hurry = { stopper.hurry() }
        return await job.run { await run(request, stopper: stopper, output: output, errors: errors) } ?? .unexpected
    }
}
