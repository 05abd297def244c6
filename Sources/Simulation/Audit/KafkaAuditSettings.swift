import RaccoonWire

/// `run --audit-kafka`: where and how long to look for the run's acked events in Kafka.
public struct KafkaAuditSettings: Sendable, Equatable {
    /// The brokers, `host:port[,host:port...]`.
    public var bootstrapServers: String
    /// How long the audit may read before it reports what it found (`--audit-timeout`).
    public var timeout: Double = 30
    /// Raccoon's `EVENT_DISTRIBUTION_PUBLISHER_PATTERN`: the event type replaces the first `%s`.
    public var topics = KafkaTopicPattern.raccoonDefault
    /// `topics` as the text given (`--audit-topic-pattern`); see ``KafkaTopicPattern/problem`` for
    /// what it may hold.
    public var topicPattern: String {
        get { topics.pattern }
        set { topics = KafkaTopicPattern(newValue) }
    }
    /// Read the topics from their beginning instead of from the run's start (`--audit-from
    /// beginning`): librdkafka's mock cluster (`clickswarm broker`) cannot look offsets up by
    /// time, and a fresh topic has nothing older anyway.
    public var fromBeginning = false

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    /// The topic events of `type` are published to, as Raccoon names it (the type as is).
    public func topic(for type: String) -> String { topics.topic(for: type) }
}
