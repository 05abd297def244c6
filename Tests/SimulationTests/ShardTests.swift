import Collector
import Foundation
import Reports
import Testing

@testable import Simulation

/// `run --shard i/N` and `merge`: shards run disjoint devices, and their merged report is the
/// unsharded run's.
@Suite("Shards and merge", .serialized)
struct ShardTests {
    static let hostile = """
        name: shard-hostile
        seed: 5
        duration: 5m
        drain: 1m
        # Error answers need after-publish acks; under immediate acks the error is a silent loss.
        collector: {ack: after-publish}
        faults:
          - {from: 1m, to: 90s, outage: true}
          - {from: 2m, to: 3m, ack_loss: 10%, error_rate: 5%, ack_delay: uniform(10ms, 200ms)}
        population:
          devices: 30
          arrival:
            stages: [{to: all, over: 20s}]
        networks:
          profiles:
            flaky:
              kind: 3g
              latency: normal(120ms, 30ms)
              jitter: uniform(0ms, 80ms)
              bandwidth: 32KiB
              drops_per_minute: 20%
              offline: {every: exponential(2m), for: uniform(5s, 20s)}
          mix: {flaky: 50%, wifi: 50%}
        lifecycle:
          session: lognormal(1m, 0.5)
          background: exponential(30s)
          kill_in_background: 40%
        slos:
          latency: {p99: 30s}
          delivery_ratio: 90%
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

    static func options(shard: RunInfo.Shard? = nil) -> RunOptions {
        var options = RunOptions()
        options.outputDirectory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("clickswarm-shard-\(UUID().uuidString)").path
        options.shard = shard
        return options
    }

    @Test("three simulated shards merge to the unsharded report, in every field")
    func simulatedShardsMergeExactly() async throws {
        let scenario = try Scenario(yaml: Self.hostile, file: "hostile.yaml")
        let whole = try await RunDriver.run(scenario, options: Self.options().simulating()).report
        var shards: [RunReport] = []
        for index in [2, 0, 1] {
            let options = Self.options(shard: RunInfo.Shard(index: index, count: 3))
            defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
            let result = try await RunDriver.run(scenario, options: options.simulating())
            #expect(result.reportPath.hasSuffix("-shard\(index)of3.json"))
            #expect(result.report.run.shard == RunInfo.Shard(index: index, count: 3, devices: 10))
            #expect(result.report.run.devices == 30)
            #expect(result.report.series.contains { $0.latencyBuckets != nil })
            shards.append(result.report)
        }
        #expect(whole.series.allSatisfy { $0.latencyBuckets == nil })
        #expect(whole.totals.generated > 500)
        #expect(whole.totals.errorAnswers > 0)
        #expect(whole.collector!.batchesErrorInjected > 0)
        #expect(Set(shards.map(\.totals.generated)).count > 1)

        let merged = try RunReport.merge(shards)
        // The merged report differs from the unsharded one in no field at all: a simulated run's
        // id, times and wall seconds come from the seed and the virtual clock.
        #expect(merged == whole)
        let mergedJSON = String(decoding: try merged.jsonData(), as: UTF8.self)
        #expect(mergedJSON == String(decoding: try whole.jsonData(), as: UTF8.self))
    }

    @Test("two live shards against one collector, with a shared start, merge to a balanced run")
    func liveShardsMergeBalanced() async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = 1
        let server = try await CollectorServer.start(configuration: configuration)
        var scenario = try LiveRunTests.scenario(
            """
            name: live-shards
            duration: 2s
            drain: 3s
            target: ws://127.0.0.1:\(server.port)/api/v1/events
            population:
              devices: 12
            """)
        scenario.population.arrival = .stages([.init(target: nil, over: 0)])
        // Far enough ahead that both shards have started even on a machine busy with other tests
        // (a start more than 5 s in the past is refused).
        let startAt = Date().addingTimeInterval(10)
        let outputs = [Self.options(), Self.options()].map(\.outputDirectory)
        defer { for output in outputs { try? FileManager.default.removeItem(atPath: output) } }
        async let first = Self.liveShard(scenario, index: 0, startAt: startAt, output: outputs[0])
        async let second = Self.liveShard(scenario, index: 1, startAt: startAt, output: outputs[1])
        let shards = try await [first, second]
        let stats = try await server.stats()
        try await server.shutdown()

        #expect(shards[0].run.id == shards[1].run.id)
        #expect(shards[0].run.startedAt == RunInfo.timestamp(startAt))
        let merged = try RunReport.merge(shards)
        #expect(merged.run.shard == nil)
        #expect(merged.run.devices == 12)
        #expect(merged.reconciliation.balanced)
        #expect(merged.verdict != .unbalanced)
        #expect(merged.totals.acked > 0)
        #expect(merged.totals.acked == shards[0].totals.acked + shards[1].totals.acked)
        #expect(stats.events.uniqueDeliveries == merged.totals.acked)
        #expect(merged.latency.event.count == merged.totals.acked)
        #expect(merged.series.map(\.acked).reduce(0, +) == merged.totals.acked)
    }

    static func liveShard(_ scenario: Scenario, index: Int, startAt: Date, output: String) async throws -> RunReport {
        var options = RunOptions()
        options.outputDirectory = output
        options.shard = RunInfo.Shard(index: index, count: 2)
        options.startAt = startAt
        options.threads = 2
        let report = try await RunDriver.run(scenario, options: options).report
        #expect(report.run.shard?.devices == 6)
        return report
    }

    @Test("a start time in the past and --start-at on a simulated run are refused")
    func startAtChecks() async throws {
        let scenario = try Scenario(yaml: Self.hostile, file: "hostile.yaml")
        var options = Self.options()
        options.startAt = Date().addingTimeInterval(-60)
        await #expect(throws: RunError.self) { try await RunDriver.run(scenario, options: options) }
        await #expect(throws: RunError.self) { try await RunDriver.run(scenario, options: options.simulating()) }
    }
}
