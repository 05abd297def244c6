import ClickSwarmTestSupport
import ClickstreamSDK
import NIOCore
import RaccoonWire
import Testing

@Suite("Funnel accounting and the knobs the upstream SDKs lack")
struct SDKFunnelTests {
    @Test(
        "the ledger balances: generated = sampled out + dropped + acked + still stored", arguments: SDKFlavor.allCases)
    func balances(flavor: SDKFlavor) {
        let phone = Phone(flavor, remoteConfig: RemoteConfig(samplingRates: ["ButtonClick": 50])) {
            $0.knobs.storeCapacityEvents = 10
        }
        let ledger = FunnelLedger()
        let sdk = ClickstreamSDK(
            configuration: phone.configuration, deviceID: "ledger", store: phone.store, transport: phone.transport,
            headers: [], eventLoop: phone.loop, remoteConfig: RemoteConfig(samplingRates: ["ButtonClick": 50]),
            seed: 3, observer: ledger)
        phone.sdk.kill()
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
        if flavor == .ios {
            #expect(counts.sampledOut > 60 && counts.sampledOut < 140)
        } else {
            #expect(counts.sampledOut == 0, "Android has no sampler")
        }
        #expect(counts.dropped["store_full", default: 0] > 0)
        #expect(counts.acked > 0)
        let stored = UInt64(sdk.pendingEvents().count)
        #expect(counts.generated == counts.sampledOut + counts.droppedTotal + counts.acked + stored)
    }

    @Test("store bounds are a knob, off by default: the upstream stores grow without limit")
    func noStoreCapByDefault() {
        for flavor in SDKFlavor.allCases {
            let configuration = SDKConfiguration.defaults(for: flavor)
            #expect(configuration.knobs.storeCapacityEvents == nil && configuration.storeCapacityEvents == .max)
            let phone = Phone(flavor)
            phone.click(5_000)
            #expect(phone.store.count == 5_000)
            #expect(phone.observer.dropped("store_full") == 0)
        }
        let capped = Phone(.android) { $0.knobs.storeCapacityEvents = 3 }
        capped.click(5)
        #expect(capped.store.count == 3)
        #expect(capped.observer.dropped("store_full") == 2)
    }

    @Test("not in the upstream SDKs, kept as scenario features: a drop list and a config applied at run time")
    func remoteConfigFeatures() {
        let phone = Phone(.ios)
        phone.click(2)
        phone.sdk.apply(RemoteConfig(samplingRates: ["ButtonClick": 0]))
        phone.click(3)
        #expect(phone.observer.count { $0 == .sampledOut } == 3)
        phone.sdk.apply(RemoteConfig(dropList: ["ButtonClick"]))
        phone.click(1)
        #expect(phone.observer.dropped("drop_list") == 1)
        phone.sdk.apply(RemoteConfig(classification: ["ButtonClick": .instant]))
        phone.click(1)
        #expect(phone.store.count == 2)
        #expect(phone.transport.sent.count == 1, "the reclassified click went out at once")
    }

    @Test("unnamed events are realTime on both flavors (EventClassifier.swift:21-36, CSEventProcessor.kt:52-56)")
    func defaultClass() {
        #expect(RemoteConfig().eventClass(of: "ButtonClick") == .realTime)
        let phone = Phone(.ios)
        phone.click()
        phone.advance(10)
        #expect(phone.transport.sent.count == 1)
    }

    @Test("the Android background rule's duplicates are countable from the observer")
    func duplicatesCountable() {
        let phone = Phone(.android)
        let ledger = FunnelLedger()
        let sdk = ClickstreamSDK(
            configuration: phone.configuration, deviceID: "dup", store: phone.store, transport: phone.transport,
            headers: [], eventLoop: phone.loop, observer: ledger)
        phone.sdk.kill()
        sdk.start()
        for sequence in 0..<4 {
            var click = ButtonClick()
            click.eventGuid = EventGUID(run: 3, device: 3, sequence: UInt64(sequence)).description
            sdk.track(click)
        }
        phone.advance(10.01)
        var conditions = sdk.conditions
        conditions.foreground = false
        sdk.update(conditions)
        #expect(ledger.total.restampedAfterSend == 4)
        #expect(ledger.total.pending == 4)
    }

    @Test("an instant event unanswered at a kill is dropped app_killed; stored rows stay pending")
    func killWithInstantInFlight() {
        let phone = Phone(.ios, remoteConfig: RemoteConfig(classification: ["AdImpression": .instant]))
        phone.click(3)
        let ad = phone.track(AdImpression())
        let pending = phone.sdk.pendingEvents()
        #expect(pending.count == 4)
        #expect(pending.filter { $0.type == "clickswarm-adimpression" }.map(\.guid) == [ad])
        phone.sdk.kill()
        #expect(phone.observer.dropped("app_killed") == 1)
        #expect(phone.sdk.pendingEvents().map(\.type) == Array(repeating: "clickswarm-buttonclick", count: 3))
    }
}

@Suite("Answers the SDK cannot read")
struct UndecodableAnswerTests {
    @Test(
        "an answer that is not a SendEventResponse is dropped, as upstream, and told to the observer",
        arguments: [
            SDKFlavor.android, .ios,
        ])
    func undecodableAnswersCounted(flavor: SDKFlavor) {
        let phone = Phone(flavor)
        phone.advance(11)  // past Android's 10 s lifecycle debounce; iOS dials at once
        phone.transport.acceptConnection()
        phone.transport.answerGarbage([0xFF, 0xFF, 0xFF, 0x01])
        phone.transport.answerGarbage(Array("<html>".utf8))
        #expect(phone.observer.undecodable == [4, 6])
    }
}
