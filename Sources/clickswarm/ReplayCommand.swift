import ArgumentParser
import ClickSwarmCommands
import Foundation
import Simulation
import SwarmPrimitives

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run one device of a scenario alone, as it behaved in the full run, and print its timeline.",
        discussion: """
            Device N's profile, journeys, battery, network and (with --simulated) the collector's faults all \
            come from the scenario's seed and N, so the device does the same thing alone as among thousands. \
            The timeline shows lifecycle, battery, network, remote config, each event's path through the SDK \
            (generated, stored, batched, sent, acked or dropped and why), connections and health events. \
            Exit codes: 0 done; 64 invalid input; 69 set-up failure.
            """
    )

    @Argument(help: "The scenario file.") var file: String
    @Option(parsing: .unconditional, help: "The device index (0-based).") var device: Int
    @Flag(help: "Replay on the virtual clock (exactly as in a simulated run of the whole population).")
    var simulated = false
    @Option(help: "text (for people) or ndjson (one JSON object per line, for tools).") var format = "text"
    @Option(help: "Override the seed.") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Override the number of devices (as in the run you replay).")
    var devices: Int?
    @Option(help: "Override the duration (as in the run you replay).") var duration: String?

    func run() async throws {
        guard let format = ReplayRequest.Format(rawValue: format) else {
            throw ValidationError("--format must be text or ndjson, not '\(format)'")
        }
        var request = ReplayRequest(file: file, device: device)
        request.simulated = simulated
        request.format = format
        request.overrides = ScenarioOverrides(devices: devices, seed: seed)
        if let duration {
            do {
                request.overrides.duration = try DurationFlag.parse(duration, flag: "--duration")
            } catch {
                throw ValidationError(error.description)
            }
        }
        try await DeviceReplay.run(request, output: Console.output, errors: Console.errors).exit()
    }
}
