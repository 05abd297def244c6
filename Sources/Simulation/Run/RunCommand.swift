import Foundation
import Logging
import Reports

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
    public var logger = Logger(label: "clickswarm.run")
    /// `--baseline`: compare the finished report with this report file, through `baselineGate`.
    public var baseline: String?
    public var baselineGate = BaselineGate()

    public init(file: String) { self.file = file }
}

/// The logic behind `clickswarm run` and `clickswarm validate`; the executable only parses flags.
public enum RunCommand {
    /// Loads, runs and reports one scenario; returns the exit code.
    public static func run(
        _ request: RunRequest, stopper: RunStopper = RunStopper(), output: @escaping @Sendable (String) -> Void,
        errors: @escaping @Sendable (String) -> Void
    ) async -> Int32 {
        let scenario: Scenario
        do {
            scenario = try Scenario.load(file: request.file).applying(request.overrides)
        } catch let error as ScenarioErrors {
            errors(error.description)
            return RunExitCode.invalidInput
        } catch let error as RunError {
            errors(error.description)
            return RunExitCode.invalidInput
        } catch {
            errors("\(error)")
            return RunExitCode.unexpected
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
        if !request.quiet {
            let terminal = request.terminal
            options.progressInterval = terminal ? 1 : 5
            options.progress = { line in output(terminal ? "\r\u{1B}[K" + line : line) }
            output(
                "clickswarm: running \(scenario.name) with \(scenario.population.devices) devices for "
                    + "\(seconds(scenario.duration)) + \(seconds(scenario.drain)) drain against "
                    + "\(scenario.target)")
        }
        let result: LiveRunner.Result
        do {
            result = try await LiveRunner.run(scenario, options: options)
        } catch {
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
        output("report: \(result.reportPath)")
        let code = exitCode(for: result.report)
        guard let baseline else { return code }
        // The run's own code wins (unbalanced, interrupted, SLO failed); an interrupted run's
        // figures are partial, so it is not compared at all.
        if result.report.run.interrupted { return code }
        let gateCode = request.baselineGate.check(
            baseline: baseline, current: result.report, output: request.quiet ? { _ in } : output, errors: errors)
        return code != RunExitCode.passed ? code : gateCode
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }

    /// The exit code a finished report calls for: unbalanced wins, then an interrupt, then SLOs.
    public static func exitCode(for report: RunReport) -> Int32 {
        if report.verdict == .unbalanced { return RunExitCode.unbalanced }
        if report.run.interrupted { return RunExitCode.interrupted }
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
