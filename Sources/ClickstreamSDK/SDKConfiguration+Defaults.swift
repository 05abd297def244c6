import NIOCore

extension SDKConfiguration {
    /// The upstream defaults of one flavor: gojek/clickstream-android 7cc79cb with its sample
    /// app's OkHttp client, gojek/clickstream-ios 2.0.92.
    public static func defaults(for flavor: SDKFlavor) -> SDKConfiguration {
        switch flavor {
        case .android:
            var android = android
            // androidx ProcessLifecycleOwner: ON_STOP 700 ms after the last activity stops.
            android.lifecycleStopDelay = .milliseconds(700)
            return android
        case .ios: return ios
        }
    }

    /// `config/CSEventSchedulerConfig.kt:28-29`, `config/CSNetworkConfig.kt:11-15`,
    /// `app/.../config/CSNetworkModule.kt:20-26`, `CSAndroidLifecycle.kt:17`.
    static let android = SDKConfiguration(
        flavor: .android,
        wrapping: Wrapping(prefixesType: false, setsOptionalFields: false, samples: false),
        delivery: DeliveryPolicy(
            batching: .newestOfAll(eventsPerBatch: 20, firstTick: .milliseconds(10), period: .seconds(10)),
            acknowledgement: .statusSuccess,
            retry: .perBatchTimer(timeout: .seconds(10), maxRetries: 20),
            background: .restampAll,
            battery: .skipBatchAtTick,
            immediateClass: nil,
            retryCacheSurvivesKill: false,
            checksAvailabilityOnEveryForward: false,
            socketFlagFrozenInBackground: true,
            batchSentOnEveryWrite: true,
            firstTickAfterLaunchSeesNoRows: true,
            resetsInFlightRowsOnForeground: true),
        connection: ConnectionPolicy(
            dialing: .debouncedLifecycle(
                debounce: .seconds(10), initialBackoff: .seconds(1), maximumBackoff: .seconds(60), closeCode: 1000,
                closeReason: "App is paused"),
            networkLoss: .abort,
            drop: .down,
            closesOnLowBattery: false,
            connectTimeout: .seconds(5),
            ping: PingPolicy(interval: .seconds(1))),
        health: .android,
        minBatteryLevel: 10,
        appPrefix: "")

    /// `Core/Data/Constraints/ClickStreamConstraints.swift:95-135`,
    /// `NetworkManager/Core/Dependencies/NetworkManagerDependencies.swift:65`.
    static let ios = SDKConfiguration(
        flavor: .ios,
        wrapping: Wrapping(prefixesType: true, setsOptionalFields: true, samples: true),
        delivery: DeliveryPolicy(
            batching: .perPriority([DeliveryPolicy.Priority(.realTime, maxBatchBytes: 50_000, period: .seconds(10))]),
            acknowledgement: .statusSuccessAndCodeOK,
            retry: .stalenessSweep(
                interval: .seconds(6), staleAfter: .seconds(6), maxRetries: 20, keepsCountingWhileUnavailable: false),
            background: .flushAll,
            battery: .lowOnNotification,
            immediateClass: .priority("P0"),
            retryCacheSurvivesKill: true,
            checksAvailabilityOnEveryForward: true,
            socketFlagFrozenInBackground: false,
            batchSentOnEveryWrite: false,
            firstTickAfterLaunchSeesNoRows: false,
            resetsInFlightRowsOnForeground: false),
        connection: ConnectionPolicy(
            dialing: .keepalive(interval: .seconds(3), closeAfterBackground: .seconds(8), closeCode: 1000),
            networkLoss: .close,
            drop: .connectedUntilWriteFails,
            closesOnLowBattery: true,
            connectTimeout: .seconds(60),
            ping: nil),
        health: .ios,
        minBatteryLevel: 10,
        appPrefix: "clickswarm")
}
