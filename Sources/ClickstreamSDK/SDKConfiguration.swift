import NIOCore

/// Every setting of the spec's configuration table, with each flavor's defaults, plus the
/// store bounds and the connect timeout a simulated phone needs.
public struct SDKConfiguration: Sendable, Equatable {
    /// How a batch is cut from the stored rows.
    public enum BatchRule: Sendable, Equatable {
        /// Android: the first `n` stored rows not already in flight, newest first.
        case eventsPerBatch(Int)
        /// iOS: as many rows of one priority as fit this many bytes, by the running average size.
        case maxBatchBytes(Int)
    }

    /// How the SDK gets its socket back.
    public enum ReconnectPolicy: Sendable, Equatable {
        /// Android: exponential backoff after each failure, from `initial` up to `maximum`.
        case backoff(initial: TimeAmount, maximum: TimeAmount)
        /// iOS: a keepalive tick every `interval` times the network factor reconnects a socket
        /// that is down while the network is reachable and the battery not low.
        case keepaliveTick(interval: TimeAmount)
    }

    public var flavor: SDKFlavor
    public var batchRule: BatchRule
    /// Android `batchPeriod`, iOS `maxTimeBetweenTwoBatches`.
    public var batchPeriod: TimeAmount
    /// Android `maxRequestAckTimeout` (10 s), iOS (6 s).
    public var ackTimeout: TimeAmount
    /// After this many sends, Android releases the rows into a new batch and iOS drops the batch.
    public var maxRetriesPerBatch: Int
    public var reconnect: ReconnectPolicy
    /// Below this battery percentage, and not charging, the SDK holds its batches.
    public var minBatteryLevel: Double
    /// iOS flushes everything when the app goes to the background.
    public var flushOnBackground: Bool
    /// How long after going to the background the socket is closed.
    public var closeAfterBackground: TimeAmount
    /// Bounds of the device's event store; a new event beyond them is dropped ("store_full").
    public var storeCapacityEvents: Int
    public var storeCapacityBytes: Int
    public var connectTimeout: TimeAmount
    /// The prefix of iOS event types: `<appPrefix>-<lowercased contract name>`.
    public var appPrefix: String

    public static func defaults(for flavor: SDKFlavor) -> SDKConfiguration {
        switch flavor {
        case .ios:
            return SDKConfiguration(
                flavor: .ios, batchRule: .maxBatchBytes(50_000), batchPeriod: .seconds(10), ackTimeout: .seconds(6),
                maxRetriesPerBatch: 20, reconnect: .keepaliveTick(interval: .seconds(3)), minBatteryLevel: 10,
                flushOnBackground: true, closeAfterBackground: .seconds(8), storeCapacityEvents: 50_000,
                storeCapacityBytes: 20 << 20, connectTimeout: .seconds(10), appPrefix: "clickswarm")
        case .android:
            return SDKConfiguration(
                flavor: .android, batchRule: .eventsPerBatch(20), batchPeriod: .seconds(10), ackTimeout: .seconds(10),
                maxRetriesPerBatch: 20, reconnect: .backoff(initial: .seconds(1), maximum: .seconds(60)),
                minBatteryLevel: 10, flushOnBackground: false, closeAfterBackground: .seconds(10),
                storeCapacityEvents: 50_000, storeCapacityBytes: 20 << 20, connectTimeout: .seconds(10),
                appPrefix: "clickswarm")
        }
    }
}
