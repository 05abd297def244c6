import Testing

@testable import Reports

@Suite struct ReconciliationTests {
    /// 10 generated: 1 sampled out, 2 dropped, 5 acked (2 left pending).
    static func snapshot() -> RecorderSnapshot {
        let shard = RecorderShard(runStart: 0)
        let type = shard.eventTypeIndex("clickswarm-screenview")
        let group = shard.groupIndex(flavor: "ios", network: "wifi")
        for _ in 0..<10 { shard.generated(type: type, group: group, at: 0) }
        shard.sampledOut(type: type, group: group, at: 0)
        shard.dropped(type: type, group: group, reason: "store_full", at: 0)
        shard.dropped(type: type, group: group, reason: "drop_list", at: 0)
        for _ in 0..<5 { shard.acked(type: type, group: group, intendedAt: 0, at: 1_000_000) }
        return shard.snapshot()
    }

    @Test func balancedWhenPendingAccountsForTheRest() {
        var reconciliation = Reconciliation.funnel(from: Self.snapshot(), pendingAtEnd: ["clickswarm-screenview": 2])
        #expect(reconciliation.balanced)
        #expect(reconciliation.problems.isEmpty)
        #expect(
            reconciliation.eventTypes == [
                .init(
                    eventType: "clickswarm-screenview", generated: 10, sampledOut: 1, dropped: 2, acked: 5,
                    pendingAtEnd: 2, unaccounted: 0)
            ])
        #expect(reconciliation.delivery.checked == false)
        #expect(reconciliation.delivery.acked == 5)
        reconciliation.attach(delivery: .init(acked: 5, deliveredUnique: 6, duplicates: 1))
        #expect(reconciliation.balanced)
        #expect(reconciliation.delivery.deliveredNotAcked == 1)
        #expect(reconciliation.delivery.ackedNotDelivered == 0)
    }

    @Test func unbalancedWhenEventsVanish() {
        let reconciliation = Reconciliation.funnel(from: Self.snapshot(), pendingAtEnd: ["clickswarm-screenview": 1])
        #expect(!reconciliation.balanced)
        #expect(reconciliation.eventTypes[0].unaccounted == 1)
        #expect(reconciliation.problems.count == 1)
        #expect(reconciliation.problems[0].contains("clickswarm-screenview"))
        #expect(reconciliation.problems[0].contains("1 unaccounted"))
    }

    @Test func unbalancedWhenPendingIsReportedForATypeNeverGenerated() {
        let reconciliation = Reconciliation.funnel(
            from: Self.snapshot(), pendingAtEnd: ["clickswarm-screenview": 2, "ghost": 3])
        #expect(!reconciliation.balanced)
        #expect(reconciliation.eventTypes.map(\.eventType) == ["clickswarm-screenview", "ghost"])
        #expect(reconciliation.eventTypes[1].unaccounted == -3)
    }

    @Test func unbalancedWhenAnAckWasNeverDelivered() {
        var reconciliation = Reconciliation.funnel(from: Self.snapshot(), pendingAtEnd: ["clickswarm-screenview": 2])
        reconciliation.attach(delivery: .init(acked: 5, deliveredUnique: 4, duplicates: 0))
        #expect(!reconciliation.balanced)
        #expect(reconciliation.delivery.ackedNotDelivered == 1)
        #expect(reconciliation.problems.first?.contains("never delivered") == true)
    }

    @Test func anAddedProblemUnbalancesAndWinsTheVerdict() {
        var reconciliation = Reconciliation.funnel(from: Self.snapshot(), pendingAtEnd: ["clickswarm-screenview": 2])
        reconciliation.addProblem("collector saw 3 foreign events")
        #expect(!reconciliation.balanced)
        let report = RunReport.make(
            run: .fixture, snapshot: Self.snapshot(), reconciliation: reconciliation, collector: nil,
            slos: [SLOThreshold(name: "delivery", metric: .deliveryRatio, threshold: 0.99)])
        #expect(report.slos.first?.passed == false)
        #expect(report.verdict == .unbalanced)
    }
}
