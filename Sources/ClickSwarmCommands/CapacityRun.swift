import Foundation
import Logging
import Reports
import Simulation
import SwarmPrimitives

/// `clickswarm capacity`: what the command line asked for.
package struct CapacityRequest: Sendable {
    package var file: String
    package var overrides = ScenarioOverrides()
    /// Flags over the scenario's `capacity` section.
    package var plan = CapacityPlan()
    /// `--cpu-budget`; nil: the generator's threads (`--threads`, else the machine's cores).
    package var cpuBudget: Double?
    package var outputDirectory = "results"
    package var simulated = false
    package var threads = 0
    package var quiet = false
    package var html = true
    package var logger = Logger(label: "clickswarm.capacity", factory: { _ in SwiftLogNoOpLogHandler() })

    package init(file: String) { self.file = file }
}

/// The logic behind `clickswarm capacity`; the executable only parses flags.
package enum CapacityRun {
    package static func run(
        _ request: CapacityRequest, stopper: RunStopper = RunStopper(), output: @escaping @Sendable (String) -> Void,
        errors: @escaping @Sendable (String) -> Void
    ) async -> ExitStatus {
        guard let scenario = ScenarioFile.load(request.file, request.overrides, errors: errors) else {
            return .invalidInput
        }
        let settings: CapacitySettings
        do {
            settings = try CapacitySettings.resolve(
                scenario: scenario, flags: request.plan,
                cpuBudget: request.cpuBudget
                    ?? Double(request.threads > 0 ? request.threads : ProcessInfo.processInfo.activeProcessorCount))
        } catch {
            errors("clickswarm: \(error)")
            return .invalidInput
        }
        var options = RunOptions()
        options.simulated = request.simulated
        options.threads = request.threads
        options.stopper = stopper
        options.logger = request.logger
        options.outputDirectory = (request.outputDirectory as NSString).appendingPathComponent("capacity-steps")
        if !request.quiet {
            output(
                "clickswarm: searching the knee of \(scenario.name): \(settings.vary.rawValue) from "
                    + "\(number(settings.from)) to \(number(settings.to)), \(number(settings.stepDuration)) s steps, "
                    + (request.simulated ? "on a virtual clock (simulated)" : "against \(scenario.target)"))
        }
        let report: CapacityReport
        do {
            report = try await CapacityRunner.run(scenario, settings: settings, options: options) { step in
                if !request.quiet { output(stepLine(step)) }
            }
        } catch {
            errors("clickswarm: \(error)")
            if case .step(_, let runError) = error { return ExitStatus(runError) }
            return .invalidInput
        }
        if !request.quiet { output(report.terminalTable()) }
        let written = write(report, request: request, output: output, errors: errors)
        let status = ExitStatus(capacity: report)
        return written || status != .success ? status : .cannotWrite
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// One step as it ends.
    static func stepLine(_ step: CapacityStep) -> String {
        let p99 = step.latencyP99Ms.map { "\(Int($0.rounded())) ms" } ?? "-"
        let delivery = step.deliveryRatio.map { String(format: "%.4f", $0) } ?? "-"
        let load = step.load == step.load.rounded() ? String(Int(step.load)) : String(step.load)
        return "step \(load): \(step.devices) devices, \(Int(step.ackedPerSecond.rounded())) acked/s, "
            + "p99 \(p99), delivery \(delivery): " + (step.passed ? "pass" : "FAIL (\(step.worstFailure?.name ?? ""))")
    }

    /// Writes the JSON (and HTML) report; false when one could not be written.
    private static func write(
        _ report: CapacityReport, request: CapacityRequest, output: (String) -> Void, errors: (String) -> Void
    ) -> Bool {
        let stamp = RunInfo.timestamp(Date()).replacingOccurrences(of: ":", with: "")
        let base = (request.outputDirectory as NSString).appendingPathComponent("\(report.scenario)-capacity-\(stamp)")
        do {
            try FileIO.makeDirectory(request.outputDirectory)
            try FileIO.write(Array(try CapacityFile(report).jsonData()), to: base + ".json")
            output("capacity report: \(base).json")
            if request.html {
                try FileIO.write(Array(report.html().utf8), to: base + ".html")
                output("capacity report (html): \(base).html")
            }
            return true
        } catch {
            errors("clickswarm: the capacity report cannot be written to \(base).json: \(error)")
            return false
        }
    }
}

extension ExitStatus {
    /// What a capacity search's outcome calls for: 98 when the generator was the bottleneck, 99
    /// when the knee is below `capacity.at_least` or the first step already failed, 130 when
    /// stopped, else 0.
    package init(capacity report: CapacityReport) {
        switch report.outcome {
        case .generatorBottleneck: self = .generatorBottleneck
        case .interrupted: self = .interrupted
        case .belowRange: self = .sloFailed
        case .found, .aboveRange: self = report.belowFloor ? .sloFailed : .success
        }
    }
}
