import Testing

@testable import Reports

@Suite struct SLOTests {
    /// 100 generated: 10 sampled out, 5 drop_list, 5 store_full, 72 acked (latencies 1..72 ms),
    /// 8 pending; 10 connection attempts, 9 connected; batches of 20 ms.
    static func report(_ slos: [SLOThreshold]) -> RunReport {
        let shard = RecorderShard(runStart: 0)
        let type = shard.eventTypeIndex("e")
        let group = shard.groupIndex(flavor: "ios", network: "wifi")
        for _ in 0..<100 { shard.generated(type: type, group: group, at: 0) }
        for _ in 0..<10 { shard.sampledOut(type: type, group: group, at: 0) }
        for _ in 0..<5 { shard.dropped(type: type, group: group, reason: "drop_list", at: 0) }
        for _ in 0..<5 { shard.dropped(type: type, group: group, reason: "store_full", at: 0) }
        for ms in 1...72 { shard.acked(type: type, group: group, intendedAt: 0, at: UInt64(ms) * 1_000_000) }
        shard.batchRoundTrip(group: group, nanoseconds: 20_000_000, at: 0)
        for _ in 0..<10 { shard.connectAttempt(group: group, at: 0) }
        for _ in 0..<9 { shard.connected(group: group, timeToConnect: 1_000_000, at: 0) }
        let snapshot = shard.snapshot()
        let reconciliation = Reconciliation.funnel(from: snapshot, pendingAtEnd: ["e": 8])
        return RunReport.make(
            run: .fixture, snapshot: snapshot, reconciliation: reconciliation, collector: nil, slos: slos)
    }

    func result(_ metric: SLOThreshold.Metric, _ threshold: Double) -> SLOResult {
        Self.report([SLOThreshold(name: "slo", metric: metric, threshold: threshold)]).slos[0]
    }

    @Test func latencyPercentile() {
        let pass = result(.latencyPercentile(99), 0.080)
        #expect(pass.passed)
        #expect(pass.metric == "event_latency_p99_s")
        #expect(pass.comparison == "<=")
        #expect(abs(pass.actual! - 0.072) < 0.0001)
        #expect(!result(.latencyPercentile(99), 0.060).passed)
        #expect(result(.latencyPercentile(50), 0.040).passed)
        #expect(result(.latencyPercentile(99.9), 1).metric == "event_latency_p99_9_s")
    }

    @Test func batchRoundTripPercentile() {
        #expect(result(.batchRoundTripPercentile(99), 0.025).passed)
        #expect(!result(.batchRoundTripPercentile(99), 0.015).passed)
    }

    @Test func deliveryRatioLeavesOutSampledAndDropListEvents() {
        // 72 / (100 - 10 - 5)
        let pass = result(.deliveryRatio, 0.8)
        #expect(pass.actual == 0.847059)
        #expect(pass.passed)
        #expect(pass.comparison == ">=")
        #expect(!result(.deliveryRatio, 0.9).passed)
    }

    @Test func dropRateLeavesOutDropListDrops() {
        #expect(result(.dropRate, 0.05).actual == 0.05)
        #expect(result(.dropRate, 0.05).passed)
        #expect(!result(.dropRate, 0.04).passed)
        #expect(result(.dropRateForReason("drop_list"), 0.05).passed)
        #expect(!result(.dropRateForReason("store_full"), 0.01).passed)
        #expect(result(.dropRateForReason("socket_not_open"), 0).actual == 0)
        #expect(result(.dropRateForReason("store_full"), 0.01).metric == "drop_rate[store_full]")
    }

    @Test func connectSuccess() {
        #expect(result(.connectSuccess, 0.9).passed)
        #expect(!result(.connectSuccess, 0.95).passed)
    }

    @Test func noDataFailsInsteadOfPassing() {
        let empty = RunReport.make(
            run: .fixture, snapshot: RecorderSnapshot(),
            reconciliation: Reconciliation.funnel(from: RecorderSnapshot(), pendingAtEnd: [:]), collector: nil,
            slos: [
                SLOThreshold(name: "p99", metric: .latencyPercentile(99), threshold: 1),
                SLOThreshold(name: "rtt", metric: .batchRoundTripPercentile(99), threshold: 1),
                SLOThreshold(name: "delivery", metric: .deliveryRatio, threshold: 0),
                SLOThreshold(name: "drops", metric: .dropRate, threshold: 1),
                SLOThreshold(name: "connect", metric: .connectSuccess, threshold: 0),
            ])
        #expect(empty.slos.allSatisfy { !$0.passed && $0.actual == nil && $0.detail != nil })
        #expect(empty.verdict == .sloFailed)
    }

    @Test func verdictIsSloFailedWhenAnySloFails() {
        let report = Self.report([
            SLOThreshold(name: "p99", metric: .latencyPercentile(99), threshold: 1),
            SLOThreshold(name: "connect", metric: .connectSuccess, threshold: 1),
        ])
        #expect(report.reconciliation.balanced)
        #expect(report.verdict == .sloFailed)
        #expect(
            Self.report([SLOThreshold(name: "p99", metric: .latencyPercentile(99), threshold: 1)]).verdict == .passed)
    }
}
