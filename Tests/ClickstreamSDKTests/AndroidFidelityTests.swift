import ClickstreamSDK
import NIOCore
import RaccoonWire
import Testing

/// The Android flavor against gojek/clickstream-android 7cc79cb (paths relative to
/// `clickstream/src/main/kotlin/clickstream/`), on the virtual clock. A phone launches at t = 0 in
/// the foreground; its socket connects at 10 s (the lifecycle debounce) and its ticker fires at
/// 0.01 s (a launch's first tick sees no rows), 10.01 s, 20.01 s, ...
@Suite("Android SDK fidelity (clickstream-android 7cc79cb)")
struct AndroidFidelityTests {
    @Test("CSEventData.kt:41-45: type is the lowercased contract name, no prefix; only event_bytes and type")
    func wrapping() throws {
        let phone = Phone(.android)
        phone.click()
        phone.advance(10.01)
        let event = try #require(phone.transport.sent.first?.events.first)
        #expect(event.type == "buttonclick")
        #expect(event.eventName.isEmpty && event.product.isEmpty && event.appVersion.isEmpty)
        #expect(!event.hasEventTimestamp && !event.isExclusive && event.platform == .unspecified)
    }

    @Test("CSForegroundEventScheduler.kt:196-215: one ticker cuts the 20 newest rows by timestamp seconds")
    func newestTwentyOfAll() {
        // Mixed classes: one ticker serves them all.
        let phone = Phone(.android, remoteConfig: RemoteConfig(classification: ["ButtonClick": .standard]))
        for second in 0..<25 {
            if second.isMultiple(of: 2) {
                phone.track(ScreenView(), timestamp: Double(second))
            } else {
                phone.click(timestamp: Double(second))
            }
        }
        phone.advance(10.009)
        #expect(phone.transport.sent.isEmpty, "nothing before the 10.01 s tick")
        phone.advance(0.001)
        #expect(phone.transport.sentAt == [10.01])
        // Newest first by the event's own timestamp: seconds 24 down to 5.
        #expect(phone.eventGUIDs(phone.transport.sent[0]) == (5..<25).reversed().map { phone.guid(UInt64($0)) })
        phone.transport.ackAll()
        phone.advance(10)
        #expect(phone.transport.sentAt == [20.01])
        #expect(phone.eventGUIDs(phone.transport.sent[0]) == (0..<5).reversed().map { phone.guid(UInt64($0)) })
    }

    @Test("CSEventDataDao.kt:45: equal seconds come out in rowid order, so the oldest of a second first")
    func tiesByRowid() {
        let phone = Phone(.android) { $0.setEventsPerBatch(2) }
        phone.click(3, timestamp: 5)
        phone.advance(10.01)
        #expect(phone.eventGUIDs(phone.transport.sent[0]) == [phone.guid(0), phone.guid(1)])
    }

    @Test("CSForegroundEventScheduler.kt:196: the first tick is 10 ms after the foreground, then every 10 s")
    func firstTickAfterForeground() {
        let phone = Phone(.android)
        phone.advance(12)
        phone.background()
        phone.advance(3)
        phone.foreground()
        phone.click()
        phone.advance(0.009)
        #expect(phone.transport.sent.isEmpty)
        phone.advance(0.001)
        #expect(phone.transport.sentAt == [15.01], "the socket stayed open through a 3 s background")
        phone.transport.ackAll()
        phone.click()
        phone.advance(10)
        #expect(phone.transport.sentAt == [25.01])
    }

    @Test("CSRetryableCallback.kt:155-207: retryCount < 20 gives 21 sends 10 s apart, same req_guid, then release")
    func twentyOneSendsThenRelease() throws {
        let phone = Phone(.android)
        phone.click(3)
        phone.advance(215)
        #expect(phone.transport.sent.count == 21)
        #expect(Set(phone.transport.guids).count == 1)
        let expected: [Double] = (0..<21).map { (index: Int) -> Double in Double(10_010 + 10_000 * index) / 1000 }
        #expect(phone.transport.sentAt == expected)
        #expect(phone.observer.timedOut == 3 * 20, "20 timeouts before the 21st send")
        #expect(phone.observer.released == 0)
        phone.advance(5.01)  // 220.01: the 21st send times out.
        #expect(phone.observer.released == 3)
        #expect(phone.observer.health(.batchTimeout, reason: "SocketTimeout").count == 21)
        phone.advance(10)
        let last = try #require(phone.transport.sent.last)
        #expect(last.reqGuid != phone.transport.guids[0], "the released rows went out under a new req_guid")
        #expect(phone.eventGUIDs(last).count == 3)
        #expect(phone.store.count == 3)
    }

    @Test("CSRetryableCallback.kt:134-147: retries go on while disconnected and count; same req_guid after")
    func retriesWhileDisconnected() {
        let phone = Phone(.android)
        phone.click()
        phone.advance(12)
        phone.transport.autoConnect = false
        phone.transport.drop()
        phone.advance(23)  // 35 s: the timeouts at 20.01 and 30.01 wrote nothing.
        #expect(phone.transport.sent.count == 1)
        phone.transport.acceptConnection()
        phone.advance(5.01)
        #expect(phone.transport.sentAt == [10.01, 40.01])
        #expect(Set(phone.transport.guids).count == 1)
        phone.advance(170)  // 210.01: the budget counts the two silent sends.
        #expect(phone.transport.sent.count == 19)
        phone.advance(10)
        #expect(phone.observer.released == 1)
    }

    @Test("CSRetryableCallback.kt:113-118: an error answer resends at once with a fresh sent_time")
    func errorAnswerResendsAtOnce() {
        let phone = Phone(.android)
        phone.click()
        phone.advance(10.01)
        phone.advance(1)
        phone.transport.answer(phone.transport.sent[0], status: .error, code: .internalError)
        #expect(phone.transport.sentAt == [10.01, 11.01])
        #expect(phone.transport.sent[1].reqGuid == phone.transport.sent[0].reqGuid)
        #expect(phone.transport.sent[1].sentTime.seconds == phone.transport.sent[0].sentTime.seconds + 1)
        #expect(phone.observer.health(.batchErrorResponse, reason: "unknown").count == 1)
        phone.transport.answer(phone.transport.sent[1])
        #expect(phone.observer.acked == 1)
    }

    @Test("CSRetryableCallback.kt:107: SUCCESS with any code is an ack")
    func ackIsStatusSuccess() {
        let phone = Phone(.android)
        phone.click()
        phone.advance(10.01)
        phone.transport.answer(phone.transport.sent[0], status: .success, code: .badRequest)
        #expect(phone.observer.acked == 1)
        #expect(phone.store.count == 0)
    }

    @Test("CSRetryableCallback.kt:101-103: a code-4 rejection carries no req_guid and is ignored")
    func codeFourIgnored() {
        let phone = Phone(.android)
        phone.click()
        phone.advance(10.01)
        phone.transport.answer(guid: "", status: .error, code: .maxConnectionLimitReached)
        #expect(phone.observer.health(.connectionFailure).isEmpty)
        #expect(phone.transport.connectAttempts == 1)
        #expect(phone.sdk.batchesInFlight == 1)
    }

    @Test("CSRetryableCallback.kt:175-179: after a timeout release the batch still hears a late ack")
    func lateAckAfterRelease() {
        let phone = Phone(.android) { $0.maxRetriesPerBatch = 0 }
        phone.click()
        // Sent at 10.01, timed out and released at 20.01, after the 20.01 tick found nothing.
        phone.advance(to: 20.01)
        let first = phone.transport.sent[0]
        #expect(phone.observer.released == 1)
        // The rows keep the old guid until a tick re-batches them: a late SUCCESS deletes them.
        phone.transport.answer(first)
        #expect(phone.observer.acked == 1)
        #expect(phone.store.count == 0)
    }

    @Test("CSRetryableCallback.kt:96-103: acks that arrive out of order are matched by req_guid")
    func outOfOrder() {
        let phone = Phone(.android) { $0.batchPeriod = .seconds(4) }
        for second in 0..<25 { phone.click(timestamp: Double(second)) }
        phone.advance(16.01)  // connected at 10: the 12.01 tick cuts 20, the 16.01 tick 5
        let sent = phone.transport.sent
        #expect(sent.map(\.events.count) == [20, 5])
        phone.transport.answer(sent[1])
        #expect(phone.observer.acked == 5)
        phone.transport.answer(sent[0])
        #expect(phone.observer.acked == 25)
        #expect(phone.store.count == 0)
    }

    @Test("CSBaseEventScheduler.kt:242-276: with no socket yet a tick records socket_not_open; rows wait")
    func socketNotOpen() {
        let phone = Phone(.android)
        phone.transport.autoConnect = false
        phone.click(2)
        phone.advance(10.01)
        phone.transport.failConnection()
        phone.advance(10)
        #expect(phone.observer.health(.batchTriggerFailed, reason: "socket_not_open").count == 2)
        #expect(phone.transport.connectAttempts == 2, "redialled 1 s after the refusal")
        phone.transport.acceptConnection()
        phone.advance(10)
        #expect(phone.transport.sent.map(\.events.count) == [2])
    }
}
