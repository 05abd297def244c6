import ClickstreamSDK
import NIOCore
import Testing

@testable import Simulation

/// `sdk:` in a scenario: the upstream defaults, and each setting mapped onto the flavor's policies.
@Suite("Scenario sdk settings")
struct ScenarioSDKTests {
    static func scenario(_ sdk: String) throws -> Scenario {
        try Scenario(yaml: ScenarioParserTests.minimalWith(sdk), file: "sdk.yaml")
    }

    @Test("no sdk section: the upstream defaults, no store bound, health on")
    func defaults() throws {
        let scenario = try Self.scenario("")
        for flavor in SDKFlavor.allCases {
            let configuration = scenario.sdkConfiguration(for: flavor)
            #expect(configuration == .defaults(for: flavor))
            #expect(configuration.knobs.storeCapacityEvents == nil && configuration.knobs.storeCapacityBytes == nil)
            #expect(configuration.health.enabled)
        }
    }

    @Test("the Android keys reach its policies")
    func android() throws {
        let android = try Self.scenario(
            """
            sdk:
              android:
                lifecycle_debounce: 2s
                ping_interval: 500ms
                pong_timeout: 300ms
                health: off
                store_events: 100
                sampler: on
                max_retries: 5
                events_per_batch: 7
            """
        ).sdkConfiguration(for: .android)
        #expect(android.closeAfterBackground == .seconds(2))
        #expect(android.connection.ping == PingPolicy(interval: .milliseconds(500), pongDeadline: .milliseconds(300)))
        #expect(!android.health.enabled)
        #expect(android.knobs.storeCapacityEvents == 100 && android.knobs.samplesOnAndroid)
        #expect(android.delivery.retry == .perBatchTimer(timeout: .seconds(10), maxRetries: 5))
        #expect(
            android.delivery.batching
                == .newestOfAll(eventsPerBatch: 7, firstTick: .milliseconds(10), period: .seconds(10)))
        let noPings = try Self.scenario("sdk:\n  android: {ping_interval: 0s}").sdkConfiguration(for: .android)
        #expect(noPings.connection.ping == nil)
    }

    @Test("the iOS keys reach its policies")
    func ios() throws {
        let ios = try Self.scenario(
            "sdk:\n  ios: {retry_while_unavailable: on, ack_timeout: 4s, max_batch_size: 1KiB, close_after_background: 3s}"
        ).sdkConfiguration(for: .ios)
        #expect(
            ios.delivery.retry
                == .stalenessSweep(
                    interval: .seconds(4), staleAfter: .seconds(4), maxRetries: 20, keepsCountingWhileUnavailable: true)
        )
        #expect(ios.delivery.batching == .perPriority([.init(.realTime, maxBatchBytes: 1024, period: .seconds(10))]))
        #expect(ios.closeAfterBackground == .seconds(3))
    }

    @Test("a setting of the other flavor is named as such")
    func wrongFlavor() {
        #expect(throws: ScenarioErrors.self) { try Self.scenario("sdk:\n  ios: {ping_interval: 1s}") }
        #expect(throws: ScenarioErrors.self) { try Self.scenario("sdk:\n  android: {retry_while_unavailable: on}") }
        do {
            _ = try Self.scenario("sdk:\n  ios: {lifecycle_debounce: 1s}")
        } catch {
            #expect("\(error)".contains("lifecycle_debounce is an Android setting"))
        }
    }
}
