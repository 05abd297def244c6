import Foundation
import Reports
import Testing

@testable import Simulation

/// Simulated runs: the virtual clock, the in-memory link, byte-identical reports.
@Suite("Simulated runs")
struct SimulatedRunTests {
    static func options() -> RunOptions {
        var options = RunOptions()
        options.outputDirectory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("clickswarm-sim-\(UUID().uuidString)").path
        return options
    }

    static let hostile = """
        name: sim-hostile
        seed: 21
        duration: 10m
        drain: 2m
        # Error answers (after-publish acks) make devices resend; under immediate acks the
        # injected error is a silent loss the run explains through lost_after_ack.
        collector: {ack: after-publish}
        faults:
          - {from: 2m, to: 3m, outage: true}
          - {from: 4m, to: 6m, ack_loss: 10%, error_rate: 5%, ack_delay: uniform(10ms, 200ms)}
        population:
          devices: 60
          arrival:
            stages: [{to: all, over: 30s}]
        networks:
          profiles:
            flaky:
              kind: 3g
              latency: normal(120ms, 30ms)
              jitter: uniform(0ms, 80ms)
              bandwidth: 32KiB
              drops_per_minute: 20%
              offline: {every: exponential(3m), for: uniform(5s, 30s)}
          mix: {flaky: 50%, wifi: 50%}
        lifecycle:
          session: lognormal(2m, 0.5)
          background: exponential(1m)
          kill_in_background: 40%
        remote_config:
          changes:
            - at: 5m
              config: {classification: {AdImpression: instant}, sampling: {ScreenView: 50%}}
        journeys:
          - name: j
            start: a
            screens:
              a:
                think: exponential(3s)
                events:
                  - contract: ScreenView
                    attributes: {screen_name: a}
                  - contract: AdImpression
                    count: uniform(0, 2)
                    attributes: {placement: a}
                next: {a: 90%, exit: 10%}
        """

    @Test("the same seed writes the same report byte for byte; another seed does not")
    func sameSeedSameBytes() async throws {
        let scenario = try Scenario(yaml: Self.hostile, file: "hostile.yaml")
        let options = Self.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let first = try await RunDriver.run(scenario, options: options.simulating())
        let second = try await RunDriver.run(scenario, options: options.simulating())
        let firstBytes = try Data(contentsOf: URL(fileURLWithPath: first.reportPath))
        #expect(firstBytes == (try Data(contentsOf: URL(fileURLWithPath: second.reportPath))))
        #expect(first.report.run.mode == .simulated)
        #expect(first.report.totals.generated > 1_000)

        var other = scenario
        other.seed = 22
        let third = try await RunDriver.run(other, options: options.simulating())
        #expect(try third.report.jsonData() != firstBytes)
    }

    @Test("faults, drops, offline windows, kills and a config flip on the virtual clock: everything balances")
    func hostileBalances() async throws {
        let scenario = try Scenario(yaml: Self.hostile, file: "hostile.yaml")
        let options = Self.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await RunDriver.run(scenario, options: options.simulating()).report
        #expect(report.reconciliation.balanced, "\(report.reconciliation)")
        #expect(report.reconciliation.delivery.checked)
        #expect(report.reconciliation.delivery.ackedNotDelivered == 0)
        let collector = try #require(report.collector)
        #expect(collector.connectionsRefusedOutage > 0)
        #expect(collector.batchesAckLost > 0 && collector.batchesErrorInjected > 0)
        #expect(collector.duplicateDeliveries > 0)
        #expect((report.notes["offline_windows"] ?? 0) > 0)
        #expect((report.notes["link_drops"] ?? 0) > 0)
        #expect((report.notes["apps_killed"] ?? 0) > 0)
        #expect(report.totals.sampledOut > 0)
        #expect(report.totals.resends > 0)
    }

    @Test("a replay of one device equals its slice of the full simulated run", arguments: [7, 30])
    func replayEqualsSlice(device: Int) async throws {
        let scenario = try Scenario(yaml: Self.hostile, file: "hostile.yaml")
        var full = Self.options()
        defer { try? FileManager.default.removeItem(atPath: full.outputDirectory) }
        full.trace = device
        let whole = try #require(try await RunDriver.run(scenario, options: full.simulating()).timeline)
        var alone = full
        alone.onlyDevices = [device]
        let replayed = try #require(try await RunDriver.run(scenario, options: alone.simulating()).timeline)
        #expect(whole.entries.count > 50)
        #expect(whole.entries.contains { $0.what == "acked" })
        #expect(whole.entries.contains { $0.kind == "connection" && $0.what == "connected" })
        #expect(replayed == whole)
        #expect(replayed.ndjson() == whole.ndjson())
        let first = try #require(replayed.ndjson().split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(object["device"] as? Int == device)
        #expect(object["kind"] as? String == "lifecycle")
    }

    @Test("24 hours of a small population in seconds: batteries cycle through 10%, iOS closes, Android skips")
    func dayOfBatteries() async throws {
        let scenario = try Scenario(
            yaml: """
                name: battery-day
                seed: 4
                duration: 24h
                drain: 10m
                population:
                  devices: 40
                  arrival:
                    stages: [{to: all, over: 1m}]
                battery:
                  initial: uniform(5%, 40%)
                  drain_per_hour: {foreground: 40%, background: 4%}
                  charging: {start_per_hour: 20%, rate_per_hour: 60%, duration: uniform(20m, 1h)}
                lifecycle:
                  session: lognormal(5m, 0.5)
                  background: exponential(1h)
                journeys:
                  - name: j
                    start: a
                    screens:
                      a:
                        think: exponential(10s)
                        events:
                          - contract: ScreenView
                            attributes: {screen_name: a}
                        next: {a: 95%, exit: 5%}
                """, file: "battery-day.yaml")
        let options = Self.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let started = Date()
        let result = try await RunDriver.run(scenario, options: options.simulating())
        let report = result.report
        #expect(Date().timeIntervalSince(started) < 120, "24 hours of 40 devices should take seconds")
        #expect(report.reconciliation.balanced, "\(report.reconciliation)")
        #expect((report.notes["battery_low_entered"] ?? 0) > 10)
        #expect((report.notes["battery_low_left"] ?? 0) > 5)
        #expect((report.notes["ios closed socket: low_battery"] ?? 0) > 0)
        #expect((report.notes["android batch skipped: low_battery"] ?? 0) > 0)
        #expect(report.notes["android closed socket: low_battery"] == nil)
        #expect(report.run.endedAt == "2026-01-02T00:10:00Z")
        #expect((result.simulatedSecondsPerWallSecond ?? 0) > 100)
    }
}
