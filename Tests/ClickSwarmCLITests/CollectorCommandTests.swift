import ClickSwarmTestSupport
import Collector
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
            (
                ["collector", "--ping-interval", "30s", "--pong-timeout", "30s"],
                "pong timeout (30000ms) must be longer than the ping interval (30000ms): every client would be dropped"
            ),
            (["collector", "--ack-delay", "3000000h"], "is longer than the longest duration ClickSwarm takes"),
            (["collector", "--threads", "100000"], "threads must be from 0 (one per core) to 1024"),
            (["collector", "--admin-token", "short"], "the admin token must be at least 16 characters long"),
            (["collector", "--max-events-per-second", "0"], "max events per second must be from 1 to 1000000000"),
        ])
    func invalidInput(arguments: [String], message: String) throws {
        let result = try Binary.run(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }

    @Test("an NDJSON sink that fails (/dev/full) makes the collector exit 74 naming the file")
    func sinkFailureExits74() async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("port-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let (process, out, err) = try Binary.start(
            ["collector", "--port", "0", "--port-file", portFile, "--ndjson", "/dev/full"])
        var port: Int?
        for _ in 0..<500 where port == nil {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if port == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let bound = try #require(port, "the collector never wrote its port file")
        let batch = try await HTTPTestClient.request(
            .POST, "/api/v1/events", port: bound, headers: [("Content-Type", "application/json")],
            body: Array(#"{"req_guid":"full","events":[{"event_bytes":"aGk=","type":"click"}]}"#.utf8))
        #expect(batch.status == .ok)
        process.terminate()
        let result = Binary.finish(process, out, err)
        #expect(result.status == 74, "stderr: \(result.stderr)")
        #expect(
            result.stderr.contains("error: the NDJSON sink /dev/full lost 1 of 1 lines: No space left on device"),
            "stderr: \(result.stderr)")
        #expect(result.stdout.contains("final stats:"))
    }

    @Test("a non-loopback --host is warned about, and the admin token is never printed")
    func nonLoopbackWarning() async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("port-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let token = "never-print-me-0123456789"
        let (process, out, err) = try Binary.start(
            ["collector", "--host", "0.0.0.0", "--port", "0", "--port-file", portFile, "--admin-token", token])
        var port: Int?
        for _ in 0..<500 where port == nil {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if port == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let bound = try #require(port, "the collector never wrote its port file")
        // Loopback is not enough once a token is set.
        #expect(try await HTTPTestClient.request(.GET, "/admin/faults", port: bound).status == .unauthorized)
        process.terminate()
        let result = Binary.finish(process, out, err)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(
            result.stderr.contains(
                "warning: listening on 0.0.0.0, which is not a loopback address: other machines can reach the "
                    + "collector; /admin/faults answers only requests that carry the admin token"))
        #expect(!result.stdout.contains(token) && !result.stderr.contains(token))
    }

    /// Waits for the collector's port file.
    static func port(in portFile: String) async throws -> Int {
        for _ in 0..<500 {
            if let port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap({
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }) {
                return port
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        struct NoPortFile: Error, CustomStringConvertible {
            var description: String { "the collector never wrote its port file" }
        }
        throw NoPortFile()
    }

    @Test(
        "out of file descriptors (RLIMIT_NOFILE 40 in a child): accept backs off, says so once, and /ping answers after"
    )
    func descriptorLimit() async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("port-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "ulimit -n 40 && exec \"$0\" collector --port 0 --port-file \"$1\" --threads 1 --max-connections 10",
            Binary.url.path, portFile,
        ]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let port = try await Self.port(in: portFile)
        // Far more connections than descriptors: plain TCP sockets that send nothing, so each one
        // the collector accepts stays open, and those it cannot accept wait in its backlog.
        var sockets: [Int32] = []
        for _ in 0..<60 {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Foundation.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            #expect(connected == 0)
            sockets.append(descriptor)
        }
        // Long enough for two back-offs; a spinning accept loop would fail thousands of times.
        try await Task.sleep(for: .milliseconds(2500))
        for descriptor in sockets { _ = Foundation.close(descriptor) }
        // Descriptors are free again: within a back-off or two the collector answers.
        var pong: String?
        for _ in 0..<50 where pong == nil {
            pong = try? await HTTPTestClient.request(.GET, "/ping", port: port).text
            if pong == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(pong == "pong")
        let stats = try CollectorStats.decode(
            json: Data(try await HTTPTestClient.request(.GET, "/stats", port: port).body))
        process.terminate()
        let result = Binary.finish(process, out, err)
        #expect(stats.protection.acceptErrors > 0)
        #expect(
            stats.protection.acceptErrors < 50, "accept failed \(stats.protection.acceptErrors) times: no back-off?")
        // Once per episode at its start, and once at its end with the count: an accepted backlog
        // connection can end an episode while the flood lasts, so there may be more than one.
        let starts = result.stderr.components(separatedBy: "cannot accept connections: Too many open files").count - 1
        let ends = result.stderr.components(separatedBy: "warning: accepting connections again after").count - 1
        #expect((1...3).contains(starts), "stderr: \(result.stderr)")
        #expect(ends == starts, "stderr: \(result.stderr)")
    }

    @Test("--log-level reaches the collector's logger")
    func logLevel() async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("port-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let (process, out, err) = try Binary.start(
            ["collector", "--port", "0", "--port-file", portFile, "--log-level", "debug"])
        _ = try await Self.port(in: portFile)
        process.terminate()
        let result = Binary.finish(process, out, err)
        #expect(result.stderr.contains("collector listening"), "stderr: \(result.stderr)")
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
