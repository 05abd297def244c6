import ClickSwarmTestSupport
import ClickstreamSDK
import NIOCore
import RaccoonWire
import Testing

@Suite("Clickstream SDK on a virtual clock: batching and acks")
struct SDKBatchingTests {
    @Test("Android: every 10 s the 20 newest stored rows not in flight; acked rows are deleted")
    func androidBatches() {
        let phone = Phone(.android)
        phone.click(25)
        phone.advance(9.9)
        #expect(phone.transport.sent.isEmpty)
        phone.advance(0.1)
        #expect(phone.transport.sent.count == 1)
        let first = phone.transport.sent[0]
        #expect(first.events.count == 20)
        // Newest first: the last tracked click leads the batch.
        let guids = first.events.map { try! ButtonClick(serializedBytes: $0.eventBytes).eventGuid }
        #expect(guids.first == EventGUID(run: 1, device: 1, sequence: 24).description)
        #expect(first.events.allSatisfy { $0.type == "clickswarm-buttonclick" && $0.platform == .android })
        phone.transport.ackAll()
        #expect(phone.store.count == 5)
        phone.advance(10)
        #expect(phone.transport.sent.map(\.events.count) == [5])
        phone.transport.ackAll()
        #expect(phone.store.count == 0)
        #expect(phone.observer.acked == 25)
    }

    @Test("iOS: a batch holds as many rows as fit 50,000 bytes by the running average size")
    func iosBatches() {
        let phone = Phone(.ios) { $0.batchRule = .maxBatchBytes(1_000) }
        phone.click(60)
        let average = phone.store.averageSize
        phone.advance(10)
        #expect(phone.transport.sent.first?.events.count == Int(1_000 / average))
        #expect(phone.transport.sent.first?.events.first?.platform == .ios)
    }

    @Test("Android: no ack in 10 s resends the same req_guid; after 20 sends the rows go out in a new batch")
    func androidRetries() {
        let phone = Phone(.android)
        phone.click(3)
        phone.advance(10)
        let guid = phone.transport.sent[0].reqGuid
        phone.advance(10)
        #expect(phone.transport.sent.map(\.reqGuid) == [guid, guid])
        phone.advance(10 * 18)
        #expect(phone.transport.sent.count == 20)
        #expect(phone.transport.sent.allSatisfy { $0.reqGuid == guid })
        phone.advance(10)
        let guids = Set(phone.transport.sent.map(\.reqGuid))
        #expect(guids.count == 2, "the released rows went out under a new req_guid")
        #expect(phone.store.count == 3)
        #expect(phone.observer.count { if case .released = $0 { true } else { false } } == 3)
        #expect(phone.sdk.health.count("Batch Timeout").batches >= 20)
    }

    @Test("iOS: stale requests are resent every 6 s; at 20 sends the batch is dropped with Batch Dropped")
    func iosRetries() {
        let phone = Phone(.ios)
        phone.click(2)
        phone.advance(10)
        #expect(phone.transport.sent.count == 1)
        phone.advance(6 * 25)
        #expect(phone.transport.sent.count == 20)
        #expect(Set(phone.transport.sent.map(\.reqGuid)).count == 1)
        #expect(phone.store.count == 0)
        #expect(phone.observer.dropped("retries_exhausted") == 2)
        #expect(phone.sdk.health.count("Batch Dropped").events == 2)
    }

    @Test("Android resends at once on an error answer; iOS waits for its periodic resend")
    func errorAnswers() {
        let android = Phone(.android)
        android.click()
        android.advance(10)
        android.transport.answer(android.transport.sent[0], status: .error, code: .internalError)
        #expect(android.transport.sent.count == 2)
        android.transport.answer(android.transport.sent[1])
        #expect(android.observer.acked == 1)

        let ios = Phone(.ios)
        ios.click()
        ios.advance(10)
        ios.transport.answer(ios.transport.sent[0], status: .error, code: .badRequest)
        #expect(ios.transport.sent.count == 1)
        ios.advance(6)
        #expect(ios.transport.sent.count == 2)
    }

    @Test("acks that arrive out of order are matched by req_guid")
    func outOfOrder() {
        let phone = Phone(.android) { $0.batchPeriod = .seconds(4) }
        phone.click(25)
        phone.advance(8)
        let sent = phone.transport.sent
        #expect(sent.map(\.events.count) == [20, 5])
        phone.transport.answer(sent[1])
        #expect(phone.observer.acked == 5)
        phone.transport.answer(sent[0])
        #expect(phone.observer.acked == 25)
        #expect(phone.store.count == 0)
    }
}

@Suite("Clickstream SDK on a virtual clock: device constraints")
struct SDKConstraintTests {
    @Test("instant events go out at once when connected and are dropped when not")
    func instant() {
        let phone = Phone(.android, remoteConfig: RemoteConfig(classification: ["ButtonClick": .instant]))
        phone.click()
        #expect(phone.transport.sent.count == 1)
        #expect(phone.store.count == 0)
        phone.transport.drop()
        phone.click()
        #expect(phone.transport.sent.count == 1)
        #expect(phone.observer.dropped("socket_not_open") == 1)
    }

    @Test("Android low battery: batches skipped with low_battery, rows kept, sent once charging")
    func androidLowBattery() {
        let phone = Phone(.android, conditions: DeviceConditions(batteryLevel: 8))
        phone.click(3)
        phone.advance(30)
        #expect(phone.transport.sent.isEmpty)
        #expect(phone.sdk.connectionState == .connected)
        #expect(phone.sdk.health.count("Batch Trigger Failed", reason: "low_battery").batches == 3)
        // The observer hears every health event too (the harness counts skipped batches from it).
        #expect(
            phone.observer.healthEvents.filter { $0.name == "Batch Trigger Failed" && $0.reason == "low_battery" }
                .count == 3)
        phone.update { $0.charging = true }
        phone.advance(10)
        #expect(phone.transport.sent.map(\.events.count) == [3])
    }

    @Test("iOS low battery: socket closed, nothing sent; reconnects and sends when it recovers")
    func iosLowBattery() {
        let phone = Phone(.ios)
        phone.update { $0.batteryLevel = 9 }
        #expect(phone.transport.closes.map(\.reason) == ["low_battery"])
        phone.click(3)
        phone.advance(30)
        #expect(phone.transport.sent.isEmpty)
        phone.update { $0.batteryLevel = 50 }
        #expect(phone.sdk.connectionState == .connected)
        phone.advance(10)
        #expect(phone.transport.sent.map(\.events.count) == [3])
    }

    @Test(
        "no network: batch skipped with network_unavailable (iOS also closes its socket)", arguments: SDKFlavor.allCases
    )
    func noNetwork(flavor: SDKFlavor) {
        let phone = Phone(flavor)
        phone.click(2)
        phone.update { $0.networkReachable = false }
        phone.advance(10)
        #expect(phone.transport.sent.isEmpty)
        #expect(phone.sdk.health.count("Batch Trigger Failed", reason: "network_unavailable").batches == 1)
        #expect(phone.transport.closes.map(\.reason) == (flavor == .ios ? ["network_unavailable"] : []))
        phone.update { $0.networkReachable = true }
        phone.advance(10)
        #expect(phone.transport.sent.map(\.events.count) == [2])
    }

    @Test("iOS background: flushes everything, sends the health batch, closes after 8 s; timers stop")
    func iosBackground() {
        let phone = Phone(.ios)
        phone.click(5)
        phone.update { $0.foreground = false }
        let sent = phone.transport.sent
        #expect(sent.count == 2, "\(sent.map { ($0.events.count, $0.events.first?.type ?? "") })")
        #expect(sent.contains { $0.events.count == 5 })
        let healthBatch = sent.first { $0.events.first?.type == "clickswarm-health" }
        let names = Set(healthBatch?.events.map { try! HealthEvent(serializedBytes: $0.eventBytes).eventName } ?? [])
        #expect(names.isSuperset(of: ["Event Received", "Event Cached", "Connection Success"]))
        phone.transport.ackAll()
        phone.advance(8)
        #expect(phone.transport.closes.map(\.reason) == ["App is paused"])
        phone.click(1)
        phone.advance(60)
        #expect(phone.transport.sent.isEmpty)
        #expect(phone.store.count == 1)
    }

    @Test("Android background: no flush of the app's rows, socket closed after 10 s, rows kept")
    func androidBackground() {
        let phone = Phone(.android)
        phone.click(5)
        phone.update { $0.foreground = false }
        phone.advance(9.9)
        #expect(!phone.transport.sent.contains { $0.events.first?.type == "clickswarm-buttonclick" })
        phone.advance(0.1)
        #expect(phone.transport.closes.map(\.reason) == ["App is paused"])
        #expect(phone.transport.closes.map(\.code) == [1000])
        #expect(phone.store.newest(.standard, limit: 100).count == 5)
    }

    @Test("app killed with events stored: the next instance delivers them", arguments: SDKFlavor.allCases)
    func killAndRelaunch(flavor: SDKFlavor) {
        let phone = Phone(flavor)
        phone.click(4)
        phone.advance(10)
        #expect(phone.transport.sent.count == 1)
        phone.relaunch()
        phone.transport.sent.removeAll()
        phone.advance(10)
        #expect(phone.transport.sent.map(\.events.count) == [4])
        phone.transport.ackAll()
        #expect(phone.store.count == 0)
    }

    @Test("app killed with an instant event in flight: it is dropped as app_killed, stored rows stay pending")
    func killWithInstantInFlight() {
        let phone = Phone(.android, remoteConfig: RemoteConfig(classification: ["AdImpression": .instant]))
        phone.click(3)
        var ad = AdImpression()
        ad.eventGuid = EventGUID(run: 1, device: 1, sequence: 99).description
        phone.sdk.track(ad)
        let pending = phone.sdk.pendingEvents()
        #expect(pending.count == 4)
        #expect(pending.filter { $0.type == "clickswarm-adimpression" }.map(\.guid) == [ad.eventGuid])
        phone.sdk.kill()
        #expect(phone.observer.dropped("app_killed") == 1)
        #expect(phone.sdk.pendingEvents().map(\.type) == Array(repeating: "clickswarm-buttonclick", count: 3))
    }

    @Test("remote config mid-run: sampling to 0% and a drop list take effect at once")
    func remoteConfig() {
        let phone = Phone(.ios)
        phone.click(2)
        phone.sdk.apply(RemoteConfig(samplingRates: ["ButtonClick": 0]))
        phone.click(3)
        #expect(phone.observer.count { $0 == .sampledOut } == 3)
        phone.sdk.apply(RemoteConfig(dropList: ["ButtonClick"]))
        phone.click(1)
        #expect(phone.observer.dropped("drop_list") == 1)
        #expect(phone.store.count == 2)
    }

    @Test("store overflow drops new events with store_full")
    func overflow() {
        let phone = Phone(.android) { $0.storeCapacityEvents = 3 }
        phone.click(5)
        #expect(phone.store.count == 3)
        #expect(phone.observer.dropped("store_full") == 2)
    }

    @Test("a close 1008 from the server is recorded as max_user_limit_reached and reconnected per policy")
    func duplicateClose() {
        let phone = Phone(.android)
        phone.transport.connected = false
        phone.transport.handler?(.closed(code: 1008, reason: "duplicated connection"))
        #expect(phone.sdk.health.count("Connection Failure", reason: "max_user_limit_reached").occurrences == 1)
        phone.advance(1)
        #expect(phone.transport.connectAttempts == 2)
    }
}

@Suite("Funnel ledger")
struct FunnelLedgerTests {
    @Test("balances: generated = sampled out + dropped + acked + still stored")
    func balances() {
        let phone = Phone(.android, remoteConfig: RemoteConfig(samplingRates: ["ButtonClick": 50])) {
            $0.storeCapacityEvents = 30
        }
        let ledger = FunnelLedger()
        let sdk = ClickstreamSDK(
            configuration: phone.configuration, deviceID: "ledger", store: phone.store, transport: phone.transport,
            headers: [], eventLoop: phone.loop, remoteConfig: RemoteConfig(samplingRates: ["ButtonClick": 50]), seed: 3,
            observer: ledger)
        sdk.start()
        for sequence in 0..<200 {
            var click = ButtonClick()
            click.eventGuid = EventGUID(run: 2, device: 2, sequence: UInt64(sequence)).description
            sdk.track(click)
            if sequence % 50 == 49 {
                phone.advance(10)
                phone.transport.ackAll()
            }
        }
        let counts = ledger.total
        #expect(counts.generated == 200)
        #expect(counts.sampledOut > 60 && counts.sampledOut < 140)
        #expect(counts.dropped["store_full", default: 0] > 0)
        #expect(counts.acked > 0)
        #expect(counts.pending == Int64(phone.store.count))
        #expect(counts.generated == counts.sampledOut + counts.droppedTotal + counts.acked + UInt64(phone.store.count))
    }
}

@Suite("Clickstream SDK on a virtual clock: error codes")
struct SDKErrorCodeTests {
    @Test("iOS: CODE_MAX_CONNECTION_LIMIT_REACHED closes the socket and reconnects")
    func iosMaxConnections() {
        let phone = Phone(.ios)
        #expect(phone.transport.connectAttempts == 1)
        phone.transport.answer(SendEventRequest(), status: .error, code: .maxConnectionLimitReached)
        #expect(phone.transport.closes.map(\.reason) == ["max_connection_limit_reached"])
        #expect(phone.transport.connectAttempts == 2)
        #expect(phone.sdk.health.count("Connection Failure", reason: "max_connection_limit_reached").occurrences == 1)
    }

    @Test("Android: a refused connection is retried on the backoff schedule, and batches wait for the socket")
    func androidRefused() {
        let phone = Phone(.android)
        phone.transport.drop()
        phone.transport.autoConnect = false
        phone.click(2)
        phone.advance(10)
        #expect(phone.transport.sent.isEmpty)
        #expect(phone.sdk.health.count("Batch Trigger Failed", reason: "socket_not_open").batches == 1)
        // Dropped at t=0: retries at 1 s; each attempt hangs until the test answers it.
        #expect(phone.transport.connectAttempts == 2)
        phone.transport.handler?(.connectFailed(.refused("test")))
        phone.advance(2)
        #expect(phone.transport.connectAttempts == 3)
        phone.transport.acceptConnection()
        phone.advance(10)
        #expect(phone.transport.sent.map(\.events.count) == [2])
    }

    @Test("iOS: codes 2 and 5 are logged and the batch retried on the next timeout sweep")
    func iosBadRequest() {
        let phone = Phone(.ios)
        phone.click()
        phone.advance(10)
        phone.transport.answer(phone.transport.sent[0], status: .error, code: .maxUserLimitReached)
        #expect(phone.sdk.health.count("Batch Error Response", reason: "5").batches == 1)
        #expect(phone.sdk.batchesInFlight == 1)
        phone.advance(6)
        #expect(phone.transport.sent.count == 2)
    }
}

@Suite("Health funnel")
struct HealthFunnelTests {
    @Test("Connection Success carries the mean time to connect into the health batch")
    func timeToConnect() throws {
        let phone = Phone(.android)
        phone.transport.drop()
        phone.transport.autoConnect = false
        phone.advance(1)
        phone.advance(0.25)
        phone.transport.acceptConnection()
        phone.update { $0.foreground = false }
        let healthBatch = try #require(phone.transport.sent.first { $0.events.first?.type == "clickswarm-health" })
        let events = healthBatch.events.map { try! HealthEvent(serializedBytes: $0.eventBytes) }
        let success = try #require(events.first { $0.eventName == "Connection Success" })
        // Two connections: one at once (0 ms), one that took 250 ms.
        #expect(success.eventCount == 2)
        #expect(success.timeToConnectionMs == 125)
        #expect(events.contains { $0.eventName == "Connection Dropped" && $0.failureReason == "connection reset" })
    }
}
