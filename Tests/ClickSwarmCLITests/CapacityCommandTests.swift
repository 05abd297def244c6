import ClickSwarmCommands
import Foundation
import Reports
import Testing

@Suite("clickswarm capacity")
struct CapacityCommandTests {
    static let scenario = Binary.repository + "/scenarios/find-the-knee.yaml"

    static func output() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("clickswarm-\(UUID().uuidString)").path
    }

    @Test(
        "bad input exits 64 with a message naming the flag, before anything starts",
        arguments: [
            (["--from", "50", "--to", "10"], "--to"),
            (["--vary", "speed"], "--vary"),
            (["--from", "2.5"], "whole numbers"),
            (["--step-duration", "10s", "--warm-up", "10s"], "--warm-up"),
            (["--precision", "abc"], "--precision"),
            (["--cpu-budget", "0"], "--cpu-budget"),
        ])
    func badInput(arguments: [String], words: String) throws {
        let output = Self.output()
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try Binary.run(["capacity", Self.scenario, "--simulated", "--output", output] + arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(words), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("a starved generator against an unlimited collector exits 98 and says so")
    func generatorBottleneck() throws {
        let output = Self.output()
        defer { try? FileManager.default.removeItem(atPath: output) }
        let directory = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // find-the-knee without its collector limit.
        let text = try String(contentsOfFile: Self.scenario, encoding: .utf8)
            .replacingOccurrences(of: "  max_events_per_second: 1000\n", with: "  threads: 1\n")
        let file = directory.appendingPathComponent("unlimited.yaml").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Binary.run([
            "capacity", file, "--threads", "1", "--cpu-budget", "0.0001", "--from", "10", "--to", "40",
            "--step-duration", "3s", "--warm-up", "1s", "--output", output,
        ])
        #expect(result.status == 98, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("the generator is the bottleneck"), "\(result.stdout)")
        let reports = try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasSuffix(".json") }
        let report = try #require(reports.first)
        let data = try Data(contentsOf: directory.appendingPathComponent(report))
        let file2 = try JSONDecoder().decode(CapacityFile.self, from: data)
        #expect(file2.capacity.outcome == .generatorBottleneck)
        #expect(reports.count == 1)
        #expect(
            FileManager.default.fileExists(
                atPath: output + "/" + report.replacingOccurrences(of: ".json", with: ".html")))
    }

    @Test("exit codes: a knee below capacity.at_least is 99, a bottleneck 98, a knee 0")
    func exitCodes() {
        func report(_ outcome: CapacityReport.Outcome, knee: Double?, atLeast: Double?) -> CapacityReport {
            CapacityReport(
                scenario: "s", mode: .simulated, target: "embedded", vary: "devices", from: 10, to: 100,
                stepDurationS: 10, warmUpS: 2, precision: 0.05, atLeast: atLeast, collectorLimitEventsPerSecond: nil,
                outcome: outcome, knee: knee, firstFailure: nil, bottleneck: nil, steps: [])
        }
        #expect(ExitStatus(capacity: report(.found, knee: 50, atLeast: nil)) == .success)
        #expect(ExitStatus(capacity: report(.found, knee: 50, atLeast: 60)) == .sloFailed)
        #expect(ExitStatus(capacity: report(.found, knee: 50, atLeast: 40)) == .success)
        #expect(ExitStatus(capacity: report(.belowRange, knee: nil, atLeast: nil)) == .sloFailed)
        #expect(ExitStatus(capacity: report(.generatorBottleneck, knee: 20, atLeast: nil)) == .generatorBottleneck)
        #expect(ExitStatus.generatorBottleneck.rawValue == 98)
    }
}
