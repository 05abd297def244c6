import ClickstreamSDK
import NIOCore
import RaccoonWire
import Testing

@Suite("SDK health events, per flavor")
struct SDKHealthTests {
    @Test("CSEventNamesConstant.kt:15-132 and TrackerConstants.swift:20-36: the exact names, and what is never emitted")
    func exactNames() {
        let android = HealthPolicy.android.names
        #expect(android.count == 15)
        #expect(android[.batchSent]?.name == "ClickStream Batch Sent")
        #expect(android[.writeToSocketFailed]?.name == "ClickStream Write to Socket Failed")
        #expect(android[.flushOnBackground]?.name == "ClickStream Flush On Background")
        #expect(android[.eventReceivedForDropRate]?.name == "Clickstream Event Received For Drop Rate")
        #expect(android[.batchDropped] == nil && android[.flushOnForeground] == nil)
        #expect(android.values.filter { $0.kind == .instant }.count == 8)
        let ios = HealthPolicy.ios.names
        #expect(ios.count == 13)
        #expect(ios[.batchSent]?.name == "Clickstream Batch Sent")
        #expect(ios[.connectionDropped]?.kind == .aggregate)
        for never in [
            HealthEventName.eventReceived, .eventReceivedForDropRate, .connectionAttempt, .connectionSuccess,
            .batchTimeout,
        ] {
            #expect(ios[never] == nil, "\(never)")
        }
    }

    @Test("DefaultCSHealthEventProcessor.kt:98-188: instant names one Health each, the rest one per name")
    func androidAggregation() throws {
        let phone = Phone(.android, conditions: DeviceConditions(batteryLevel: 8))
        phone.click(2)
        phone.advance(30.01)  // three ticks skipped for the battery
        phone.background()
        let rows = phone.store.allRows.filter(\.isHealth)
        let protos = rows.map { try! HealthEvent(serializedBytes: $0.event.eventBytes) }
        let triggers = protos.filter { $0.eventName == "Clickstream Event Batch Trigger Failed" }
        #expect(triggers.count == 3)
        #expect(triggers.allSatisfy { $0.failureReason == "low_battery" && $0.eventCount == 1 })
        let received = protos.filter { $0.eventName == "Clickstream Event Received" }
        #expect(received.count == 1 && received.first?.eventCount == 2)
        #expect(Set(protos.map(\.eventName)).count == protos.count - 2, "only the trigger failures repeat")
        #expect(rows.allSatisfy { $0.event.type == "health" && $0.event.eventName.isEmpty })
    }

    @Test("CSBackgroundEventScheduler.kt:146-163: Android health reaches Raccoon at the next foreground, in batches")
    func androidDelivery() throws {
        let phone = Phone(.android)
        phone.advance(15)
        phone.background()
        #expect(phone.transport.sent.isEmpty)
        phone.advance(5)
        phone.foreground()
        phone.advance(0.01)
        let batch = try #require(phone.transport.sent.first)
        #expect(batch.events.allSatisfy { $0.type == "health" })
        let names = batch.events.map { try! HealthEvent(serializedBytes: $0.eventBytes).eventName }
        #expect(names.contains("Clickstream Connection Attempt") && names.contains("Clickstream Connection Success"))
        // A batch whose first row is health records no batch health (CSRetryableCallback.kt:319).
        #expect(phone.observer.health(.batchCreated).isEmpty && phone.observer.health(.batchSent).isEmpty)
    }

    @Test("CSRetryableCallback.kt:258-298: Android error labels by code")
    func androidErrorLabels() {
        let phone = Phone(.android)
        phone.click()
        phone.advance(10.01)
        for code in [RaccoonCode.badRequest, .maxConnectionLimitReached, .maxUserLimitReached, .internalError] {
            phone.transport.answer(phone.transport.sent.last!, status: .error, code: code)
        }
        let labels = phone.observer.records.filter { $0.kind == .instant && $0.batchGUID != nil }.map {
            "\($0.name): \($0.reason ?? "")"
        }
        #expect(
            labels == [
                "ClickStream Write to Socket Failed: parsing_exception",
                "Clickstream Connection Failure: max_connection_limit_reached",
                "Clickstream Connection Failure: max_user_limit_reached",
                "Clickstream Event Batch Error response: unknown",
            ])
    }

    @Test("iOS 2.0.92 Tracker.swift:189: the Batch Dropped Health on the wire counts 1 event")
    func iosBatchDroppedOnTheWire() throws {
        let phone = Phone(.ios)
        phone.click(3)
        phone.advance(140)
        phone.background()
        let batch = try #require(phone.transport.sent.last)
        let dropped = try #require(
            batch.events.map { try! HealthEvent(serializedBytes: $0.eventBytes) }.first {
                $0.eventName == "Clickstream Event Batch Dropped"
            })
        #expect(dropped.eventCount == 1)
        #expect(phone.observer.health(.batchDropped).first?.events == 3, "the record itself knows 3")
    }

    @Test("ClickSwarm's health switch: off records nothing and sends nothing (the upstream default)")
    func switchOff() {
        for flavor in SDKFlavor.allCases {
            let phone = Phone(flavor) { $0.health.enabled = false }
            phone.click()
            phone.advance(20)
            phone.background()
            phone.advance(30)
            phone.foreground()
            phone.advance(20)
            #expect(phone.observer.records.isEmpty, "\(flavor)")
            #expect(phone.store.allRows.allSatisfy { !$0.isHealth }, "\(flavor)")
            #expect(!phone.transport.sent.contains { $0.events.contains { $0.type == "health" } }, "\(flavor)")
        }
    }

    @Test("an observer with only the old method hears ClickSwarm's short names")
    func shortNames() {
        final class ShortNames: SDKObserver {
            var names: [String] = []
            func event(guid: String, type: String, step: FunnelStep, intendedAt: NIODeadline, at: NIODeadline) {}
            func health(name: String, reason: String?, at: NIODeadline) { names.append("\(name): \(reason ?? "")") }
        }
        let phone = Phone(.android, conditions: DeviceConditions(batteryLevel: 8))
        let observer = ShortNames()
        let sdk = ClickstreamSDK(
            configuration: phone.configuration, deviceID: "short", store: EventStore(), transport: ScriptedTransport(),
            headers: [], eventLoop: phone.loop, conditions: DeviceConditions(batteryLevel: 8), observer: observer)
        sdk.start()
        var click = ButtonClick()
        click.eventGuid = "g"
        sdk.track(click)
        phone.advance(10.01)
        #expect(observer.names.contains("Batch Trigger Failed: low_battery"))
        #expect(observer.names.contains("Connection Attempt: "))
    }
}
