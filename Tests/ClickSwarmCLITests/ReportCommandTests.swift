import Foundation
import Testing

/// `clickswarm report` and `clickswarm run --html ...`, run as a user would.
@Suite("clickswarm report, the command")
struct ReportCommandTests {
    /// The golden renderings of one fixed report (see Tests/ReportsTests/RendererTests.swift).
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Golden")
    static let reportPath = golden.appendingPathComponent("report.json").path

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "clickswarm-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test(
        "each format prints the golden rendering",
        arguments: [("text", "txt"), ("md", "md"), ("html", "html"), ("junit", "junit.xml"), ("prom", "prom")])
    func rendersEachFormat(format: String, fileExtension: String) throws {
        let result = try Binary.run(["report", Self.reportPath, "--format", format])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let expected = try String(
            contentsOf: Self.golden.appendingPathComponent("report.\(fileExtension)"), encoding: .utf8)
        #expect(result.stdout == expected)
    }

    @Test("-o writes the file and prints nothing")
    func writesToAFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("sub/report.html").path
        let result = try Binary.run(["report", Self.reportPath, "--format", "html", "-o", output])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        let written = try String(contentsOfFile: output, encoding: .utf8)
        #expect(written == (try String(contentsOf: Self.golden.appendingPathComponent("report.html"), encoding: .utf8)))
    }

    @Test(
        "a missing or malformed report exits 64 and says what is wrong",
        arguments: [
            ("not json at all", "not a ClickSwarm run report"),
            (#"{"schema_version": 99}"#, "schema_version 99 is not supported"),
            (#"{"schema_version": 1}"#, "run report is missing"),
            ("", "not a ClickSwarm run report"),
        ])
    func badReport(content: String, message: String) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.json").path
        try Data(content.utf8).write(to: URL(fileURLWithPath: file))
        let result = try Binary.run(["report", file, "--format", "md"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("cannot read the report \(file)"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a file that does not exist exits 64")
    func missingReport() throws {
        let result = try Binary.run(["report", "/nonexistent/report.json"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("/nonexistent/report.json: does not exist"), "stderr: \(result.stderr)")
    }

    @Test("an unknown format exits 64 and lists the formats")
    func unknownFormat() throws {
        let result = try Binary.run(["report", Self.reportPath, "--format", "pdf"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("pdf"), "stderr: \(result.stderr)")
    }

    @Test("an output path that cannot be written exits 73")
    func unwritableOutput() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A regular file where a directory should be.
        let blocker = directory.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let output = blocker.appendingPathComponent("report.prom").path
        let result = try Binary.run(["report", Self.reportPath, "--format", "prom", "-o", output])
        #expect(result.status == 73)
        #expect(result.stderr.contains("cannot write \(output)"), "stderr: \(result.stderr)")
    }

    @Test("run --html --md --junit --prom writes each rendering next to the JSON report")
    func runWritesRenderings() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = directory.appendingPathComponent("tiny.yaml")
        try Data(
            """
            name: tiny
            seed: 3
            duration: 1s
            drain: 2s
            population:
              devices: 4
              arrival:
                stages: [{to: all, over: 1s}]
            slos:
              delivery_ratio: 100%
            journeys:
              - name: browse
                start: home
                screens:
                  home:
                    think: 100ms
                    events:
                      - contract: ScreenView
                        attributes: {screen_name: home}
                    next: {home: 80%, exit: 20%}
            sdk:
              # Seconds long: without it Android's 10 s lifecycle debounce would never let it connect.
              android: {batch_period: 500ms, lifecycle_debounce: 0s}
              ios: {batch_period: 500ms}
            """.utf8
        ).write(to: scenario)
        let output = directory.appendingPathComponent("results").path
        let result = try Binary.run([
            "run", scenario.path, "--output", output, "--quiet", "--html", "--md", "--junit", "--prom",
        ])
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let json = try #require(
            result.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") }.map { String($0.dropFirst(8)) })
        #expect(json.hasSuffix(".json"))
        let base = String(json.dropLast(5))
        for (format, fileExtension) in [("html", "html"), ("md", "md"), ("junit", "junit.xml"), ("prom", "prom")] {
            let path = "\(base).\(fileExtension)"
            #expect(result.stdout.contains("report (\(format)): \(path)"), "stdout: \(result.stdout)")
            #expect(FileManager.default.fileExists(atPath: path), "no \(path)")
            // The saved JSON renders to the same file.
            let rendered = try Binary.run(["report", json, "--format", format])
            #expect(rendered.stdout == (try? String(contentsOfFile: path, encoding: .utf8)))
        }
    }
}
