/// What the app's configuration and the collector side decide about events: which class an
/// event is in, which events are sampled (kept with probability `rate`/100), and which are
/// dropped outright.
///
/// Upstream, classification and sampling are fixed when the app initialises the SDK
/// (iOS `ClickStream.swift:305-307`; Android `CSEventProcessor.kt:51-56`), and neither SDK has a
/// drop list. ClickSwarm keeps both as scenario features: a drop list, and a config applied
/// while the app runs (`ClickstreamSDK.apply`), are not in the upstream SDKs, and a scenario
/// that leaves them out gets the upstream behaviour.
public struct RemoteConfig: Sendable, Equatable {
    /// Contract name (as `EventContract.contractName`) to class; unlisted events are
    /// `realTime`, the first classifier entry on iOS (`EventClassifier.swift:21-36`) and the
    /// fallback on Android.
    public var classification: [String: EventClass]
    /// Contract name to the percentage of its events kept (iOS sampler `overrides`).
    public var samplingRates: [String: Double]
    /// Contract names never sent. Not in the upstream SDKs.
    public var dropList: Set<String>

    public init(
        classification: [String: EventClass] = [:],
        samplingRates: [String: Double] = [:],
        dropList: Set<String> = []
    ) {
        self.classification = classification
        self.samplingRates = samplingRates
        self.dropList = dropList
    }

    public func eventClass(of contractName: String) -> EventClass {
        classification[contractName] ?? .realTime
    }
}
