import ClickstreamSDK
import NIOCore

extension Scenario {
    /// The SDK configuration of one flavor: the spec's defaults with the file's overrides.
    public func sdkConfiguration(for flavor: SDKFlavor) -> SDKConfiguration {
        var configuration = SDKConfiguration.defaults(for: flavor)
        let overrides = sdk[flavor]
        func time(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64((seconds * 1e9).rounded())) }
        if let value = overrides.minBatteryLevel { configuration.minBatteryLevel = value }
        if let value = overrides.batchPeriod { configuration.batchPeriod = time(value) }
        if let value = overrides.ackTimeout { configuration.ackTimeout = time(value) }
        if let value = overrides.maxRetriesPerBatch { configuration.maxRetriesPerBatch = value }
        if let value = overrides.eventsPerBatch { configuration.batchRule = .eventsPerBatch(value) }
        if let value = overrides.maxBatchBytes { configuration.batchRule = .maxBatchBytes(value) }
        if let value = overrides.storeCapacityEvents { configuration.storeCapacityEvents = value }
        if let value = overrides.storeCapacityBytes { configuration.storeCapacityBytes = value }
        if let value = overrides.connectTimeout { configuration.connectTimeout = time(value) }
        if let value = overrides.flushOnBackground { configuration.flushOnBackground = value }
        if let value = overrides.closeAfterBackground { configuration.closeAfterBackground = time(value) }
        return configuration
    }
}
