import ClickstreamSDK
import NIOCore
import RaccoonWire
import Testing

/// The Android flavor's lifecycle, background rule, battery and network (clickstream-android
/// 7cc79cb, Scarlet 0.1.10), on the virtual clock.
@Suite("Android SDK lifecycle fidelity (clickstream-android 7cc79cb)")
struct AndroidLifecycleTests {
    @Test("DefaultCServiceLocator.kt:98-104: the socket connects 10 s after the foreground; a 9 s session never")
    func debouncedConnect() {
        let phone = Phone(.android)
        phone.click(2)
        phone.advance(9)
        #expect(phone.transport.connectAttempts == 0)
        phone.background()
        phone.advance(100)
        #expect(phone.transport.connectAttempts == 0, "a 9 s session never connects")
        #expect(phone.transport.sent.isEmpty)
        phone.foreground()
        phone.advance(9.99)
        #expect(phone.transport.connectAttempts == 0)
        phone.advance(0.01)
        #expect(phone.transport.connectAttempts == 1)
        #expect(phone.observer.connections.first?.at == .uptimeNanoseconds(119_000_000_000))
    }

    @Test("LifecycleRegistry.kt:40-53: a background under 10 s keeps the socket; a longer one closes it 10 s after")
    func backgroundClose() {
        let phone = Phone(.android)
        phone.advance(20)
        phone.background()
        phone.advance(9.99)
        phone.foreground()
        phone.advance(30)
        #expect(phone.transport.closes.isEmpty)
        #expect(phone.transport.connectAttempts == 1)
        phone.background()
        phone.advance(9.99)
        #expect(phone.transport.closes.isEmpty)
        phone.advance(0.01)
        // CSAppResumedLifecycle.kt:35-42: ShutdownReason(1000, "App is paused").
        #expect(phone.transport.closes.map(\.code) == [1000])
        #expect(phone.transport.closes.map(\.reason) == ["App is paused"])
        #expect(phone.transport.aborts == 0)
    }

    @Test("CSBackgroundEventScheduler.kt:112-163: background re-stamps every row unsent; the collector gets duplicates")
    func backgroundRestampDuplicates() throws {
        let phone = Phone(.android)
        phone.click(3, timestamp: 0)
        phone.advance(10.01)
        let first = try #require(phone.transport.sent.first)
        #expect(phone.eventGUIDs(first).count == 3)
        phone.advance(0.99)
        phone.background()  // 11 s: B1 is unanswered.
        let restamps = phone.observer.details.filter {
            if case .restamped(_, let previous, let wasSent) = $0.detail {
                previous == first.reqGuid && wasSent
            } else {
                false
            }
        }
        #expect(restamps.count == 3)
        #expect(phone.observer.health(.flushOnBackground).map(\.events) == [3])
        #expect(phone.transport.sent.count == 1, "the re-stamp sends nothing")
        // B1's ack comes after the background: its session's channel is gone, nothing is deleted.
        phone.advance(0.5)
        phone.transport.answer(first)
        #expect(phone.observer.acked == 0)
        #expect(phone.store.allRows.filter { !$0.isHealth }.count == 3)
        phone.advance(88.5)  // 100 s: the socket was closed at 21 s.
        #expect(phone.transport.closes.count == 1)
        phone.foreground()
        phone.advance(0.01)
        // The flag still says connected (the close at 21 s was never observed): the tick "sends"
        // to no socket, and the batch goes out on its first retry, after the 10 s debounce.
        #expect(phone.transport.sent.count == 1)
        phone.advance(10)
        #expect(phone.transport.sentAt == [10.01, 110.01])
        let second = try #require(phone.transport.sent.last)
        #expect(second.reqGuid != first.reqGuid)
        // Health rows (stamped 11 s) lead the app rows (stamped 0 s).
        #expect(second.events.first?.type == SDKConfiguration.healthEventType)
        #expect(Set(phone.eventGUIDs(second)) == Set(phone.eventGUIDs(first)), "every event of B1 goes out again")
        phone.transport.answer(second)
        #expect(phone.observer.acked == 3, "each event acked once; the collector saw it twice")
        #expect(phone.store.count == 0)
    }

    @Test("CSForegroundEventScheduler.kt:219-232: batches of an ended session keep retrying with their old guid")
    func orphanedBatchResends() {
        let phone = Phone(.android)
        phone.click(2)
        phone.advance(10.01)
        let guid = phone.transport.guids[0]
        phone.background()
        phone.advance(5)
        phone.foreground()  // 15.01: within the debounce, the socket is still open.
        phone.advance(5)
        // B1 timed out at 20.01 and was resent on the open socket; the reset rows went out at
        // 15.02 under a new guid: both reach the collector.
        #expect(phone.transport.guids.filter { $0 == guid }.count == 2)
        #expect(phone.transport.sent.count == 3)
        phone.transport.ackAll()
        #expect(phone.observer.acked == 2)
    }

    @Test("CSBaseEventScheduler.kt:118-129: below 10% at a tick the batch is skipped, the socket stays open")
    func lowBatteryAtTick() {
        let phone = Phone(.android, conditions: DeviceConditions(batteryLevel: 8))
        phone.click(3)
        phone.advance(30.01)
        #expect(phone.transport.sent.isEmpty)
        #expect(phone.sdk.connectionState == .connected(since: .uptimeNanoseconds(10_000_000_000), stale: false))
        #expect(phone.observer.health(.batchTriggerFailed, reason: "low_battery").count == 3)
        #expect(phone.observer.records.last?.name == "Clickstream Event Batch Trigger Failed")
        phone.update { $0.charging = true }
        phone.advance(10)
        #expect(phone.transport.sent.map(\.events.count) == [3])
    }

    @Test("CSConnectivityOnLifecycle.kt:46-54: a lost network aborts the socket; its return reconnects at once")
    func networkLost() {
        let phone = Phone(.android)
        phone.click()
        phone.advance(15)
        phone.transport.ackAll()
        phone.update { $0.networkReachable = false }
        #expect(phone.transport.aborts == 1)
        #expect(phone.transport.closes.isEmpty)
        phone.click()
        phone.advance(10)
        #expect(phone.observer.health(.batchTriggerFailed, reason: "network_unavailable").count == 1)
        phone.update { $0.networkReachable = true }
        #expect(phone.transport.connectAttempts == 2)
        #expect(phone.observer.connections.last?.at == .uptimeNanoseconds(25_000_000_000))
    }

    @Test("App killed: the OS closes TCP with no close frame; rows in flight go out again after the relaunch")
    func killAndRelaunch() {
        let phone = Phone(.android)
        phone.click(4)
        phone.advance(10.01)
        phone.relaunch()
        #expect(phone.transport.aborts == 1)
        #expect(phone.transport.closes.isEmpty)
        #expect(phone.observer.closedByClient.last == "app_killed")
        phone.advance(20)
        // Reset at the relaunch's foreground (10.01 s), connected after the debounce (20.01 s),
        // sent at the new instance's 20.02 s tick under a new guid.
        #expect(phone.transport.sent.count == 2)
        #expect(phone.transport.sent[1].reqGuid != phone.transport.sent[0].reqGuid)
        #expect(Set(phone.eventGUIDs(phone.transport.sent[1])) == Set(phone.eventGUIDs(phone.transport.sent[0])))
    }

    @Test("CSNetworkManager.kt:180-202: Connection Attempt every foreground; time to connect counts the debounce")
    func connectionHealth() throws {
        let phone = Phone(.android)
        phone.advance(11)
        let success = try #require(phone.observer.health(.connectionSuccess).first)
        #expect(success.name == "Clickstream Connection Success")
        #expect(success.timeToConnection == .seconds(10))
        phone.background()
        phone.advance(1)
        phone.foreground()
        #expect(phone.observer.health(.connectionAttempt).count == 2)
        // A server close frame while in front: "Connection Dropped" with its reason text.
        phone.transport.serverClose(code: 1008, reason: "duplicate connection: phone")
        #expect(phone.observer.health(.connectionDropped).map(\.reason) == ["duplicate connection: phone"])
        // A drop: "Connection Failure" EOFException; a missed pong: socket_timeout.
        phone.advance(1)
        phone.transport.drop(reason: ConnectionEnding.closedByCollector)
        phone.advance(1)
        phone.transport.drop(reason: TransportEvent.missedPong(within: .seconds(1)))
        #expect(phone.observer.health(.connectionFailure).map(\.reason) == ["EOFException", "socket_timeout"])
    }

    @Test("Instant events: one write, no ack timer, never stored (CSNetworkRepository.kt:110-116)")
    func instantNeverTimedOut() {
        let phone = Phone(.android, remoteConfig: RemoteConfig(classification: ["ButtonClick": .instant]))
        phone.click()
        #expect(phone.observer.dropped("socket_not_open") == 1, "no socket yet: the write fails")
        phone.advance(11)
        phone.click()
        phone.advance(300)
        #expect(phone.transport.sent.count == 1)
        #expect(phone.observer.timedOut == 0)
        #expect(phone.store.count == 0)
        phone.transport.ackAll()
        #expect(phone.observer.acked == 1)
    }

    @Test("The sample app's OkHttp client pings every 1 s (CSNetworkModule.kt:22-25); connect timeout 5 s")
    func pingsAsked() {
        let phone = Phone(.android)
        phone.advance(10)
        #expect(
            phone.transport.connectOptions == [
                ConnectOptions(connectTimeout: .seconds(5), ping: PingPolicy(interval: .seconds(1)))
            ])
    }
}
