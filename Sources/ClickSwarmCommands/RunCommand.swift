import Foundation
import Logging
import Reports
import Simulation
import SwarmPrimitives

/// The process exit codes of `clickswarm run` and `clickswarm validate` (the README lists them).
public enum RunExitCode {
    public static let passed: Int32 = 0
    public static let unexpected: Int32 = 1
    /// The run's reconciliation did not balance: an event is unaccounted for, or acked but never
    /// delivered.
    public static let unbalanced: Int32 = 70
    /// Bad flags or a bad scenario file.
    public static let invalidInput: Int32 = 64
    /// Port, file-descriptor limit, unreachable target.
    public static let setupFailed: Int32 = 69
    /// The report could not be written.
    public static let cannotWriteReport: Int32 = 73
    /// A push (`--push`, `--push-prometheus`) failed; the report is still on disk.
    public static let pushFailed: Int32 = 75
    /// An SLO failed, or (`--baseline`) a figure regressed beyond its tolerance.
    public static let sloFailed: Int32 = 99
    /// Stopped with Ctrl-C (the report is still written).
    public static let interrupted: Int32 = 130
}

/// `clickswarm run`: what the command line asked for.
public struct RunRequest: Sendable {
    public var file: String
    public var overrides = ScenarioOverrides()
    public var outputDirectory = "results"
    public var quiet = false
    /// Standard output is a terminal: rewrite one status line, colour the summary.
    public var terminal = false
    public var threads = 0
    /// Run on a virtual clock with an in-memory collector (`--simulated`).
    public var simulated = false
    public var logger = Logger(label: "clickswarm.run")
    /// Renderings to write next to the JSON report (same name, the format's extension).
    public var formats: [ReportFormat] = []
    /// Where to push the figures, once the report is written (and live, with an interval).
    public var push = PushSettings()
    /// `--baseline`: compare the finished report with this report file, through `baselineGate`.
    public var baseline: String?
    public var baselineGate = BaselineGate()
    /// `--shard i/N`: run only devices i, i+N, ... of the population.
    public var shard: RunInfo.Shard?
    /// `--start-at`: live runs start at this wall-clock time (shared by the shards of one run).
    public var startAt: Date?

    public init(file: String) { self.file = file }
}

/// The logic behind `clickswarm run` and `clickswarm validate`; the executable only parses flags.
public enum RunCommand {
    /// Loads, runs and reports one scenario; returns the exit code.
    public static func run(
        _ request: RunRequest, stopper: RunStopper = RunStopper(), output: @escaping @Sendable (String) -> Void,
        errors: @escaping @Sendable (String) -> Void
    ) async -> Int32 {
        guard let scenario = load(request.file, request.overrides, errors: errors) else {
            return RunExitCode.invalidInput
        }
        let baseline: RunReport?
        do {
            baseline = try request.baseline.map { try BaselineGate.readReport(at: $0, role: "baseline") }
        } catch {
            errors("clickswarm: \(error)")
            return RunExitCode.invalidInput
        }
        var options = RunOptions()
        options.outputDirectory = request.outputDirectory
        options.threads = request.threads
        options.stopper = stopper
        options.logger = request.logger
        options.shard = request.shard
        options.startAt = request.startAt
        if !request.quiet {
            let terminal = request.terminal
            options.progressInterval = terminal ? 1 : 5
            options.progress = { line in output(terminal ? "\r\u{1B}[K" + line : line) }
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
        let result: LiveRunner.Result
        do throws(RunError) {
            if request.simulated {
                guard scenario.target == .embedded else {
                    throw RunError.invalidInput(
                        "a simulated run has its own in-memory collector; it cannot use the target \(scenario.target)")
                }
                result = try await SimulatedRunner.run(scenario, options: options)
            } else {
                result = try await LiveRunner.run(scenario, options: options)
            }
            _ = await live?.finish()
        } catch {
            _ = await live?.finish()
            if request.terminal, !request.quiet { output("") }
            errors("clickswarm: \(error)")
            switch error {
            case .invalidInput: return RunExitCode.invalidInput
            case .setupFailed: return RunExitCode.setupFailed
            case .cannotWriteReport: return RunExitCode.cannotWriteReport
            }
        }
        if request.terminal, !request.quiet { output("") }
        if !request.quiet { output(result.report.terminalSummary(color: request.terminal)) }
        if !request.quiet, let speed = result.simulatedSecondsPerWallSecond {
            output("simulated \(Int(speed.rounded())) device-seconds per wall-clock second")
        }
        output("report: \(result.reportPath)")
        // A rendering that cannot be written exits 73, unless the run itself already failed.
        var renderingFailed = false
        for format in request.formats {
            let path = ReportRenderer.siblingPath(of: result.reportPath, format: format)
            do {
                try ReportRenderer.write(ReportRenderer.render(result.report, format: format), to: path)
                output("report (\(format.rawValue)): \(path)")
            } catch {
                errors("clickswarm: \(error)")
                renderingFailed = true
            }
        }
        var pushFailed = false
        if !request.push.isEmpty {
            for pushed in await Publisher.publish(result.report, settings: request.push) {
                if pushed.succeeded {
                    if !request.quiet { output(pushed.description) }
                } else {
                    pushFailed = true
                    errors("clickswarm: \(pushed); the report is still at \(result.reportPath)")
                }
            }
        }
        var code = exitCode(for: result.report, pushFailed: pushFailed)
        if renderingFailed, code == RunExitCode.passed { code = RunExitCode.cannotWriteReport }
        guard let baseline else { return code }
        // The run's own code wins (unbalanced, interrupted, push, SLO failed); an interrupted
        // run's figures are partial, so it is not compared at all.
        if result.report.run.interrupted { return code }
        let gateCode = request.baselineGate.check(
            baseline: baseline, current: result.report, output: request.quiet ? { _ in } : output, errors: errors)
        return code != RunExitCode.passed ? code : gateCode
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }

    /// The scenario file with the overrides applied, or nil after printing every error.
    static func load(
        _ file: String, _ overrides: ScenarioOverrides, errors: @Sendable (String) -> Void
    ) -> Scenario? {
        do {
            return try Scenario.load(file: file).applying(overrides)
        } catch let error as ScenarioErrors {
            errors(error.description)
        } catch {
            errors("\(error)")
        }
        return nil
    }

    /// The exit code a finished report calls for: unbalanced wins, then an interrupt, then a
    /// failed push (the one outcome the report on disk cannot record), then SLOs.
    public static func exitCode(for report: RunReport, pushFailed: Bool = false) -> Int32 {
        if report.verdict == .unbalanced { return RunExitCode.unbalanced }
        if report.run.interrupted { return RunExitCode.interrupted }
        if pushFailed { return RunExitCode.pushFailed }
        if report.verdict == .sloFailed { return RunExitCode.sloFailed }
        return RunExitCode.passed
    }

    /// Checks scenario files; prints every error with file, line and field. Returns the exit code.
    public static func validate(
        files: [String], output: @escaping @Sendable (String) -> Void, errors: @escaping @Sendable (String) -> Void
    ) -> Int32 {
        var failed = false
        for file in files {
            do {
                let scenario = try Scenario.load(file: file)
                _ = try ScriptLibrary(scenario: scenario)
                output("\(file): ok (\(scenario.name), \(scenario.population.devices) devices)")
            } catch let error as ScenarioErrors {
                failed = true
                errors(error.description)
            } catch {
                failed = true
                errors("\(file): \(error)")
            }
        }
        return failed ? RunExitCode.invalidInput : RunExitCode.passed
    }
}

/// `clickswarm replay`: what the command line asked for.
public struct ReplayRequest: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text, ndjson
    }

    public var file: String
    public var device: Int
    public var overrides = ScenarioOverrides()
    public var simulated = false
    public var format = Format.text

    public init(file: String, device: Int) {
        self.file = file
        self.device = device
    }
}

extension RunCommand {
    /// Runs device `request.device` of the scenario alone, exactly as it behaves in the full run
    /// (its profile, journeys, battery and network come from (seed, index); on the virtual clock
    /// its faults too), and prints its timeline. Returns the exit code.
    public static func replay(
        _ request: ReplayRequest, output: @escaping @Sendable (String) -> Void,
        errors: @escaping @Sendable (String) -> Void
    ) async -> Int32 {
        guard let scenario = load(request.file, request.overrides, errors: errors) else {
            return RunExitCode.invalidInput
        }
        guard (0..<scenario.population.devices).contains(request.device) else {
            errors(
                "clickswarm: --device \(request.device) is not in the population: devices are numbered 0 to "
                    + "\(scenario.population.devices - 1)")
            return RunExitCode.invalidInput
        }
        var options = RunOptions()
        options.outputDirectory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("clickswarm-replay-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        options.onlyDevices = [request.device]
        options.trace = request.device
        options.threads = 1
        let result: LiveRunner.Result
        do {
            result =
                request.simulated
                ? try await SimulatedRunner.run(scenario, options: options)
                : try await LiveRunner.run(scenario, options: options)
        } catch {
            errors("clickswarm: \(error)")
            switch error {
            case .invalidInput: return RunExitCode.invalidInput
            case .setupFailed: return RunExitCode.setupFailed
            case .cannotWriteReport: return RunExitCode.cannotWriteReport
            }
        }
        let timeline = result.timeline ?? DeviceTimeline(device: request.device)
        switch request.format {
        case .ndjson:
            output(timeline.ndjson())
        case .text:
            let profile = Population(scenario: scenario).profile(request.device)
            output(
                "device \(request.device) of \(scenario.name) (seed \(scenario.seed)): \(profile.flavor.rawValue), "
                    + "network \(profile.networkName) (latency \(Int((profile.latency * 1000).rounded())) ms), "
                    + "cohort \(profile.cohort), battery \(Int(profile.initialBattery.rounded()))%, "
                    + "identity \(profile.identity)\(request.simulated ? ", simulated" : ", live")")
            output(timeline.text())
            let totals = result.report.totals
            output(
                "events: generated \(totals.generated), acked \(totals.acked), sampled out \(totals.sampledOut), "
                    + "dropped \(totals.dropped), pending at end \(totals.pendingAtEnd)")
        }
        return RunExitCode.passed
    }
}
