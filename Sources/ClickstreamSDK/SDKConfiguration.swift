import NIOCore

/// One simulated SDK's settings: the flavor's policies (`defaults(for:)` gives the upstream
/// values of `../shared/spec/clickstream-sdk.md`, edition 2) and the few knobs for behaviours the
/// upstream SDKs do not have, all off by default.
public struct SDKConfiguration: Sendable, Equatable {
    /// How an app event becomes a Raccoon `Event`.
    public struct Wrapping: Sendable, Equatable {
        /// iOS: `<appPrefix>-<lowercased name>`; Android: the lowercased name, no prefix
        /// (`CSEventData.kt:41-45`).
        public var prefixesType: Bool
        /// iOS sets the goto variant's optional fields (`EventProcessor.swift:93-102`); Android
        /// sets only `event_bytes` and `type`.
        public var setsOptionalFields: Bool
        /// iOS samples by `overrides[eventName]` (`EventSampler.swift:22-30`); Android has no
        /// sampler.
        public var samples: Bool
    }

    /// Behaviours no upstream SDK has, for scenarios that want them; each is off by default.
    public struct Knobs: Sendable, Equatable {
        /// A store bound in events: a new event beyond it is dropped `store_full`. Not in the
        /// upstream SDK (Room and SQLite grow without limit; iOS `maxCacheSize` is never read).
        public var storeCapacityEvents: Int?
        /// A store bound in bytes of `event_bytes`, as `storeCapacityEvents`. Not in the upstream SDK.
        public var storeCapacityBytes: Int?
        /// Android with the iOS sampler: not in the upstream SDK.
        public var samplesOnAndroid = false
    }

    public var flavor: SDKFlavor
    public var wrapping: Wrapping
    public var delivery: DeliveryPolicy
    public var connection: ConnectionPolicy
    public var health: HealthPolicy
    public var knobs = Knobs()
    /// Below this battery percentage, and not charging, the battery is low (both flavors: 10).
    public var minBatteryLevel: Double
    /// The prefix of iOS event types; empty for Android, which has none.
    public var appPrefix: String
    /// How long after the app's last screen stops the SDK hears that the app went to the
    /// background: Android's `ProcessLifecycleOwner` dispatches ON_STOP 700 ms later
    /// (`TIMEOUT_MS`, which the lifecycle `CSAndroidLifecycle.kt` observes); iOS's resign-active
    /// comes at once. The device applies it: the SDK itself only hears the change.
    public var lifecycleStopDelay: TimeAmount = .zero
    /// iOS recomputes "battery low" only on a battery notification (`DeviceStatusNotifier.swift:42-53`):
    /// the device tells it each whole-percent change of the level; Android reads the level at
    /// its tick.
    public var hearsBatteryNotifications: Bool { delivery.battery == .lowOnNotification }
    /// iOS `app_version` and `product` of the optional Event fields.
    public var appVersion = "clickswarm"
    public var product = "clickswarm"

    /// The type of the SDKs' own health events on both flavors (`Tracker.swift:285-290`, the
    /// Android `Health` class through `CSEventData.kt:41`).
    public static let healthEventType = "health"

    /// The store bound in events, `Int.max` for none (the upstream behaviour).
    public var storeCapacityEvents: Int {
        get { knobs.storeCapacityEvents ?? .max }
        set { knobs.storeCapacityEvents = newValue == .max ? nil : newValue }
    }

    /// The store bound in bytes, `Int.max` for none (the upstream behaviour).
    public var storeCapacityBytes: Int {
        get { knobs.storeCapacityBytes ?? .max }
        set { knobs.storeCapacityBytes = newValue == .max ? nil : newValue }
    }

    /// The transport's connect timeout.
    public var connectTimeout: TimeAmount {
        get { connection.connectTimeout }
        set { connection.connectTimeout = newValue }
    }
}
