import ClickSwarmTestSupport
import Foundation
import NIOCore
import NIOPosix
import SwarmPrimitives
import Testing

@testable import Reports

@Suite("publishing over libcurl, against a loopback HTTP server")
struct PublisherTests {
    static let token = "pt-9f8e7d6c5b4a"

    /// Settings for fast tests: short backoff, the given destination.
    static func settings(report url: String, retries: Int = 3) throws -> PushSettings {
        var settings = PushSettings()
        settings.reportURL = try PushURL(parsing: url)
        settings.retry = PushRetryPolicy(retries: retries, initialBackoff: 0.05)
        settings.headers = [
            try PushHeader(parsing: "Authorization: Bearer ${TOKEN}", environment: ["TOKEN": token]),
            try PushHeader(parsing: "X-Team: capacity", environment: [:]),
        ]
        return settings
    }

    @Test("POSTs the report JSON with its content type and the extra headers")
    func postsTheReport() async throws {
        let server = try await RecordingHTTPServer { _, _ in .status(200) }
        defer { Task { await server.shutdown() } }
        let report = RunReportTests.report()
        let results = await Publisher.publish(report, settings: try Self.settings(report: server.url + "/hook"))
        #expect(results.count == 1)
        #expect(results.first?.succeeded == true, "\(results)")
        #expect(results.first?.attempts == 1)
        #expect(results.first?.status == 200)
        let requests = server.requests
        try #require(requests.count == 1)
        #expect(requests[0].method == .POST)
        #expect(requests[0].uri == "/hook")
        #expect(requests[0].body == Array(try report.jsonData()))
        #expect(requests[0].headers["Content-Type"] == ["application/json"])
        #expect(requests[0].headers["Authorization"] == ["Bearer \(Self.token)"])
        #expect(requests[0].headers["X-Team"] == ["capacity"])
        #expect(!(results.first?.description.contains(Self.token) ?? true))
    }

    @Test("503 twice, then 200: three requests, success")
    func retriesAfter503() async throws {
        let server = try await RecordingHTTPServer { index, _ in index < 2 ? .status(503, body: "busy") : .status(202) }
        defer { Task { await server.shutdown() } }
        let results = await Publisher.publish(
            RunReportTests.report(), settings: try Self.settings(report: server.url))
        #expect(server.requests.count == 3)
        #expect(results.first?.succeeded == true, "\(results)")
        #expect(results.first?.attempts == 3)
        #expect(results.first?.status == 202)
    }

    @Test("5xx every time: retries run out; the failure says the status, the body and the attempts")
    func serverErrorsRunOut() async throws {
        let server = try await RecordingHTTPServer { _, _ in .status(500, body: "database down") }
        defer { Task { await server.shutdown() } }
        let result = try #require(
            await Publisher.publish(
                RunReportTests.report(), settings: try Self.settings(report: server.url, retries: 2)
            )
            .first)
        #expect(server.requests.count == 3)
        #expect(!result.succeeded)
        #expect(result.status == 500)
        #expect(result.description.contains("failed after 3 attempts: HTTP 500: database down"), "\(result)")
    }

    @Test("4xx is not retried, and a token the server echoes is not shown")
    func clientErrorIsFinal() async throws {
        let server = try await RecordingHTTPServer { _, request in
            .status(401, body: "bad credentials: \(request.headers["Authorization"].first ?? "")")
        }
        defer { Task { await server.shutdown() } }
        let result = try #require(
            await Publisher.publish(RunReportTests.report(), settings: try Self.settings(report: server.url)).first)
        #expect(server.requests.count == 1)
        #expect(!result.succeeded)
        #expect(result.attempts == 1)
        #expect(result.status == 401)
        #expect(result.description.contains("HTTP 401"))
        #expect(result.description.contains("not retried"))
        #expect(!result.description.contains(Self.token), "\(result)")
    }

    /// Timed on the transfer's own thread: timed around an await, the figure would include the
    /// wait for Swift concurrency's pool, which the whole suite starting at once holds for tens of
    /// seconds (a 0.5 s timeout once measured 41 s that way).
    @Test("a server that never answers: the total timeout ends the attempt")
    func totalTimeout() async throws {
        let server = try await RecordingHTTPServer { _, _ in .hang }
        defer { Task { await server.shutdown() } }
        var settings = try Self.settings(report: server.url, retries: 0)
        settings.timeout = 0.5
        let url = try #require(settings.reportURL)
        let request = Publisher.request("POST", url, Array("{}".utf8), contentType: "application/json", settings)
        let (policy, secrets) = (settings.retry, settings.secrets)
        let (result, elapsed) = await BlockingThread.run("test.push") {
            let started = ContinuousClock.now
            let result = Publisher.send(
                request, payload: .report, url: url, policy: policy, secrets: secrets)
            return (result, ContinuousClock.now - started)
        }
        #expect(!result.succeeded)
        #expect(result.status == nil)
        #expect(result.failure?.contains("timed out") == true, "\(result)")
        #expect(result.description.contains("curl error 28"), "\(result)")
        #expect(elapsed >= .milliseconds(400))
        // Well below the 5 s connect timeout and the 30 s default: the 0.5 s total timeout ended it.
        #expect(elapsed < .seconds(5), "\(elapsed)")
        #expect(server.requests.count == 1)
    }

    @Test("connection refused: retried, then failed with curl's reason")
    func connectionRefused() async throws {
        let port = try await Self.closedPort()
        let started = ContinuousClock.now
        let result = try #require(
            await Publisher.publish(
                RunReportTests.report(), settings: try Self.settings(report: "http://127.0.0.1:\(port)/", retries: 2)
            ).first)
        #expect(!result.succeeded)
        #expect(result.attempts == 3)
        #expect(result.description.contains("curl error 7"), "\(result)")
        #expect(result.description.contains("http://127.0.0.1:\(port)/"))
        // Two backoffs: 0.05 s and 0.1 s.
        #expect(ContinuousClock.now - started >= .milliseconds(140))
    }

    @Test("a URL's credentials reach the server but never the result")
    func credentialsInURL() async throws {
        let server = try await RecordingHTTPServer { _, _ in .status(500) }
        defer { Task { await server.shutdown() } }
        let url = "http://ci:\(Self.token)@127.0.0.1:\(server.port)/hook?key=\(Self.token)"
        let result = try #require(
            await Publisher.publish(RunReportTests.report(), settings: try Self.settings(report: url, retries: 0))
                .first)
        #expect(server.requests.first?.headers["Authorization"].isEmpty == false)
        #expect(server.requests.first?.uri == "/hook?key=\(Self.token)")
        #expect(!result.description.contains(Self.token), "\(result)")
    }

    @Test("live pushes post a small progress JSON; finish waits for the one in flight")
    func livePushesJSON() async throws {
        let server = try await RecordingHTTPServer { _, _ in .status(200) }
        defer { Task { await server.shutdown() } }
        var settings = try Self.settings(report: server.url)
        settings.interval = 1
        let made = LivePublisher(settings: settings, scenario: "smoke", warn: { _ in })
        let live = try #require(made)
        var counters = ProgressCounters()
        counters.generated = 42
        counters.acked = 40
        counters.devicesOnline = 7
        live.offer(runID: "0000abcd", counters: counters, elapsed: 1.02)
        live.offer(runID: "0000abcd", counters: counters, elapsed: 1.5)  // too soon: skipped
        let results = await live.finish()
        live.offer(runID: "0000abcd", counters: counters, elapsed: 5)  // after finish: ignored
        #expect(results.count == 1)
        #expect(results.allSatisfy { $0.succeeded }, "\(results)")
        let requests = server.requests
        try #require(requests.count == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(requests[0].body)) as? [String: Any])
        #expect(json["kind"] as? String == "live_progress")
        #expect(json["run_id"] as? String == "0000abcd")
        #expect(json["generated"] as? Int == 42)
        #expect(json["devices_online"] as? Int == 7)
        #expect(requests[0].headers["Authorization"] == ["Bearer \(Self.token)"])
    }

    @Test("a failing live push warns once, without the token")
    func liveFailureWarnsOnce() async throws {
        let server = try await RecordingHTTPServer { _, _ in .status(503) }
        defer { Task { await server.shutdown() } }
        var settings = try Self.settings(report: server.url)
        settings.interval = 0.01
        let warnings = Warnings()
        let made = LivePublisher(settings: settings, scenario: "smoke", warn: { warnings.add($0) })
        let live = try #require(made)
        for step in 1...3 {
            live.offer(runID: "1", counters: ProgressCounters(), elapsed: Double(step))
            try await Task.sleep(for: .milliseconds(200))
        }
        let results = await live.finish()
        #expect(results.count == 3)
        #expect(results.allSatisfy { $0.attempts == 1 && !$0.succeeded })
        #expect(warnings.lines.count == 1, "\(warnings.lines)")
        #expect(warnings.lines.allSatisfy { !$0.contains(Self.token) })
    }

    /// A port nothing listens on: bound, then closed.
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        return port
    }
}

final class Warnings: Sendable {
    private let box = Locked<[String]>([])
    func add(_ line: String) { box.withLock { $0.append(line) } }
    var lines: [String] { box.withLock { $0 } }
}
