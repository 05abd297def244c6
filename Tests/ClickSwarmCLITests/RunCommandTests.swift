import Foundation
import Reports
import Testing

/// `clickswarm run` and `clickswarm validate` as a user runs them: exit codes, messages, the report.
@Suite("clickswarm run and validate, the commands")
struct RunCommandTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clickswarm-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let scenario = """
        name: cli
        duration: 2s
        drain: 3s
        population:
          devices: 8
          arrival:
            stages: [{to: all, over: 0s}]
        sdk:
          # Seconds long: without it Android's 10 s lifecycle debounce would never let it connect.
          android: {batch_period: 1s, lifecycle_debounce: 0s}
          ios: {batch_period: 1s}
        journeys:
          - name: j
            start: a
            screens:
              a:
                think: 200ms
                events:
                  - contract: ScreenView
                    attributes: {screen_name: a}
                next: {a: 100%}
        """

    @Test("validate: every error with file, line, column and field; exit 64")
    func validateReportsEveryError() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml")
        try """
        name: bad
        duration: 30
        population:
          devices: 10
          flavors: {android: 50%, ios: 40%}
        journeys: []
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try Binary.run(["validate", file.path])
        #expect(result.status == 64)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count >= 3, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("\(file.path):2:11: duration: ") })
        #expect(lines.contains { $0.hasPrefix("\(file.path):5:12: population.flavors") })
        #expect(lines.contains { $0.hasPrefix("\(file.path):6:") && $0.contains("journeys") })
    }

    @Test("validate: the ready scenarios are valid; exit 0")
    func validateReady() throws {
        let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: scenarios.path)
            .filter { $0.hasSuffix(".yaml") }.map { scenarios.appendingPathComponent($0).path }
        let result = try Binary.run(["validate"] + files)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == files.count)
    }

    @Test("run: a passing run exits 0, prints the summary and writes the report it names")
    func runPasses() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cli.yaml")
        try Self.scenario.write(to: file, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("out").path
        let result = try Binary.run(["run", file.path, "--output", output, "--seed", "3"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Reconcile    balanced"))
        #expect(result.stdout.contains("Verdict      PASSED"))
        let path = try #require(result.stdout.split(separator: "\n").last { $0.hasPrefix("report: ") })
            .dropFirst("report: ".count)
        let report = try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: String(path))))
        #expect(report.run.seed == 3)
        #expect(report.run.devices == 8)
        #expect(report.totals.generated > 0 && report.totals.acked == report.totals.generated)
    }

    @Test("run: a failed SLO exits 99; --quiet prints only the report path")
    func runSLOFails() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("slo.yaml")
        try (Self.scenario + "\nslos:\n  latency: {p50: 1ms}\n").write(to: file, atomically: true, encoding: .utf8)
        let result = try Binary.run(["run", file.path, "--output", directory.path, "--quiet"])
        #expect(result.status == 99, "\(result.stdout)\n\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("report: "))
    }

    @Test("run: a bad override or file exits 64; an unreachable target exits 69")
    func runErrors() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cli.yaml")
        try Self.scenario.write(to: file, atomically: true, encoding: .utf8)
        let missing = try Binary.run(["run", directory.appendingPathComponent("none.yaml").path])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("none.yaml"))
        let badDuration = try Binary.run(["run", file.path, "--duration", "soon"])
        #expect(badDuration.status == 64)
        #expect(badDuration.stderr.contains("--duration 'soon'"))
        let badTarget = try Binary.run(["run", file.path, "--target", "ftp://x"])
        #expect(badTarget.status == 64)
        let unreachable = try Binary.run([
            "run", file.path, "--target", "ws://127.0.0.1:1/api/v1/events", "--output", directory.path,
        ])
        #expect(unreachable.status == 69)
        #expect(unreachable.stderr.contains("cannot be reached: refused: 127.0.0.1:1: Connection refused"))
        #expect(!unreachable.stderr.contains("SingleConnectionFailure") && !unreachable.stderr.contains("errno"))
    }

    @Test("run: SIGINT ends the run early, writes the report and exits 130")
    func runInterrupted() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("long.yaml")
        try Self.scenario.replacingOccurrences(of: "duration: 2s", with: "duration: 10m")
            .write(to: file, atomically: true, encoding: .utf8)
        let (process, out, err) = try Binary.start(["run", file.path, "--output", directory.path])
        try await Task.sleep(nanoseconds: 3_000_000_000)
        process.interrupt()
        let result = Binary.finish(process, out, err)
        #expect(result.status == 130, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("report: "))
        let reports = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix("cli-") && $0.hasSuffix(".json")
        }
        #expect(reports.count == 1)
    }

    @Test("replay: one device's timeline as NDJSON; a device outside the population exits 64")
    func replay() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cli.yaml")
        try Self.scenario.write(to: file, atomically: true, encoding: .utf8)
        let result = try Binary.run(["replay", file.path, "--device", "3", "--simulated", "--format", "ndjson"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count > 10)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["device"] as? Int == 3)
        }
        #expect(lines.contains { $0.contains("\"what\":\"acked\"") })
        let text = try Binary.run(["replay", file.path, "--device", "3", "--simulated"])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("device 3 of cli (seed 1): "))
        let outside = try Binary.run(["replay", file.path, "--device", "8"])
        #expect(outside.status == 64)
        #expect(outside.stderr.contains("--device 8 is not in the population: devices are numbered 0 to 7"))
    }
}
