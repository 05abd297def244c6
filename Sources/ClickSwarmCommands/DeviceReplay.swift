import Foundation
import Logging
import Reports
import Simulation
import SwarmPrimitives

/// `clickswarm replay`: what the command line asked for.
package struct ReplayRequest: Sendable {
    package enum Format: String, Sendable, CaseIterable {
        case text, ndjson
    }

    package var file: String
    package var device: Int
    package var overrides = ScenarioOverrides()
    package var simulated = false
    package var format = Format.text

    package init(file: String, device: Int) {
        self.file = file
        self.device = device
    }
}

/// The logic behind `clickswarm replay`.
package enum DeviceReplay {
    /// Runs device `request.device` of the scenario alone, exactly as it behaves in the full run
    /// (its profile, journeys, battery and network come from (seed, index); on the virtual clock
    /// its faults too), and prints its timeline.
    package static func run(
        _ request: ReplayRequest, output: @escaping @Sendable (String) -> Void,
        errors: @escaping @Sendable (String) -> Void
    ) async -> ExitStatus {
        guard let scenario = ScenarioFile.load(request.file, request.overrides, errors: errors) else {
            return .invalidInput
        }
        guard (0..<scenario.population.devices).contains(request.device) else {
            errors(
                "clickswarm: --device \(request.device) is not in the population: devices are numbered 0 to "
                    + "\(scenario.population.devices - 1)")
            return .invalidInput
        }
        var options = RunOptions()
        options.outputDirectory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("clickswarm-replay-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        options.simulated = request.simulated
        options.onlyDevices = [request.device]
        options.trace = request.device
        // One device needs one loop (a virtual clock always has its fixed partitions).
        if !request.simulated { options.threads = 1 }
        let result: RunResult
        do {
            result = try await RunDriver.run(scenario, options: options)
        } catch {
            errors("clickswarm: \(error)")
            return ExitStatus(error)
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
        return .success
    }
}
