import Histogram
import Testing

@testable import Reports

@Suite struct RecorderShardTests {
    let second: UInt64 = 1_000_000_000
    let start: UInt64 = 5_000_000_000

    @Test func recordsFunnelCountersPerTypeAndGroup() {
        let shard = RecorderShard(runStart: start)
        let view = shard.eventTypeIndex("clickswarm-screenview")
        let click = shard.eventTypeIndex("clickswarm-click")
        let ios = shard.groupIndex(flavor: "ios", network: "wifi")
        let android = shard.groupIndex(flavor: "android", network: "3g")
        #expect(shard.eventTypeIndex("clickswarm-screenview") == view)
        #expect(shard.groupIndex(flavor: "ios", network: "wifi") == ios)
        for _ in 0..<3 { shard.generated(type: view, group: ios, at: start) }
        shard.generated(type: click, group: android, at: start + 2 * second)
        shard.sampledOut(type: view, group: ios, at: start)
        shard.dropped(type: view, group: ios, reason: "store_full", at: start)
        shard.dropped(type: click, group: android, reason: "drop_list", at: start + 2 * second)
        shard.sent(type: view, group: ios, attempt: 1, at: start)
        shard.timedOut(type: view, group: ios, at: start)
        shard.released(type: view, group: ios, at: start)
        shard.sent(type: view, group: ios, attempt: 2, at: start)
        shard.errorAnswer(type: view, group: ios, code: 3, at: start)
        shard.acked(type: view, group: ios, intendedAt: start, at: start + 45_000_000)

        let snapshot = shard.snapshot()
        let viewIOS = snapshot.funnel[
            FunnelKey(eventType: "clickswarm-screenview", group: .init(flavor: "ios", network: "wifi"))]
        #expect(viewIOS?.generated == 3)
        #expect(viewIOS?.sampledOut == 1)
        #expect(viewIOS?.dropped == ["store_full": 1])
        #expect(viewIOS?.sends == 2)
        #expect(viewIOS?.resends == 1)
        #expect(viewIOS?.timeouts == 1)
        #expect(viewIOS?.released == 1)
        #expect(viewIOS?.errorAnswers == 1)
        #expect(viewIOS?.acked == 1)
        let clickAndroid = snapshot.funnel[
            FunnelKey(eventType: "clickswarm-click", group: .init(flavor: "android", network: "3g"))]
        #expect(clickAndroid?.generated == 1)
        #expect(clickAndroid?.dropped == ["drop_list": 1])
        // Empty (type, group) cells are left out.
        #expect(snapshot.funnel.count == 2)
        #expect(snapshot.funnelTotals.generated == 4)

        let latency = snapshot.latencies[DeviceGroup(flavor: "ios", network: "wifi")]!.event
        #expect(latency.count == 1)
        #expect(latency.histogram.valuesAreEquivalent(latency.microseconds(atPercentile: 50)!, 45_000))

        #expect(snapshot.series.count == 3)
        #expect(snapshot.series[0].generated == 3)
        #expect(snapshot.series[0].acked == 1)
        #expect(snapshot.series[0].dropped == 1)
        #expect(snapshot.series[0].sampledOut == 1)
        #expect(snapshot.series[2].generated == 1)
        #expect(snapshot.series[1] == SecondFigures())
        let p99 = snapshot.series[0].latency.milliseconds(atPercentile: 99)!
        #expect(abs(p99 - 45) / 45 < 0.02)

        let progress = shard.progress
        #expect(progress.generated == 4)
        #expect(progress.acked == 1)
        #expect(progress.dropped == 2)
        #expect(progress.sampledOut == 1)
        #expect(abs(progress.latencyP99Milliseconds! - 45) / 45 < 0.02)
    }

    @Test func recordsConnectionsDevicesHealthAndNotes() {
        let shard = RecorderShard(runStart: start)
        let group = shard.groupIndex(flavor: "android", network: "wifi")
        shard.connectAttempt(group: group, at: start)
        shard.connectAttempt(group: group, at: start)
        shard.connectAttempt(group: group, at: start)
        shard.connected(group: group, timeToConnect: 3_000_000, at: start)
        shard.connected(group: group, timeToConnect: 5_000_000, at: start + second)
        shard.connectFailed(group: group, reason: "refused", at: start + second)
        shard.disconnected(group: group, reason: "close 1008", at: start + 2 * second)
        shard.timeToFirstAck(group: group, nanoseconds: 20_000_000)
        shard.batchRoundTrip(group: group, nanoseconds: 7_000_000, at: start)
        shard.deviceOnline(group: group, at: start)
        shard.deviceOnline(group: group, at: start)
        shard.deviceOffline(group: group, at: start + 2 * second)
        shard.health(name: "ClickstreamEventBatchTimeout", reason: nil)
        shard.health(name: "ClickstreamEventBatchTimeout", reason: "ack")
        shard.note("killed")
        shard.note("offline_windows", by: 4)

        let snapshot = shard.snapshot()
        #expect(snapshot.connections.attempts == 3)
        #expect(snapshot.connections.connected == 2)
        #expect(snapshot.connections.failed == ["refused": 1])
        #expect(snapshot.connections.disconnected == ["close 1008": 1])
        let latencies = snapshot.latencies[DeviceGroup(flavor: "android", network: "wifi")]!
        #expect(latencies.connect.count == 2)
        #expect(latencies.timeToFirstAck.count == 1)
        #expect(latencies.batchRoundTrip.count == 1)
        #expect(snapshot.health == ["ClickstreamEventBatchTimeout": 2])
        #expect(snapshot.notes == ["killed": 1, "offline_windows": 4])
        #expect(snapshot.series.map(\.devicesOnlineDelta) == [2, 0, -1])
        #expect(snapshot.series.map(\.connects) == [1, 1, 0])
        #expect(snapshot.series[1].connectFailures == 1)
        #expect(snapshot.series[2].disconnects == 1)
        #expect(shard.progress.devicesOnline == 1)
        #expect(shard.progress.connects == 2)
        #expect(shard.progress.connectFailures == 1)
    }

    @Test func clampsLatenciesOverAnHourAndCountsThem() {
        let shard = RecorderShard(runStart: 0)
        let type = shard.eventTypeIndex("e")
        let group = shard.groupIndex(flavor: "ios", network: "wifi")
        shard.acked(type: type, group: group, intendedAt: 0, at: 2 * 3_600 * second)
        shard.acked(type: type, group: group, intendedAt: 10, at: 5)  // ack before intent: 0, not a wrap
        let event = shard.snapshot().overallLatencies.event
        #expect(event.count == 2)
        #expect(event.clamped == 1)
        #expect(event.summary.clamped == 1)
        #expect(event.summary.minMs == 0)
    }

    @Test func lateAcksForAnEarlierSecondLandInThatSecond() {
        let shard = RecorderShard(runStart: 0)
        let type = shard.eventTypeIndex("e")
        let group = shard.groupIndex(flavor: "ios", network: "wifi")
        shard.acked(type: type, group: group, intendedAt: 0, at: 2 * second + 1_000_000)
        shard.acked(type: type, group: group, intendedAt: 0, at: 3 * second)
        shard.acked(type: type, group: group, intendedAt: 0, at: 1 * second + 5_000_000)
        let series = shard.snapshot().series
        #expect(series.map { $0.latency.totalCount } == [0, 1, 1, 1])
        #expect(series.map(\.acked) == [0, 1, 1, 1])
    }

    @Test func mergeOfTwoShardsEqualsOneShardFedBothStreams() {
        let first = Stream.mixed(seconds: 12, salt: 1)
        let second = Stream.mixed(seconds: 20, salt: 2)
        let shardA = RecorderShard(runStart: 0)
        let shardB = RecorderShard(runStart: 0)
        let both = RecorderShard(runStart: 0)
        first.replay(into: shardA)
        second.replay(into: shardB)
        first.replay(into: both)
        second.replay(into: both)

        var merged = shardA.snapshot()
        merged.merge(shardB.snapshot())
        let expected = both.snapshot()
        #expect(merged.funnel == expected.funnel)
        #expect(merged.connections == expected.connections)
        #expect(merged.health == expected.health)
        #expect(merged.notes == expected.notes)
        #expect(merged.series == expected.series)
        for (group, latencies) in expected.latencies {
            let mergedLatencies = merged.latencies[group]!
            for (mine, theirs) in [
                (mergedLatencies.event, latencies.event), (mergedLatencies.batchRoundTrip, latencies.batchRoundTrip),
                (mergedLatencies.connect, latencies.connect),
                (mergedLatencies.timeToFirstAck, latencies.timeToFirstAck),
            ] {
                #expect(Array(mine.histogram.recordedValues()) == Array(theirs.histogram.recordedValues()))
                #expect(mine == theirs)
            }
        }
        #expect(merged == expected)

        var progress = shardA.progress
        progress.merge(shardB.progress)
        #expect(progress == both.progress)
    }
}
