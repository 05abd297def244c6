/// What the collector side can change while devices run: which class an event is in, which
/// events are sampled (kept with probability `rate`/100), and which are dropped outright.
public struct RemoteConfig: Sendable, Equatable {
    /// Contract name (as `EventContract.contractName`) to class; unlisted events are `standard`.
    public var classification: [String: EventClass]
    /// Contract name to the percentage of its events kept (iOS sampler `overrides`).
    public var samplingRates: [String: Double]
    /// Contract names never sent.
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
        classification[contractName] ?? .standard
    }
}
