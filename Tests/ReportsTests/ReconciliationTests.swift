import Foundation
import SwarmPrimitives
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

    static func bitmap(_ sequences: some Sequence<UInt64>) -> SequenceBitmap {
        var bitmap = SequenceBitmap()
        for sequence in sequences { bitmap.insert(sequence) }
        return bitmap
    }

    @Test("acked events the collector lost after acking are explained: the run stays balanced and shows them")
    func lostAfterAckIsExplained() {
        var reconciliation = Reconciliation.funnel(from: Self.snapshot(), pendingAtEnd: ["clickswarm-screenview": 2])
        // Device 0 got acks for 0-2, device 1 for 0-1; the collector lost device 1's 0 and 1
        // after acking them (immediate acks, failed publish).
        let check = Reconciliation.DeliveryCheck.comparing(
            acked: [0: Self.bitmap(0..<3), 1: Self.bitmap(0..<2)], delivered: [0: Self.bitmap(0..<3)],
            lostAfterAck: [1: Self.bitmap(0..<2)], ackedTotal: 5, duplicates: 0)
        #expect(check.lostAfterAck == 2)
        #expect(check.ackedNotDelivered == 0)
        #expect(check.deliveredUnique == 3)
        reconciliation.attach(delivery: check)
        #expect(reconciliation.balanced, "\(reconciliation.problems)")
        #expect(reconciliation.delivery.lostAfterAck == 2)
    }

    @Test("an acked event neither delivered nor lost after its ack still unbalances the run")
    func unexplainedLossUnbalances() {
        var reconciliation = Reconciliation.funnel(from: Self.snapshot(), pendingAtEnd: ["clickswarm-screenview": 2])
        // Device 0's sequence 2 is missing and not among the lost; device 1's 0 was lost after
        // its ack but delivered later anyway (a resend), so it counts as delivered.
        let check = Reconciliation.DeliveryCheck.comparing(
            acked: [0: Self.bitmap(0..<3), 1: Self.bitmap(0..<2)],
            delivered: [0: Self.bitmap(0..<2), 1: Self.bitmap([0])], lostAfterAck: [1: Self.bitmap(0..<2)],
            ackedTotal: 5, duplicates: 0)
        #expect(check.ackedNotDelivered == 1)
        #expect(check.lostAfterAck == 1)
        reconciliation.attach(delivery: check)
        #expect(!reconciliation.balanced)
        #expect(
            reconciliation.problems == [
                "1 acked events were never delivered by the collector (acked 5, delivered 3, and 1 more the collector "
                    + "lost after acking)"
            ])
    }

    @Test("from counts alone, events lost after their ack are subtracted before blaming the collector")
    func countsWithLostAfterAck() {
        let check = Reconciliation.DeliveryCheck(acked: 10, deliveredUnique: 7, duplicates: 0, lostAfterAck: 3)
        #expect(check.ackedNotDelivered == 0)
        #expect(
            Reconciliation.DeliveryCheck(acked: 10, deliveredUnique: 6, duplicates: 0, lostAfterAck: 3)
                .ackedNotDelivered == 1)
    }

    @Test("a delivery check written before lost_after_ack existed reads as none lost")
    func decodesOlderReports() throws {
        let json =
            #"{"checked":true,"acked":5,"delivered_unique":5,"acked_not_delivered":0,"delivered_not_acked":0,"duplicates":0}"#
        let check = try JSONDecoder().decode(Reconciliation.DeliveryCheck.self, from: Data(json.utf8))
        #expect(check.lostAfterAck == 0)
        #expect(check.acked == 5)
        let accounting = try JSONDecoder().decode(
            CollectorAccounting.self,
            from: Data(
                #"{"events_received":1,"unique_deliveries":1,"duplicate_deliveries":0,"foreign":0,"batches_ack_lost":0,"batches_error_injected":0,"connections_refused_outage":0,"connections_rejected":0}"#
                    .utf8))
        #expect(accounting.lostAfterAck == 0)
        let written = try JSONEncoder().encode(CollectorAccounting(lostAfterAck: 4))
        #expect(try JSONDecoder().decode(CollectorAccounting.self, from: written).lostAfterAck == 4)
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
