import Foundation
import Testing

@testable import Reports

/// Against a real Prometheus Pushgateway (Debian's `prometheus-pushgateway`, which
/// `scripts/setup.sh --tests` installs): the test starts it on a free port and reads the pushed
/// figures back from its `/metrics`.
@Suite("publishing to a real Prometheus Pushgateway")
struct PushgatewayTests {
    static let binary = "/usr/bin/prometheus-pushgateway"

    /// A running gateway on 127.0.0.1; `stop()` ends it.
    struct Gateway {
        let process: Process
        let port: Int

        static func start() async throws -> Gateway {
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw GatewayUnavailable(
                    message: "\(binary) is missing: run scripts/setup.sh --tests "
                        + "(it installs the Debian package prometheus-pushgateway)")
            }
            let port = try await PublisherTests.closedPort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            // Debian's build persists to /var/lib/prometheus/pushgateway.data by default: keep
            // each test's gateway in memory, so parallel tests never share (or leave) state.
            process.arguments = ["--web.listen-address=127.0.0.1:\(port)", "--persistence.file=", "--log.level=warn"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let gateway = Gateway(process: process, port: port)
            for _ in 0..<200 {
                if case .success(let ready) = get("/-/ready", port: port), ready.status == 200 { return gateway }
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            gateway.stop()
            throw GatewayUnavailable(message: "the Pushgateway on 127.0.0.1:\(port) never became ready")
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }

        var url: String { "http://127.0.0.1:\(port)" }

        /// A GET over the publisher's own libcurl layer.
        static func get(_ path: String, port: Int) -> Result<CurlResponse, CurlFailure> {
            CurlClient.perform(CurlRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)", timeout: 5))
        }

        /// The value of the sample of `metric` in the run's group, from `/metrics`.
        func value(of metric: String, scenario: String, runID: String) throws -> String? {
            let page = String(decoding: try Self.get("/metrics", port: port).get().body, as: UTF8.self)
            let labels = ["job=\"clickswarm\"", "scenario=\"\(scenario)\"", "run_id=\"\(runID)\""]
            for line in page.split(separator: "\n") where line.hasPrefix(metric + "{") {
                guard labels.allSatisfy({ line.contains($0) }) else { continue }
                return line.split(separator: " ").last.map(String.init)
            }
            return nil
        }
    }

    struct GatewayUnavailable: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    @Test("the final figures land in the run's group (job, scenario with a slash, run id)")
    func finalFigures() async throws {
        let gateway = try await Gateway.start()
        defer { gateway.stop() }
        var report = RunReportTests.report()
        report.run.scenario = "team/smoke"
        var settings = PushSettings()
        settings.pushgatewayURL = try PushURL(parsing: gateway.url)
        settings.retry = PushRetryPolicy(retries: 1, initialBackoff: 0.1)
        let results = await Publisher.publish(report, settings: settings)
        #expect(results.count == 1)
        #expect(results.allSatisfy { $0.succeeded }, "\(results)")

        let id = report.run.id
        let generated = try gateway.value(of: "clickswarm_events_generated", scenario: "team/smoke", runID: id)
        #expect(generated == String(report.totals.generated))
        let acked = try gateway.value(of: "clickswarm_events_acked", scenario: "team/smoke", runID: id)
        #expect(acked == String(report.totals.acked))
        let finished = try gateway.value(of: "clickswarm_run_finished", scenario: "team/smoke", runID: id)
        #expect(finished == "1")
        let p99 = try gateway.value(
            of: "clickswarm_event_latency_p99_seconds", scenario: "team/smoke", runID: id)
        #expect(p99.flatMap { Double($0) } == PushgatewayPayload.seconds(report.latency.event.p99Ms))
    }

    @Test("live figures first, then the final push replaces them")
    func liveThenFinal() async throws {
        let gateway = try await Gateway.start()
        defer { gateway.stop() }
        let report = RunReportTests.report()
        var settings = PushSettings()
        settings.pushgatewayURL = try PushURL(parsing: gateway.url)
        settings.interval = 1
        let made = LivePublisher(settings: settings, scenario: report.run.scenario, warn: { _ in })
        let live = try #require(made)
        var counters = ProgressCounters()
        counters.generated = 17
        counters.devicesOnline = 3
        live.offer(runID: report.run.id, counters: counters, elapsed: 1)
        let liveResults = await live.finish()
        #expect(liveResults.allSatisfy { $0.succeeded }, "\(liveResults)")
        let scenario = report.run.scenario
        let id = report.run.id
        func value(_ metric: String) throws -> String? {
            try gateway.value(of: metric, scenario: scenario, runID: id)
        }
        let liveFinished = try value("clickswarm_run_finished")
        let liveGenerated = try value("clickswarm_events_generated")
        let liveOnline = try value("clickswarm_devices_online")
        #expect(liveFinished == "0")
        #expect(liveGenerated == "17")
        #expect(liveOnline == "3")

        let results = await Publisher.publish(report, settings: settings)
        #expect(results.allSatisfy { $0.succeeded }, "\(results)")
        let finished = try value("clickswarm_run_finished")
        let generated = try value("clickswarm_events_generated")
        #expect(finished == "1")
        #expect(generated == String(report.totals.generated))
    }

    @Test("a payload the gateway rejects is a 400 with its reason, not retried")
    func rejectedPayload() async throws {
        let gateway = try await Gateway.start()
        defer { gateway.stop() }
        let url = try PushURL(parsing: gateway.url + "/metrics/job/clickswarm")
        let request = Publisher.request(
            "PUT", url, Array("not a metric line at all {\n".utf8), contentType: PushgatewayPayload.contentType,
            PushSettings())
        let result = Publisher.send(
            request, payload: .metrics, url: url, policy: PushRetryPolicy(retries: 2, initialBackoff: 0.05), secrets: []
        )
        #expect(!result.succeeded)
        #expect(result.attempts == 1)
        #expect(result.status == 400, "\(result)")
    }
}
