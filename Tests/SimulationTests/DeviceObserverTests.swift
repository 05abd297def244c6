import ClickstreamSDK
import NIOCore
import RaccoonWire
import Reports
import SwarmPrimitives
import Testing

@testable import Simulation

/// The device's SDK observer fed by hand: what the recorder shard counts, and the timeline.
@Suite("Device observer")
struct DeviceObserverTests {
    static let screenView = "clickswarm-screenview"
    static let ad = "clickswarm-adimpression"
    static let health = "clickswarm-healthevent"
    static let group = DeviceGroup(flavor: "android", network: "wifi")

    static func at(_ seconds: Double) -> NIODeadline { .uptimeNanoseconds(UInt64((seconds * 1e9).rounded())) }

    static func guid(_ sequence: UInt64) -> String {
        EventGUID(run: 7, device: 3, sequence: sequence).description
    }

    static func histogram(nanoseconds: UInt64...) -> LatencyHistogram {
        var histogram = LatencyHistogram()
        for value in nanoseconds { histogram.record(nanoseconds: value) }
        return histogram
    }

    /// An observer on a fresh shard, its timeline traced when `traced`.
    static func make(keepsAcks: Bool = true, traced: Bool = false) -> (DeviceObserver, RecorderShard, DeviceLog) {
        let recorder = RecorderShard(runStart: 0)
        let log = DeviceLog { 12.5 }
        if traced { log.trace = TimelineRecorder(device: 3) }
        let observer = DeviceObserver(
            recorder: recorder, group: recorder.groupIndex(flavor: "android", network: "wifi"), flavor: .android,
            healthType: health, keepsAcks: keepsAcks, log: log)
        return (observer, recorder, log)
    }

    /// A batch's way, as the SDK reports it: each event generated and stored at its intended
    /// time, then the batch made and sent, then each event acked.
    static func deliver(
        _ observer: DeviceObserver, _ sequences: [UInt64], intended: [Double], type: String, request: String,
        sent: Double, acked: Double
    ) {
        let events = zip(sequences.map(guid), intended.map(at))
        for (guid, intendedAt) in events {
            for step in [FunnelStep.generated, .stored] {
                observer.event(guid: guid, type: type, step: step, intendedAt: intendedAt, at: intendedAt)
            }
        }
        for step in [FunnelStep.batched(requestGUID: request), .sent(requestGUID: request, attempt: 1)] {
            for (guid, intendedAt) in events {
                observer.event(guid: guid, type: type, step: step, intendedAt: intendedAt, at: at(sent))
            }
        }
        for (guid, intendedAt) in events {
            observer.event(
                guid: guid, type: type, step: .acked(requestGUID: request), intendedAt: intendedAt, at: at(acked))
        }
    }

    @Test("funnel steps become funnel counts, event latency, one round trip per batch and one time to first ack")
    func funnel() {
        let (observer, recorder, _) = Self.make()
        observer.joined(at: Self.at(1))
        observer.joined(at: Self.at(1.5))
        Self.deliver(observer, [0, 1], intended: [1, 1.2], type: Self.screenView, request: "r1", sent: 2, acked: 2.3)
        let ad = Self.guid(2)
        observer.event(guid: ad, type: Self.ad, step: .generated, intendedAt: Self.at(3), at: Self.at(3))
        observer.event(
            guid: ad, type: Self.ad, step: .dropped(reason: "store_full"), intendedAt: Self.at(3), at: Self.at(3))
        let retried = Self.guid(3)
        for step in [
            FunnelStep.generated, .sent(requestGUID: "r2", attempt: 1), .timedOut(requestGUID: "r2"),
            .sent(requestGUID: "r2", attempt: 2), .errorAnswer(requestGUID: "r2", code: 5),
            .released(requestGUID: "r2"),
        ] {
            observer.event(guid: retried, type: Self.ad, step: step, intendedAt: Self.at(4), at: Self.at(5))
        }
        observer.event(guid: Self.guid(4), type: Self.ad, step: .sampledOut, intendedAt: Self.at(6), at: Self.at(6))

        let snapshot = recorder.snapshot()
        var views = FunnelCounts()
        views.generated = 2
        views.sends = 2
        views.acked = 2
        #expect(snapshot.funnel[FunnelKey(eventType: Self.screenView, group: Self.group)] == views)
        var ads = FunnelCounts()
        ads.generated = 2
        ads.sampledOut = 1
        ads.dropped = ["store_full": 1]
        ads.sends = 2
        ads.resends = 1
        ads.timeouts = 1
        ads.errorAnswers = 1
        ads.released = 1
        #expect(snapshot.funnel[FunnelKey(eventType: Self.ad, group: Self.group)] == ads)

        let latencies = snapshot.latencies[Self.group]
        #expect(latencies?.event == Self.histogram(nanoseconds: 1_300_000_000, 1_100_000_000))
        #expect(latencies?.batchRoundTrip == Self.histogram(nanoseconds: 300_000_000))
        // From the first join, once.
        #expect(latencies?.timeToFirstAck == Self.histogram(nanoseconds: 1_300_000_000))
        #expect(observer.ackedSequences.count == 2)
        #expect(observer.ackedSequences.contains(0) && observer.ackedSequences.contains(1))
        #expect(!observer.ackedSequences.contains(3))
    }

    /// A health record as the Android SDK makes it, with its exact name.
    static func record(_ event: HealthEventName, reason: String? = nil) -> HealthRecord {
        let entry = HealthPolicy.android.names[event]!
        return HealthRecord(event: event, name: entry.name, kind: entry.kind, reason: reason)
    }

    @Test("connection steps, SDK closes, reconnects and health events become figures and notes")
    func connectionsAndHealth() {
        let (observer, recorder, _) = Self.make()
        observer.connection(.attempt, at: Self.at(1))
        observer.connection(.connected(timeToConnect: .milliseconds(100)), at: Self.at(1.1))
        observer.connection(.closed(code: nil, reason: "App is paused"), at: Self.at(9))
        observer.connection(.attempt, at: Self.at(20))
        observer.connection(.failed(reason: "refused"), at: Self.at(20))
        observer.connection(.connected(timeToConnect: .milliseconds(50)), at: Self.at(22))
        observer.connection(.closed(code: 1008, reason: "policy"), at: Self.at(30))
        observer.connection(.closed(code: nil, reason: "dropped"), at: Self.at(31))
        observer.health(Self.record(.batchTriggerFailed, reason: "low_battery"), at: Self.at(32))
        observer.health(Self.record(.batchSent), at: Self.at(33))
        observer.event(
            guid: Self.guid(0), type: Self.health, step: .generated, intendedAt: Self.at(33), at: Self.at(33))
        observer.event(
            guid: Self.guid(0), type: Self.health, step: .acked(requestGUID: "h1"), intendedAt: Self.at(33),
            at: Self.at(34))

        let snapshot = recorder.snapshot()
        #expect(snapshot.connections.attempts == 2)
        #expect(snapshot.connections.connected == 2)
        #expect(snapshot.connections.failed == ["refused": 1])
        #expect(snapshot.connections.disconnected == ["App is paused": 1, "close 1008": 1, "dropped": 1])
        #expect(snapshot.latencies[Self.group]?.connect == Self.histogram(nanoseconds: 100_000_000, 50_000_000))
        // Counted under the flavor's exact upstream names.
        #expect(
            snapshot.health == [
                "Clickstream Event Batch Trigger Failed: low_battery": 1, "ClickStream Batch Sent": 1,
            ])
        #expect(
            snapshot.notes == [
                "reconnects": 1, "android closed socket: App is paused": 1, "android batch skipped: low_battery": 1,
                "health_events_acked": 1,
            ])
        // The SDK's health batches are counted apart, not in the funnel.
        #expect(snapshot.funnel.isEmpty)
        #expect(observer.ackedSequences.count == 0)
    }

    @Test("without the delivery check no ack bitmap is kept; once finished nothing is counted")
    func acksAndFinish() {
        let (observer, recorder, _) = Self.make(keepsAcks: false)
        Self.deliver(observer, [0], intended: [1], type: Self.screenView, request: "r1", sent: 2, acked: 3)
        #expect(observer.ackedSequences.count == 0)
        observer.isFinished = true
        Self.deliver(observer, [1], intended: [4], type: Self.screenView, request: "r2", sent: 5, acked: 6)
        observer.connection(.attempt, at: Self.at(7))
        observer.health(Self.record(.batchSent), at: Self.at(7))
        let snapshot = recorder.snapshot()
        #expect(snapshot.funnel[FunnelKey(eventType: Self.screenView, group: Self.group)]?.acked == 1)
        #expect(snapshot.connections.attempts == 0)
        #expect(snapshot.health.isEmpty)
    }

    @Test("a traced device's timeline lists each step with its details, at the device's clock")
    func timeline() throws {
        let (observer, _, log) = Self.make(traced: true)
        Self.deliver(observer, [0], intended: [1], type: Self.screenView, request: "r1", sent: 2, acked: 3)
        observer.event(
            guid: Self.guid(1), type: Self.ad, step: .errorAnswer(requestGUID: "r2", code: 5), intendedAt: Self.at(4),
            at: Self.at(5))
        observer.event(guid: Self.guid(2), type: Self.health, step: .generated, intendedAt: Self.at(5), at: Self.at(5))
        observer.connection(.connected(timeToConnect: .microseconds(12_340)), at: Self.at(6))
        observer.connection(.closed(code: nil, reason: "dropped"), at: Self.at(7))
        observer.health(Self.record(.batchTimeout, reason: "r2"), at: Self.at(8))

        let entries = try #require(log.trace?.timeline.entries)
        let guid = Self.guid(0)
        let view = ["guid": guid, "type": Self.screenView]
        #expect(
            entries == [
                .init(t: 12.5, kind: "event", what: "generated", details: view),
                .init(t: 12.5, kind: "event", what: "stored", details: view),
                .init(t: 12.5, kind: "event", what: "batched", details: view.merging(["request": "r1"]) { $1 }),
                .init(
                    t: 12.5, kind: "event", what: "sent",
                    details: view.merging(["request": "r1", "attempt": "1"]) { $1 }),
                .init(t: 12.5, kind: "event", what: "acked", details: view.merging(["request": "r1"]) { $1 }),
                .init(
                    t: 12.5, kind: "event", what: "error answer",
                    details: ["guid": Self.guid(1), "type": Self.ad, "request": "r2", "code": "5"]),
                .init(t: 12.5, kind: "connection", what: "connected", details: ["took_ms": "12.3"]),
                .init(t: 12.5, kind: "connection", what: "closed", details: ["reason": "dropped", "code": "none"]),
                .init(t: 12.5, kind: "health", what: "Clickstream Event Batch Timeout", details: ["reason": "r2"]),
            ])
    }
}
