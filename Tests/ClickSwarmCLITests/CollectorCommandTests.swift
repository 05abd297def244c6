import ClickSwarmTestSupport
import Foundation
import Testing

/// The built `clickswarm` binary, run as a user would.
enum Binary {
    /// The repository's top folder (this file is Tests/ClickSwarmCLITests/CollectorCommandTests.swift).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static var url: URL {
        // Tests run from the build folder, next to the executable they depend on.
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("clickswarm"),
            Bundle.main.bundleURL.appendingPathComponent("clickswarm"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "clickswarm"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func start(_ arguments: [String], environment: [String: String]? = nil) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    static func finish(_ process: Process, _ out: Pipe, _ err: Pipe) -> Result {
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let (process, out, err) = try start(arguments, environment: environment)
        return finish(process, out, err)
    }
}

@Suite("clickswarm collector, the command")
struct CollectorCommandTests {
    @Test("serves until SIGTERM, then prints the final stats and exits 0")
    func servesUntilSignalled() async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("port-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let (process, out, err) = try Binary.start(["collector", "--port", "0", "--port-file", portFile])
        var port: Int?
        for _ in 0..<500 where port == nil {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8) {
                port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if port == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let bound = try #require(port, "the collector never wrote its port file")
        let pong = try await HTTPTestClient.request(.GET, "/ping", port: bound)
        #expect(pong.text == "pong")
        let batch = try await HTTPTestClient.request(
            .POST, "/api/v1/events", port: bound, headers: [("Content-Type", "application/json")],
            body: Array(#"{"req_guid":"cli","events":[{"event_bytes":"aGk=","type":"click"}]}"#.utf8))
        #expect(batch.status == .ok)
        process.terminate()
        let result = Binary.finish(process, out, err)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("collector listening on http://127.0.0.1:\(bound)"))
        #expect(result.stdout.contains("final stats:"))
        #expect(result.stdout.contains("events: 1 received, 1 delivered"))
    }

    @Test(
        "a bad flag value exits 64 and names the flag",
        arguments: [
            (["collector", "--ack", "sometimes"], "--ack must be immediate or after-publish"),
            (["collector", "--ack-delay", "soon"], "--ack-delay 'soon' is not a duration with a unit"),
            (["collector", "--max-message-size", "huge"], "--max-message-size 'huge'"),
            (["collector", "--ack-loss", "2"], "fault probabilities must be from 0 to 1"),
            (["collector", "--port", "99999"], "port 99999 is outside 0-65535"),
        ])
    func invalidInput(arguments: [String], message: String) throws {
        let result = try Binary.run(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }

    @Test("a port already in use exits 69 with a message that says so")
    func portInUse() async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("port-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let (first, out, err) = try Binary.start(["collector", "--port", "0", "--port-file", portFile])
        var port: String?
        for _ in 0..<500 where port == nil {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            if port?.isEmpty ?? true { port = nil; try await Task.sleep(for: .milliseconds(20)) }
        }
        let taken = try #require(port)
        let second = try Binary.run(["collector", "--port", taken])
        #expect(second.status == 69)
        #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(taken)"))
        first.terminate()
        _ = Binary.finish(first, out, err)
    }
}
