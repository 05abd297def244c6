import ClickstreamSDK
import NIOCore
import RaccoonWire
import Testing

/// The iOS flavor against gojek/clickstream-ios 2.0.92 (paths relative to
/// `Sources/Clickstream/`), on the virtual clock. A phone launches at t = 0 in the foreground and
/// connects at once; its realTime timer fires at 10 s, 20 s, ...; the staleness check runs at
/// connect + 6 s, + 12 s, ... while the retry cache holds something.
@Suite("iOS SDK fidelity (clickstream-ios 2.0.92)")
struct IOSFidelityTests {
    @Test("EventProcessor.swift:80-102: <prefix>-<name>, and the goto variant's optional fields")
    func wrapping() throws {
        let phone = Phone(.ios)
        phone.click()
        phone.advance(10)
        let event = try #require(phone.transport.sent.first?.events.first)
        #expect(event.type == "clickswarm-buttonclick")
        #expect(event.eventName == "ButtonClick")
        #expect(event.product == "clickswarm" && event.appVersion == "clickswarm")
        #expect(event.isExclusive && event.platform == .ios)
        #expect(event.eventTimestamp == ProtoTimestamp(date: Phone.wallStart))
    }

    @Test("EventSampler.swift:22-30: overrides[eventName]; Android has no sampler")
    func sampler() {
        let ios = Phone(.ios, remoteConfig: RemoteConfig(samplingRates: ["ButtonClick": 0, "ScreenView": 100]))
        ios.click(5)
        for _ in 0..<5 { ios.track(ScreenView()) }
        #expect(ios.observer.count { $0 == .sampledOut } == 5)
        let android = Phone(.android, remoteConfig: RemoteConfig(samplingRates: ["ButtonClick": 0]))
        android.click(5)
        #expect(android.observer.count { $0 == .sampledOut } == 0)
    }

    @Test("ClickStreamConstraints.swift:95,121-135: one timer per priority, realTime only; others wait for background")
    func perPriorityTimers() {
        let phone = Phone(.ios, remoteConfig: RemoteConfig(classification: ["ButtonClick": .standard]))
        phone.click(2)
        phone.track(ScreenView())
        phone.advance(9.99)
        #expect(phone.transport.sent.isEmpty)
        phone.advance(0.01)
        #expect(phone.transport.sent.map(\.events.count) == [1], "the ScreenView (realTime) alone")
        phone.transport.ackAll()
        phone.advance(60)
        #expect(phone.transport.sent.isEmpty, "standard has no priority, so no timer")
        phone.background()
        #expect(phone.transport.sent.first?.events.count == 2, "the background flush takes them")
    }

    @Test("EventBatchSizeRegulator.swift:29-42: maxBatchSize / integer average serialized size, kept across launches")
    func regulator() throws {
        let probe = Phone(.ios)
        probe.click()
        probe.advance(10)
        let probed = try #require(probe.transport.sent.first?.events.first)
        let size = (try probed.serializedBytes() as [UInt8]).count
        let phone = Phone(.ios) { $0.setMaxBatchBytes(3 * size + 1) }
        phone.click(10)
        phone.advance(10)
        #expect(phone.eventGUIDs(phone.transport.sent[0]) == (0..<3).map { phone.guid($0) }, "the 3 oldest")
        #expect(phone.store.tables.regulatedBatchCount == 3)
        let first = phone.transport.sent[0].reqGuid
        phone.advance(5)
        phone.relaunch()  // 15 s: no event stored in this launch, the stored count holds.
        phone.advance(10)
        let next = try #require(phone.transport.sent.first { $0.reqGuid != first })
        #expect(phone.eventGUIDs(next) == (3..<6).map { phone.guid($0) })
    }

    @Test("EventBatchSizeRegulator.swift / DatabaseHandler.swift:296-303: a count of 0 takes the whole priority")
    func regulatorZero() {
        let phone = Phone(.ios)
        phone.click(30)
        phone.advance(5)
        phone.relaunch()  // fresh install: nothing computed, nothing stored in the new launch
        phone.advance(10)
        #expect(phone.transport.sent.map(\.events.count) == [30])
        let huge = Phone(.ios) { $0.setMaxBatchBytes(10) }
        huge.click(7)
        huge.advance(10)
        #expect(huge.transport.sent.map(\.events.count) == [7], "an average above the budget gives 0")
    }

    @Test("EventWarehouser.swift:58-64: P0 goes at once on insert when available, else waits")
    func p0() {
        let phone = Phone(.ios, remoteConfig: RemoteConfig(classification: ["ButtonClick": .priority("P0")]))
        phone.advance(1)
        phone.click()
        #expect(phone.transport.sentAt == [1])
        phone.transport.autoConnect = false
        phone.transport.serverClose(code: 1000, reason: "")
        phone.click()
        #expect(phone.transport.sent.count == 1)
        phone.advance(2)  // the keepalive's 3 s tick dials
        phone.transport.acceptConnection()
        phone.click()
        #expect(phone.transport.sent.map(\.events.count) == [1, 2])
    }

    @Test("WebsocketRetryMechanism.swift:165-167: instant only when available, never cached, no ack timer")
    func instant() {
        let phone = Phone(.ios, remoteConfig: RemoteConfig(classification: ["ButtonClick": .instant]))
        phone.click()
        #expect(phone.transport.sent.count == 1)
        #expect(phone.store.requests.isEmpty && phone.store.count == 0)
        phone.advance(300)
        #expect(phone.transport.sent.count == 1)
        #expect(phone.observer.timedOut == 0)
        phone.update { $0.networkReachable = false }
        phone.click()
        #expect(phone.observer.dropped("socket_not_open") == 1)
        #expect(phone.observer.dropped("instant_unacked") == 1, "its socket closed unanswered")
    }

    @Test("WebsocketRetryMechanism.swift:377-432: stale requests resent every 6 s from the connect")
    func staleResends() {
        let phone = Phone(.ios)
        phone.click()
        phone.advance(40)
        // Written at 10; checks at 12 (2 s old), 18, 24, 30, 36.
        #expect(phone.transport.sentAt == [10, 18, 24, 30, 36])
        #expect(Set(phone.transport.guids).count == 1)
        #expect(phone.transport.sent[1].sentTime.seconds == phone.transport.sent[0].sentTime.seconds + 8)
    }

    @Test("WebsocketRetryMechanism.swift:412-415: n stale requests are spaced (6 / n) / 2 s; gaps are 6 or 12 s")
    func resendSpacing() {
        let phone = Phone(.ios, remoteConfig: RemoteConfig(classification: ["ButtonClick": .priority("P0")]))
        phone.advance(1)
        for _ in 0..<3 {
            phone.click()
            phone.advance(0.5)
        }
        phone.advance(36.5)  // 38 s
        let guids = phone.transport.guids
        let times = { (index: Int) in zip(guids, phone.transport.sentAt).filter { $0.0 == guids[index] }.map(\.1) }
        #expect(times(0) == [1, 12, 18, 24, 30, 36])
        #expect(times(1) == [1.5, 13, 25, 37])
        #expect(times(2) == [2, 14, 26, 38])
    }

    @Test("WebsocketRetryMechanism.swift:351-362: 22 writes, then Batch Dropped; the 22nd still goes out")
    func twentyTwoWrites() {
        let phone = Phone(.ios)
        phone.click(2)
        phone.advance(137.99)
        #expect(phone.transport.sent.count == 21)
        #expect(phone.observer.dropped("retries_exhausted") == 0)
        phone.advance(0.01)
        #expect(phone.transport.sent.count == 22)
        #expect(phone.transport.sentAt.last == 138)
        #expect(phone.observer.dropped("retries_exhausted") == 2)
        let dropped = phone.observer.health(.batchDropped)
        #expect(dropped.map(\.name) == ["Clickstream Event Batch Dropped"])
        #expect(dropped.map(\.events) == [2])
        #expect(phone.store.count == 0 && phone.store.requests.isEmpty)
        phone.advance(60)
        #expect(phone.transport.sent.count == 22)
    }

    @Test("WebsocketRetryMechanism.swift:175,198-238: an ack is SUCCESS and OK; an error waits for the check")
    func answers() {
        let phone = Phone(.ios)
        phone.click()
        phone.advance(11)
        phone.transport.answer(phone.transport.sent[0], status: .success, code: .badRequest)
        #expect(phone.observer.acked == 0)
        phone.transport.answer(phone.transport.sent[0], status: .error, code: .internalError)
        #expect(phone.transport.sent.count == 1, "nothing resent at once")
        #expect(phone.observer.health(.batchErrorResponse).isEmpty, "INTERNAL_ERROR records nothing")
        phone.advance(7)
        #expect(phone.transport.sentAt == [10, 18])
        // Code 5: "Connection Failure" max_user_limit_reached, and the check resends (`:214-221`).
        phone.transport.answer(phone.transport.sent[1], status: .error, code: .maxUserLimitReached)
        #expect(phone.observer.health(.connectionFailure, reason: "max_user_limit_reached").count == 1)
        phone.advance(6)
        #expect(phone.transport.sentAt == [10, 18, 24])
        phone.transport.answer(phone.transport.sent[2])
        #expect(phone.observer.acked == 1)
        #expect(phone.observer.health(.batchSuccessAck).map(\.name) == ["Clickstream Event Batch Success Ack"])
    }
}
