import ClickstreamSDK
import NIOCore

extension Scenario {
    /// The SDK configuration of one flavor: the spec's defaults with the file's overrides.
    public func sdkConfiguration(for flavor: SDKFlavor) -> SDKConfiguration {
        var configuration = SDKConfiguration.defaults(for: flavor)
        let overrides = sdk[flavor]
        if let value = overrides.minBatteryLevel { configuration.minBatteryLevel = value }
        if let value = overrides.batchPeriod { configuration.batchPeriod = DeviceTime.amount(value) }
        if let value = overrides.ackTimeout { configuration.ackTimeout = DeviceTime.amount(value) }
        if let value = overrides.maxRetriesPerBatch { configuration.maxRetriesPerBatch = value }
        if let value = overrides.eventsPerBatch { configuration.batchRule = .eventsPerBatch(value) }
        if let value = overrides.maxBatchBytes { configuration.batchRule = .maxBatchBytes(value) }
        if let value = overrides.storeCapacityEvents { configuration.storeCapacityEvents = value }
        if let value = overrides.storeCapacityBytes { configuration.storeCapacityBytes = value }
        if let value = overrides.connectTimeout { configuration.connectTimeout = DeviceTime.amount(value) }
        if let value = overrides.flushOnBackground { configuration.flushOnBackground = value }
        if let value = overrides.closeAfterBackground { configuration.closeAfterBackground = DeviceTime.amount(value) }
        return configuration
    }
}
