import Collector
import Foundation
import Reports
import Testing

@testable import Simulation

/// Whole runs at small scale over real loopback sockets: devices, SDKs, the conditioned links and
/// the embedded (or a separately started) collector.
@Suite("Live runs", .serialized)
struct LiveRunTests {
    static let journeys = """
        journeys:
          - name: browse
            start: home
            screens:
              home:
                think: uniform(100ms, 300ms)
                events:
                  - contract: ScreenView
                    attributes: {screen_name: home}
                  - contract: ButtonClick
                    count: uniform(0, 2)
                    gap: 50ms
                    attributes: {screen_name: home, button_id: b}
                next: {home: 80%, exit: 20%}
        sdk:
          # A live test lasts seconds: Android's 10 s lifecycle debounce (tested on the virtual
          # clock in AndroidLifecycleTests) would keep its phones from ever connecting.
          android: {batch_period: 1s, lifecycle_debounce: 0s}
          ios: {batch_period: 1s}
        """

    static func scenario(_ body: String, file: String = "test.yaml") throws -> Scenario {
        try Scenario(yaml: body + "\n" + journeys, file: file)
    }

    static func options() -> RunOptions {
        var options = RunOptions()
        options.outputDirectory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("clickswarm-\(UUID().uuidString)").path
        return options
    }

    @Test("a small run delivers everything, balances exactly, and writes a report that decodes")
    func smallRunBalances() async throws {
        let scenario = try Self.scenario(
            """
            name: small
            seed: 5
            duration: 3s
            drain: 4s
            population:
              devices: 40
              arrival:
                stages: [{to: all, over: 1s}]
            networks:
              mix: {wifi: 50%, 4g: 50%}
            slos:
              delivery_ratio: 100%
              drop_rate: 0%
              connect_success: 100%
            """)
        let options = Self.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let result = try await RunDriver.run(scenario, options: options)
        let report = result.report
        #expect(report.reconciliation.balanced, "\(report.reconciliation)")
        #expect(report.totals.generated > 100)
        #expect(report.totals.acked == report.totals.generated)
        #expect(report.totals.pendingAtEnd == 0)
        #expect(report.collector?.uniqueDeliveries == report.totals.acked)
        #expect(report.reconciliation.delivery.checked)
        #expect(report.reconciliation.delivery.ackedNotDelivered == 0)
        #expect(report.connections.connected == 40)
        #expect(Set(report.byFlavor.keys) == ["android", "ios"])
        #expect(Set(report.byNetwork.keys) == ["wifi", "4g"])
        #expect(report.latency.event.count == report.totals.acked)
        #expect(report.verdict == .passed, "\(report.slos)")
        #expect(report.verdict == .passed)
        let saved = try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: result.reportPath)))
        #expect(saved == report)
        #expect(result.reportPath.hasSuffix(".json") && result.reportPath.contains("/small-"))
    }

    @Test("drops, offline windows, ack loss and errors: every event is still accounted for")
    func hostileRunBalances() async throws {
        let scenario = try Self.scenario(
            """
            name: hostile
            seed: 8
            duration: 4s
            drain: 3s
            # Error answers (after-publish acks) make devices resend; under immediate acks the
            # injected error is a silent loss the run explains through lost_after_ack.
            collector: {ack: after-publish}
            # The faults span the whole run: on a loaded machine few batches may come in a
            # shorter window, and the test needs some lost acks or error answers.
            faults:
              - {from: 0s, to: 7s, ack_loss: 20%, error_rate: 10%}
            population:
              devices: 30
              arrival:
                stages: [{to: all, over: 0s}]
            networks:
              profiles:
                bad:
                  kind: 3g
                  latency: 20ms
                  jitter: uniform(0ms, 20ms)
                  bandwidth: 64KiB
                  drops_per_minute: 90%
                  offline: {every: uniform(500ms, 1s), for: uniform(200ms, 600ms)}
              mix: {bad: 100%}
            lifecycle:
              session: uniform(1s, 2s)
              background: uniform(200ms, 500ms)
              kill_in_background: 50%
            remote_config:
              changes:
                - at: 2s
                  config: {classification: {ButtonClick: instant}, sampling: {ScreenView: 50%}}
            """)
        let options = Self.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await RunDriver.run(scenario, options: options).report
        #expect(report.reconciliation.balanced, "\(report.reconciliation)")
        #expect(report.reconciliation.eventTypes.allSatisfy { $0.unaccounted == 0 })
        #expect(report.reconciliation.delivery.ackedNotDelivered == 0)
        #expect((report.notes["offline_windows"] ?? 0) > 0)
        #expect((report.notes["apps_killed"] ?? 0) > 0)
        #expect((report.notes["link_drops"] ?? 0) > 0)
        #expect((report.notes["remote_config_changes"] ?? 0) > 0)
        #expect(report.totals.sampledOut > 0)
        #expect(report.collector.map { $0.batchesAckLost + $0.batchesErrorInjected } ?? 0 > 0)
    }

    @Test(
        "a mixed population over loopback: the Android background rule's duplicates are counted, and the books balance")
    func androidBackgroundDuplicates() async throws {
        // Acks come late and sessions are short, so Android phones go to the background with
        // batches unanswered: their rows are re-stamped (CSBaseEventScheduler.kt:88-109) and sent
        // again at the next foreground, and the collector sees them twice.
        let scenario = try Self.scenario(
            """
            name: restamps
            seed: 4
            duration: 12s
            drain: 8s
            faults:
              - {from: 0s, to: 12s, ack_delay: uniform(600ms, 1500ms)}
            population:
              devices: 30
              flavors: {android: 70%, ios: 30%}
              arrival:
                stages: [{to: all, over: 0s}]
            lifecycle:
              session: uniform(2s, 3s)
              background: uniform(300ms, 800ms)
            """)
        let options = Self.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await RunDriver.run(scenario, options: options).report
        #expect(report.reconciliation.balanced, "\(report.reconciliation)")
        #expect(report.reconciliation.delivery.ackedNotDelivered == 0)
        let restamped = report.notes["android_restamped_after_send"] ?? 0
        let duplicates = report.collector?.duplicateDeliveries ?? 0
        #expect(restamped > 0, "\(report.notes)")
        #expect(duplicates > 0)
        // Every duplicate has a cause the report names: a resend, a re-stamp after a send, or an
        // answer the SDK no longer listened for.
        #expect(duplicates <= report.totals.resends + restamped + (report.notes["answers_ignored"] ?? 0))
    }

    @Test("a remote collector: acks are reconciled without a delivery check")
    func remoteTarget() async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = 1
        let server = try await CollectorServer.start(configuration: configuration)
        var scenario = try Self.scenario(
            """
            name: remote
            duration: 2s
            drain: 3s
            target: ws://127.0.0.1:\(server.port)/api/v1/events?token=SECRET-TOKEN&region=eu
            population:
              devices: 10
            """)
        scenario.population.arrival = .stages([.init(target: nil, over: 0)])
        let options = Self.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await RunDriver.run(scenario, options: options).report
        let stats = try await server.stats()
        try await server.shutdown()
        #expect(report.reconciliation.balanced)
        #expect(!report.reconciliation.delivery.checked)
        #expect(report.collector == nil)
        #expect(report.totals.acked > 0)
        #expect(stats.events.uniqueDeliveries == report.totals.acked)
        // The query carried the devices' token to the collector; no report shows it.
        #expect(report.run.target == "ws://127.0.0.1:\(server.port)/api/v1/events?token=…&region=…")
        for format in ReportFormat.allCases {
            #expect(!ReportRenderer.render(report, format: format).contains("SECRET-TOKEN"), "\(format)")
        }
        #expect(!String(decoding: try report.jsonData(), as: UTF8.self).contains("SECRET-TOKEN"))
    }

    @Test(
        "a target's user information and query values never appear in what a user sees",
        arguments: [
            ("ws://user:pw@host/x", "ws://…@host/x"), ("ws://h:1/p?token=s3cr3t", "ws://h:1/p?token=…"),
            ("http://h/p?a=1&b&c=2#f", "http://h/p?a=…&b&c=…#f"), ("ws://h/p", "ws://h/p"),
            ("wss://u@[::1]:9/p?k=v", "wss://…@[::1]:9/p?k=…"),
        ])
    func redaction(url: String, shown: String) throws {
        #expect(Scenario.Target.redacted(url) == shown)
        do {
            _ = try Scenario.Target(parsing: url)
            #expect(!url.contains("@"), "a URL with user information must be refused")
        } catch {
            #expect(!error.description.contains("pw") && !error.description.contains("user:"), "\(error)")
            #expect(error.description.contains("give credentials as a header"))
        }
    }

    @Test("an unreachable target is a set-up failure that names it")
    func unreachable() async throws {
        let scenario = try Self.scenario(
            """
            name: nowhere
            duration: 1s
            target: ws://127.0.0.1:1/api/v1/events
            population:
              devices: 1
            """)
        await #expect {
            try await RunDriver.run(scenario, options: Self.options())
        } throws: { error in
            guard case RunError.setupFailed(let message) = error else { return false }
            return message.hasPrefix("the target ws://127.0.0.1:1/api/v1/events cannot be reached: refused: ")
        }
    }

    @Test("stopping early still accounts for everything and marks the report interrupted")
    func interrupted() async throws {
        let scenario = try Self.scenario(
            """
            name: stopped
            duration: 60s
            drain: 30s
            population:
              devices: 20
              arrival:
                stages: [{to: all, over: 0s}]
            """)
        var options = Self.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let stopper = RunStopper()
        options.stopper = stopper
        Task {
            try await Task.sleep(nanoseconds: 2_000_000_000)
            stopper.stop()
        }
        let started = Date()
        let report = try await RunDriver.run(scenario, options: options).report
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(report.run.interrupted)
        #expect(report.reconciliation.balanced)
        #expect(report.totals.generated > 0)
        #expect(report.verdict != .unbalanced)
    }

    @Test("too few file descriptors: the error says how many are needed and what to do")
    func descriptorLimit() {
        #expect(LiveBackend.descriptorsNeeded(devices: 10_000, embedded: true) == 20_256)
        #expect(LiveBackend.descriptorsNeeded(devices: 10_000, embedded: false) == 10_256)
        #expect(throws: Never.self) {
            try LiveBackend.checkDescriptors(
                needed: 20_256, devices: 10_000, embedded: true, limits: .init(soft: 30_000, hard: 30_000))
        }
        #expect(
            throws: RunError.setupFailed(
                "10000 devices need about 20256 file descriptors (two per device with the embedded collector), "
                    + "but the open-file limit is 20000 (hard limit 20000) and the system refused to raise it; "
                    + "raise it (ulimit -Hn 20256; ulimit -n 20256, or run as root), or run at most 9872 devices")
        ) {
            try LiveBackend.checkDescriptors(
                needed: 20_256, devices: 10_000, embedded: true, limits: .init(soft: 20_000, hard: 20_000),
                isRoot: false)
        }
        // Root is not told to run as root.
        do {
            try LiveBackend.checkDescriptors(
                needed: 10_256, devices: 10_000, embedded: false, limits: .init(soft: 8_000, hard: 8_000), isRoot: true)
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("or run as root"))
            #expect(error.description.contains("even though this process runs as root"))
            #expect(error.description.contains("or run at most 7744 devices"))
        }
    }
}

/// Every ready scenario in `scenarios/` parses, and runs for a few seconds at reduced scale with a
/// balanced reconciliation.
@Suite("Ready scenarios")
struct ReadyScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scenarios")
    static let names = [
        "smoke", "capacity-ramp", "flaky-3g", "battery-cliff", "offline-burst", "collector-outage",
        "remote-config-flip", "background-kill", "day-in-the-life", "bench-steady", "broker-outage",
        "find-the-knee", "raccoon-benchmark",
    ]

    @Test("every file in scenarios/ is one of the ready scenarios and validates")
    func allValidate() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files == Self.names.map { "\($0).yaml" }.sorted())
        for name in Self.names {
            let scenario = try Scenario.load(file: Self.directory.appendingPathComponent("\(name).yaml").path)
            #expect(scenario.name == name)
            _ = try ScriptLibrary(scenario: scenario)
        }
    }

    @Test("runs for a few seconds at reduced scale and balances", arguments: names)
    func runsReduced(name: String) async throws {
        var scenario = try Scenario.load(file: Self.directory.appendingPathComponent("\(name).yaml").path)
            .applying(ScenarioOverrides(devices: 12, duration: 3))
        scenario.drain = 2
        var options = RunOptions()
        options.threads = 1
        options.outputDirectory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("clickswarm-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await RunDriver.run(scenario, options: options).report
        #expect(report.reconciliation.balanced, "\(name): \(report.reconciliation)")
        #expect(report.run.scenario == name)
        #expect(report.run.devices == 12)
    }
}
