import ClickSwarmTestSupport
import Foundation
import Testing

/// `run --header` and `population.headers` as a user runs them: the expanded values reach the
/// collector on every connection, and never the terminal, the logs or any report file.
@Suite("clickswarm run --header, the command", .serialized)
struct ConnectionHeaderCommandTests {
    static func allFiles(in directory: URL) -> String {
        let paths = (FileManager.default.enumerator(atPath: directory.path)?.allObjects as? [String]) ?? []
        return paths.compactMap {
            try? String(contentsOfFile: directory.appendingPathComponent($0).path, encoding: .utf8)
        }
        .joined(separator: "\n")
    }

    @Test(
        "header values with ${ENV} and {device} reach every REST request and the WebSocket upgrade, and no output",
        arguments: ["http", "ws"])
    func headersReachCollectorNotOutput(scheme: String) async throws {
        let directory = try RunCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cli.yaml")
        try (RunCommandTests.scenario + "\n").replacingOccurrences(
            of: "  devices: 8\n", with: "  devices: 8\n  headers: {X-Tenant: \"tenant-{device}\"}\n"
        ).write(to: file, atomically: true, encoding: .utf8)
        let secret = "s3cr3t-\(UUID().uuidString)"
        let server = try await RecordingHTTPServer { _, _ in .status(200) }
        let output = directory.appendingPathComponent("out")
        let result = try Binary.run(
            [
                "run", file.path, "--target", "\(scheme)://127.0.0.1:\(server.port)/api/v1/events",
                "--header", "Authorization: Bearer ${CS_TEST_TOKEN}", "--output", output.path, "--html", "--md",
                "--junit", "--prom", "--log-level", "trace",
            ], environment: ["CS_TEST_TOKEN": secret])
        let requests = server.requests
        await server.shutdown()
        #expect(!requests.isEmpty, "\(result.stderr)")
        for request in requests {
            #expect(request.headers.first(name: "Authorization") == "Bearer \(secret)")
            let user = try #require(request.headers.first(name: "X-User-ID"))
            #expect(
                request.headers.first(name: "X-Tenant") == "tenant-"
                    + user.replacingOccurrences(of: "clickswarm-", with: ""))
        }
        #expect(Set(requests.compactMap { $0.headers.first(name: "X-Tenant") }).count > 1)
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
        let written = Self.allFiles(in: output)
        #expect(!written.isEmpty)
        #expect(!written.contains(secret))
    }

    @Test("a header naming an unset variable: exit 64 with the variable's name, never the value")
    func missingVariable() throws {
        let directory = try RunCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cli.yaml")
        try RunCommandTests.scenario.write(to: file, atomically: true, encoding: .utf8)
        let result = try Binary.run(
            ["run", file.path, "--header", "Authorization: Bearer literal-part ${CS_SURELY_UNSET}"],
            environment: ["CS_SURELY_UNSET": ""])
        #expect(result.status == 64)
        #expect(result.stderr.contains("CS_SURELY_UNSET"), "\(result.stderr)")
        #expect(!result.stderr.contains("literal-part"))
    }
}
