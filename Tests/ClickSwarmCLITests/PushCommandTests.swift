import ClickSwarmTestSupport
import Foundation
import Testing

@Suite("clickswarm run --push, end to end at tiny scale")
struct PushCommandTests {
    /// A five-phone scenario of two seconds against the embedded collector, with no SLOs.
    static let scenario = """
        name: tiny-push
        description: five phones, two seconds
        seed: 7
        duration: 2s
        drain: 2s
        target: embedded
        population:
          devices: 5
          flavors: {android: 100%}
          arrival:
            stages:
              - {to: all, over: 1s}
        networks:
          mix: {wifi: 100%}
        # Batches every second, so the two seconds deliver something (a run that delivers nothing fails).
        sdk:
          android: {batch_period: 1s, lifecycle_debounce: 0s}
        journeys:
          - name: glance
            weight: 1
            start: home
            screens:
              home:
                think: 500ms
                events:
                  - contract: ScreenView
                    attributes: {screen_name: home}
                next: {exit: 100%}

        """

    static func workspace() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("push-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try scenario.write(to: directory.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    static func arguments(_ directory: URL, push: String) -> [String] {
        [
            "run", directory.appendingPathComponent("tiny.yaml").path, "--output",
            directory.appendingPathComponent("results").path, "--quiet", "--push", push, "--push-header",
            "X-Run-Token: ${CLICKSWARM_TEST_TOKEN}",
        ]
    }

    static func reports(in directory: URL) -> [URL] {
        let results = directory.appendingPathComponent("results")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: results.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { results.appendingPathComponent($0) }
    }

    @Test("the report is pushed and the run exits 0")
    func pushSucceeds() async throws {
        let server = try await RecordingHTTPServer { _, _ in .status(200) }
        defer { Task { await server.shutdown() } }
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        setenv("CLICKSWARM_TEST_TOKEN", "tok-123", 1)
        let result = try Binary.run(Self.arguments(directory, push: server.url + "/hook"))
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try #require(Self.reports(in: directory).first)
        let requests = server.requests
        try #require(requests.count == 1)
        #expect(requests[0].body == Array(try Data(contentsOf: report)))
        #expect(requests[0].headers["X-Run-Token"] == ["tok-123"])
    }

    @Test("the server answers 500: exit 75, the reason on stderr, the report still on disk")
    func pushFails() async throws {
        let server = try await RecordingHTTPServer { _, _ in .status(500, body: "down") }
        defer { Task { await server.shutdown() } }
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        setenv("CLICKSWARM_TEST_TOKEN", "tok-123", 1)
        let result = try Binary.run(Self.arguments(directory, push: server.url + "/hook"))
        #expect(result.status == 75, "stderr: \(result.stderr)")
        #expect(server.requests.count == 4)
        #expect(result.stderr.contains("failed after 4 attempts: HTTP 500: down"), "stderr: \(result.stderr)")
        #expect(!result.stderr.contains("tok-123"))
        let report = try #require(Self.reports(in: directory).first)
        #expect(result.stderr.contains("the report is still at \(report.path)"), "stderr: \(result.stderr)")
    }

    @Test("an unset variable in --push-header exits 64, naming the variable")
    func unsetHeaderVariable() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Binary.run(
            Self.arguments(directory, push: "http://127.0.0.1:9/")
                .map { $0.replacingOccurrences(of: "CLICKSWARM_TEST_TOKEN", with: "CLICKSWARM_UNSET_VARIABLE") })
        #expect(result.status == 64)
        #expect(result.stderr.contains("CLICKSWARM_UNSET_VARIABLE"), "stderr: \(result.stderr)")
        #expect(Self.reports(in: directory).isEmpty)
    }
}
