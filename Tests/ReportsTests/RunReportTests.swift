import Foundation
import Testing

@testable import Reports

@Suite struct RunReportTests {
    static func snapshot() -> RecorderSnapshot {
        let shard = RecorderShard(runStart: 0)
        Stream.mixed(seconds: 10, salt: 3).replay(into: shard)
        return shard.snapshot()
    }

    static func report(slos: [SLOThreshold] = [], collector: CollectorAccounting? = nil) -> RunReport {
        let snapshot = snapshot()
        let pending = Reconciliation.funnel(from: snapshot, pendingAtEnd: [:]).eventTypes
            .reduce(into: [String: UInt64]()) { $0[$1.eventType] = UInt64($1.unaccounted) }
        let reconciliation = Reconciliation.funnel(from: snapshot, pendingAtEnd: pending)
        return RunReport.make(
            run: .fixture, snapshot: snapshot, reconciliation: reconciliation, collector: collector, slos: slos)
    }

    @Test func figuresComeFromTheSnapshot() {
        let snapshot = Self.snapshot()
        let report = Self.report()
        let totals = snapshot.funnelTotals
        #expect(report.schemaVersion == 1)
        #expect(report.totals.generated == totals.generated)
        #expect(report.totals.acked == totals.acked)
        #expect(report.totals.dropped == totals.droppedTotal)
        #expect(
            report.totals.pendingAtEnd
                == Int64(totals.generated) - Int64(totals.sampledOut) - Int64(totals.droppedTotal)
                - Int64(totals.acked))
        #expect(report.totals.pendingAtEnd > 0)
        #expect(Set(report.byEventType.keys) == ["clickswarm-screenview", "clickswarm-click"])
        #expect(Set(report.byFlavor.keys) == ["ios", "android"])
        #expect(Set(report.byNetwork.keys) == ["wifi", "3g"])
        #expect(report.byFlavor.values.map(\.generated).reduce(0, +) == totals.generated)
        #expect(report.latency.event.count == totals.acked)
        #expect(report.latency.eventByFlavor.values.map(\.count).reduce(0, +) == totals.acked)
        #expect(report.latency.eventByNetwork.values.map(\.count).reduce(0, +) == totals.acked)
        #expect(report.latency.event.p50Ms! <= report.latency.event.p99Ms!)
        #expect(report.latency.event.p99Ms! <= report.latency.event.maxMs!)
        #expect(report.connections.attempts == 10)
        #expect(report.connections.failedByReason == ["refused": 4])
        #expect(report.connections.successRatio == 0.6)
        #expect(report.series.count == snapshot.series.count)
        #expect(report.series.map(\.t) == Array(0..<snapshot.series.count))
        // Devices online is the running sum of the per-second deltas.
        #expect(report.series[0].devicesOnline == 0)
        #expect(report.series[1].devicesOnline == 1)
        #expect(report.series[3].devicesOnline == 1)
        #expect(report.series.map(\.acked).reduce(0, +) == totals.acked)
        #expect(report.verdict == .passed)
        #expect(report.reconciliation.balanced)
    }

    @Test func summaryBucketsRebuildTheHistogramExactly() {
        let event = Self.snapshot().overallLatencies.event
        let rebuilt = LatencyHistogram(summary: event.summary)
        #expect(rebuilt == event)
        #expect(rebuilt.summary == event.summary)
        var twice = event
        twice.add(rebuilt)
        var fromBuckets = LatencyHistogram(summary: event.summary)
        fromBuckets.add(LatencyHistogram(summary: event.summary))
        #expect(twice.summary == fromBuckets.summary)
    }

    @Test func jsonRoundTripIsEqualAndByteIdentical() throws {
        let report = Self.report(
            slos: [SLOThreshold(name: "p99", metric: .latencyPercentile(99), threshold: 0.5)],
            collector: CollectorAccounting(eventsReceived: 10, uniqueDeliveries: 9, duplicateDeliveries: 1))
        let data = try report.jsonData()
        let decoded = try RunReport.decode(data)
        #expect(decoded == report)
        #expect(try decoded.jsonData() == data)
        #expect(try report.jsonData() == data)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"schema_version\" : 1"))
        #expect(text.contains("\"pending_at_end\""))
        #expect(text.contains("\"p99_9_ms\""))
        #expect(text.contains("\"event_by_flavor\""))
        #expect(text.contains("\"clickswarm-screenview\""))
        #expect(!text.contains("camelCase") && !text.contains("sampledOut"))
    }

    @Test func aReportWithoutCollectorOrShardRoundTrips() throws {
        var report = Self.report()
        report.run.shard = nil
        let decoded = try RunReport.decode(try report.jsonData())
        #expect(decoded == report)
        #expect(decoded.collector == nil)
    }

    @Test func wrongSchemaVersionIsAClearError() throws {
        var object = try JSONSerialization.jsonObject(with: try Self.report().jsonData()) as! [String: Any]
        object["schema_version"] = 2
        let data = try JSONSerialization.data(withJSONObject: object)
        let error = #expect(throws: ReportDecodingError.self) { try RunReport.decode(data) }
        #expect(error?.description.contains("schema_version 2 is not supported") == true)
        #expect(error?.description.contains("reads version 1") == true)

        let missing = #expect(throws: ReportDecodingError.self) { try RunReport.decode(Data("{}".utf8)) }
        #expect(missing?.description.contains("no schema_version") == true)
        #expect(throws: ReportDecodingError.self) { try RunReport.decode(Data("[1]".utf8)) }

        object["schema_version"] = 1
        object.removeValue(forKey: "totals")
        let incomplete = try JSONSerialization.data(withJSONObject: object)
        let field = #expect(throws: ReportDecodingError.self) { try RunReport.decode(incomplete) }
        #expect(field?.description.contains("totals") == true)
    }

    @Test func timestampsAreISO8601UTC() {
        #expect(RunInfo.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }
}

extension RunInfo {
    static let fixture = RunInfo(
        id: "run-1", scenario: "smoke", description: "A smoke test", scenarioFile: "scenarios/smoke.yaml", seed: 7,
        mode: .simulated, target: "embedded", startedAt: "2026-11-29T03:00:00Z", endedAt: "2026-11-29T03:00:40Z",
        durationS: 30, drainS: 10, wallSeconds: 2.5, devices: 300, shard: RunInfo.Shard(index: 0, count: 2),
        toolVersion: "0.1.0")
}

@Suite("Reports that lie")
struct HostileReportTests {
    /// The fixture report's JSON with one field replaced.
    static func edited(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var tree = try JSONSerialization.jsonObject(with: try RendererTests.fixture().jsonData()) as! [String: Any]
        edit(&tree)
        return try JSONSerialization.data(withJSONObject: tree)
    }

    @Test(
        "a count that is negative, fractional or too large names its field and its value",
        arguments: [
            ("-3", "run report field 'totals.generated' has the value -3, outside 0 to 18446744073709551615 (a count)"),
            ("1.5", "run report field 'totals.generated' has the value 1.5, not a whole number"),
            (
                "9223372036854775808",
                "run report field 'totals.generated' has the value 9223372036854775808, beyond what any run produces"
            ),
            ("\"many\"", "run report field 'totals.generated' is the text \"many\", not a number"),
        ])
    func badCounts(literal: String, message: String) throws {
        let marker = 123_456_789_012
        let data = try Self.edited { tree in
            var totals = tree["totals"] as! [String: Any]
            totals["generated"] = marker
            tree["totals"] = totals
        }
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\(marker)", with: literal)
        do {
            _ = try RunReport.decode(Data(text.utf8))
            Issue.record("\(literal) was accepted")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test("merging more shards than the sums can hold is refused")
    func tooManyShards() {
        let report = RendererTests.fixture()
        #expect(throws: MergeError.self) {
            try RunReport.merge(Array(repeating: report, count: RunReport.mostShards + 1))
        }
    }
}
