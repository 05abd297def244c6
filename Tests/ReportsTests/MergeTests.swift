import Foundation
import Testing

@testable import Reports

/// `RunReport.merge`: what it refuses, and that it adds figures exactly.
@Suite struct MergeTests {
    static func shard(_ index: Int, of count: Int, seed: UInt64 = 7) -> RunReport {
        var report = RendererTests.fixture()
        report.run.shard = RunInfo.Shard(index: index, count: count)
        report.run.seed = seed
        return report
    }

    @Test func refusesIncompleteOverlappingAndForeignShards() {
        let missing = #expect(throws: MergeError.self) { try RunReport.merge([Self.shard(0, of: 3)]) }
        #expect(missing?.description == "missing shards 1/3, 2/3 of 3: a merge needs every shard's report")

        let twice = #expect(throws: MergeError.self) {
            try RunReport.merge([Self.shard(0, of: 2), Self.shard(1, of: 2), Self.shard(1, of: 2)])
        }
        #expect(twice?.description == "shard 1/2 appears more than once: each shard must be given once")

        let seed = #expect(throws: MergeError.self) {
            try RunReport.merge([Self.shard(0, of: 2), Self.shard(1, of: 2, seed: 8)])
        }
        #expect(seed?.description == "shard 1/2 has seed 8 but shard 0/2 has 7: only shards of one run can be merged")

        let count = #expect(throws: MergeError.self) {
            try RunReport.merge([Self.shard(0, of: 2), Self.shard(1, of: 3)])
        }
        #expect(
            count?.description
                == "shard 1/3 has shard count 3 but shard 0/2 has 2: only shards of one run can be merged")

        var whole = RendererTests.fixture()
        whole.run.shard = nil
        let unsharded = #expect(throws: MergeError.self) { try RunReport.merge([Self.shard(0, of: 2), whole]) }
        #expect(
            unsharded?.description
                == "report 2 (run run-1) is not a shard report: merge takes the reports of `run --shard i/N`, one per shard"
        )

        #expect(throws: MergeError(message: "no reports to merge")) { try RunReport.merge([]) }
    }

    @Test("two copies of a shard's figures merge to twice every count and histogram")
    func addsExactly() throws {
        let one = Self.shard(0, of: 2)
        let merged = try RunReport.merge([one, Self.shard(1, of: 2)])
        #expect(merged.run.shard == nil)
        #expect(merged.totals.generated == 2 * one.totals.generated)
        #expect(merged.byFlavor.mapValues(\.acked) == one.byFlavor.mapValues { 2 * $0.acked })
        #expect(merged.latency.event.count == 2 * one.latency.event.count)
        #expect(merged.latency.event.p99Ms == one.latency.event.p99Ms)
        #expect(merged.latency.event.buckets == one.latency.event.buckets.map { [$0[0], 2 * $0[1]] })
        #expect(merged.connections.attempts == 2 * one.connections.attempts)
        #expect(merged.collector?.uniqueDeliveries == 2 * (one.collector?.uniqueDeliveries ?? 0))
        #expect(
            merged.reconciliation.eventTypes.map(\.generated) == one.reconciliation.eventTypes.map { 2 * $0.generated })
        #expect(merged.series.count == one.series.count)
        #expect(merged.series.map(\.acked) == one.series.map { 2 * $0.acked })
        #expect(merged.series.map(\.latencyP99Ms) == one.series.map(\.latencyP99Ms))
        #expect(merged.series.allSatisfy { $0.latencyBuckets == nil })
        #expect(merged.slos.map(\.metric) == one.slos.map(\.metric))
        #expect(merged.slos.map(\.threshold) == one.slos.map(\.threshold))
        #expect(merged.verdict == merged.computedVerdict)
    }

    @Test("every SLO metric name reads back as its metric")
    func sloMetricNamesRoundTrip() {
        let metrics: [SLOThreshold.Metric] = [
            .latencyPercentile(99), .latencyPercentile(99.9), .latencyPercentile(100), .batchRoundTripPercentile(50),
            .deliveryRatio, .dropRate, .dropRateForReason("store_full"), .connectSuccess,
        ]
        for metric in metrics { #expect(SLOThreshold.Metric(name: metric.name) == metric) }
        #expect(SLOThreshold.Metric(name: "cpu") == nil)
    }
}
