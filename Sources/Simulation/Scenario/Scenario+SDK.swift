import ClickstreamSDK
import NIOCore

extension Scenario {
    /// The SDK configuration of one flavor: the upstream defaults with the file's overrides.
    public func sdkConfiguration(for flavor: SDKFlavor) -> SDKConfiguration {
        var configuration = SDKConfiguration.defaults(for: flavor)
        let overrides = sdk[flavor]
        if let value = overrides.minBatteryLevel { configuration.minBatteryLevel = value }
        if let value = overrides.batchPeriod { configuration.batchPeriod = DeviceTime.amount(value) }
        if let value = overrides.ackTimeout { configuration.ackTimeout = DeviceTime.amount(value) }
        if let value = overrides.maxRetriesPerBatch { configuration.maxRetriesPerBatch = value }
        if let value = overrides.eventsPerBatch { configuration.setEventsPerBatch(value) }
        if let value = overrides.maxBatchBytes { configuration.setMaxBatchBytes(value) }
        if let value = overrides.storeCapacityEvents { configuration.knobs.storeCapacityEvents = value }
        if let value = overrides.storeCapacityBytes { configuration.knobs.storeCapacityBytes = value }
        if let value = overrides.connectTimeout { configuration.connectTimeout = DeviceTime.amount(value) }
        if let value = overrides.flushOnBackground { configuration.flushOnBackground = value }
        if let value = overrides.closeAfterBackground { configuration.closeAfterBackground = DeviceTime.amount(value) }
        if let value = overrides.lifecycleDebounce { configuration.closeAfterBackground = DeviceTime.amount(value) }
        if let value = overrides.health { configuration.health.enabled = value }
        if let value = overrides.pingInterval {
            configuration.connection.ping =
                value > 0
                ? PingPolicy(
                    interval: DeviceTime.amount(value),
                    pongDeadline: overrides.pongTimeout.map { DeviceTime.amount($0) })
                : nil
        } else if let value = overrides.pongTimeout, var ping = configuration.connection.ping {
            ping.pongDeadline = DeviceTime.amount(value)
            configuration.connection.ping = ping
        }
        if let value = overrides.retryWhileUnavailable { configuration.setRetriesWhileUnavailable(value) }
        if let value = overrides.sampler { configuration.knobs.samplesOnAndroid = value }
        return configuration
    }
}
