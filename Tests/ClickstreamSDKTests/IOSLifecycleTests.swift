import ClickstreamSDK
import NIOCore
import RaccoonWire
import Testing

/// The iOS flavor's connection, lifecycle and battery (clickstream-ios 2.0.92), on the virtual
/// clock. The keepalive ticks at 3 s, 6 s, ... from the launch (wifi), only when it would act.
@Suite("iOS SDK lifecycle fidelity (clickstream-ios 2.0.92)")
struct IOSLifecycleTests {
    @Test("WebsocketRetryMechanism.swift:396-399: no resends while unavailable; same req_guid and count after")
    func retriesStopWhileUnavailable() throws {
        let phone = Phone(.ios)
        phone.click()
        phone.advance(20)
        phone.transport.autoConnect = false
        phone.transport.serverClose(code: 1000, reason: "")
        phone.advance(20)  // 40 s: the keepalive dialled at 21, 24, ... and abandoned each connect.
        #expect(phone.transport.sentAt == [10, 18])
        #expect(phone.transport.connectAttempts == 1 + 7)
        phone.transport.acceptConnection()
        phone.advance(6)
        #expect(phone.transport.sentAt == [10, 18, 46])
        #expect(Set(phone.transport.guids).count == 1)
        #expect(try #require(phone.store.requests.first).retries == 2)
    }

    @Test("clickstream-ios PR #62: the knob for the old behaviour keeps counting retries with no socket")
    func retriesWhileUnavailableKnob() throws {
        let phone = Phone(.ios) { $0.setRetriesWhileUnavailable(true) }
        phone.click()
        phone.advance(20)
        phone.transport.autoConnect = false
        phone.transport.serverClose(code: 1000, reason: "")
        phone.advance(16)  // checks at 24, 30, 36 resend into no socket
        #expect(phone.transport.sentAt == [10, 18])
        #expect(try #require(phone.store.requests.first).retries == 4)
    }

    @Test("EventRequest.swift:40-53: the retry cache survives a kill with its req_guid and retry count")
    func retryCacheSurvivesKill() {
        let phone = Phone(.ios)
        phone.click()
        phone.advance(20)
        phone.relaunch()  // connects at once; its first check at 26 finds the request stale
        #expect(phone.transport.aborts == 1 && phone.transport.closes.isEmpty)
        phone.advance(6)
        #expect(phone.transport.sentAt == [10, 18, 26])
        #expect(Set(phone.transport.guids).count == 1)
        #expect(phone.store.requests.first?.retries == 2)
        phone.transport.ackAll()
        #expect(phone.observer.acked == 1)
    }

    @Test("SocketHandler.swift:145-149,199-212: a code-4 rejection on a fresh socket reaches no one")
    func codeFourOnFreshSocket() {
        let phone = Phone(.ios)
        phone.transport.answer(guid: "", status: .error, code: .maxConnectionLimitReached)
        #expect(phone.observer.health(.connectionFailure).isEmpty)
        phone.transport.serverClose(code: 1008, reason: "Max connection reached")
        #expect(phone.observer.health(.connectionDropped).map(\.reason) == ["Duplicate ID"])
        #expect(phone.observer.health(.connectionDropped).map(\.kind) == [.aggregate])
        // No reconnect at once: the keepalive tick at 3 s dials (`WebsocketNetworkService.swift:43`).
        phone.advance(2.99)
        #expect(phone.transport.connectAttempts == 1)
        phone.advance(0.01)
        #expect(phone.transport.connectAttempts == 2)
    }

    @Test("WebsocketRetryMechanism.swift:199-212: code 4 after a write terminates; the keepalive redials")
    func codeFourAfterWrite() {
        let phone = Phone(.ios)
        phone.click()
        phone.advance(10)
        phone.transport.answer(guid: "", status: .error, code: .maxConnectionLimitReached)
        #expect(phone.observer.health(.connectionFailure, reason: "max_connection_limit_reached").count == 1)
        #expect(phone.transport.closes.map(\.code) == [1000])
        #expect(phone.transport.connectAttempts == 1)
        phone.advance(2)
        #expect(phone.transport.connectAttempts == 2, "at the 12 s keepalive tick")
    }

    @Test("KeepAliveService.swift:37,64-65: the keepalive is 3 s × the network factor, fixed at init")
    func keepaliveFactor() {
        let phone = Phone(.ios, conditions: DeviceConditions(network: .cellular2G))
        phone.transport.autoConnect = false
        phone.transport.serverClose(code: 1000, reason: "")
        phone.advance(6.59)
        #expect(phone.transport.connectAttempts == 1)
        phone.advance(0.01)
        #expect(phone.transport.connectAttempts == 2)
        phone.update { $0.network = .wifi }
        phone.advance(6.6)
        #expect(phone.transport.connectAttempts == 3, "still 6.6 s: the factor is read once")
    }

    @Test("SocketHandler.swift:213-233: a drop with no close frame looks connected until a write fails")
    func staleSocket() {
        let phone = Phone(.ios)
        phone.click()
        phone.advance(5)
        phone.transport.drop()
        phone.advance(4.99)
        #expect(phone.transport.connectAttempts == 1, "no redial: still 'connected'")
        phone.advance(0.01)  // the 10 s tick writes into the dead socket
        #expect(phone.transport.sent.isEmpty)
        #expect(phone.observer.health(.writeToSocketFailed).count == 1)
        #expect(phone.observer.health(.batchErrorResponse).count == 1)
        #expect(phone.observer.health(.connectionFailure).count == 1)
        phone.advance(2)
        #expect(phone.transport.connectAttempts == 2, "the 12 s keepalive tick redials")
        phone.advance(6)
        #expect(phone.transport.sentAt == [18], "resent from the cache with the same req_guid")
    }

    @Test("EventBatchProcessor.swift:93-107, WebsocketRetryMechanism.swift:91-101: resign-active closes after 8 s")
    func resignActive() {
        let phone = Phone(.ios)
        phone.advance(5)
        phone.background()
        phone.advance(7.99)
        #expect(phone.transport.closes.isEmpty)
        phone.advance(0.01)
        #expect(phone.transport.closes.map(\.code) == [1000])
        #expect(phone.transport.closes.map(\.reason) == [""])
        phone.advance(7)
        #expect(phone.transport.connectAttempts == 1, "the keepalive is suspended in the background")
        phone.foreground()
        #expect(phone.transport.connectAttempts == 2, "the resumed keepalive fires at once")
        // Back within 8 s: no close.
        phone.advance(5)
        phone.background()
        phone.advance(5)
        phone.foreground()
        phone.advance(30)
        #expect(phone.transport.closes.count == 1)
    }

    @Test("EventBatchProcessor.swift:134-176,218-224: background sends one batch of all events, then health")
    func wholeFlushOnBackground() throws {
        let phone = Phone(.ios, remoteConfig: RemoteConfig(classification: ["ButtonClick": .standard]))
        phone.click(3)
        phone.track(ScreenView())
        phone.click(2)
        phone.advance(5)
        phone.background()
        #expect(phone.transport.sent.count == 2)
        #expect(phone.eventGUIDs(phone.transport.sent[0]) == (0..<6).map { phone.guid($0) })
        let health = phone.transport.sent[1]
        #expect(health.events.allSatisfy { $0.type == "health" && $0.eventName.isEmpty })
        let names = health.events.map { try! HealthEvent(serializedBytes: $0.eventBytes).eventName }
        #expect(names.contains("Clickstream Flush On Background"))
        #expect(names.contains("Clickstream Event Cached"))
        #expect(!names.contains { $0.contains("Received") || $0.contains("Attempt") })
    }

    @Test("EventBatchProcessor.swift:149-154,195-202: not connected at background: flush once connected")
    func deferredFlush() {
        let phone = Phone(.ios)
        phone.transport.autoConnect = false
        phone.advance(2)
        phone.transport.serverClose(code: 1000, reason: "")
        phone.click(2)
        phone.advance(2)  // 4 s: the 3 s keepalive dial is pending
        phone.background()
        #expect(phone.transport.sent.isEmpty)
        #expect(!phone.store.health.isEmpty, "health is flushed only if connected")
        phone.advance(1)
        phone.transport.acceptConnection()
        #expect(phone.transport.sent.map(\.events.count).first == 2)
        #expect(phone.transport.sent.count == 2, "then the health batch")
        #expect(phone.store.health.isEmpty)
    }

    @Test("DeviceStatusNotifier.swift:42-53,83-96: launched at 5% it runs normally until the battery changes")
    func launchedLow() {
        let phone = Phone(.ios, conditions: DeviceConditions(batteryLevel: 5))
        phone.click()
        phone.advance(10)
        #expect(phone.transport.sent.count == 1)
        phone.update { $0.batteryLevel = 4 }
        #expect(phone.transport.closes.map(\.code) == [1000])
        #expect(phone.observer.closedByClient == ["low_battery"])
        phone.transport.ackAll()
        phone.click()
        phone.advance(10)
        #expect(phone.transport.sent.isEmpty)
        // Low and no socket: "low_battery" twice per check (`WebsocketRetryMechanism.swift:38-60`).
        #expect(phone.observer.health(.batchTriggerFailed, reason: "low_battery").count == 2)
        phone.update { $0.charging = true }
        phone.advance(3)
        #expect(phone.transport.connectAttempts == 2, "the keepalive redials once it recovers")
    }

    @Test("WebsocketRetryMechanism.swift:104-118: a lost network closes the socket; the keepalive redials")
    func networkLost() {
        let phone = Phone(.ios)
        phone.advance(1)
        phone.update { $0.networkReachable = false }
        #expect(phone.transport.closes.map(\.code) == [1000])
        #expect(phone.transport.aborts == 0)
        phone.advance(10)
        #expect(phone.transport.connectAttempts == 1)
        phone.update { $0.networkReachable = true }
        #expect(phone.transport.connectAttempts == 1, "establishConnection is a no-op: the object lingers")
        phone.advance(1)
        #expect(phone.transport.connectAttempts == 2)
    }
}
