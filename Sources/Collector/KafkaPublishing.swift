import RaccoonWire

/// Where and how the embedded collector publishes each delivered event, as Raccoon's Kafka
/// publisher does: the event's `event_bytes` as the message value, no key (librdkafka's
/// partitioner spreads them), no headers, to the topic `topics` names for its type.
public struct KafkaPublishing: Sendable, Equatable {
    /// `bootstrap.servers`: `host:port[,host:port...]`.
    public var bootstrapServers: String
    /// Raccoon's `EVENT_DISTRIBUTION_PUBLISHER_PATTERN`.
    public var topics = KafkaTopicPattern.raccoonDefault
    /// `topics` as text (`--kafka-topic-pattern`).
    public var topicPattern: String {
        get { topics.pattern }
        set { topics = KafkaTopicPattern(newValue) }
    }
    /// librdkafka's `message.timeout.ms`, in seconds: how long a message may wait for delivery,
    /// retries included, before its report fails. Raccoon's default is 300 s; a broker outage
    /// shorter than this loses nothing in either ack mode.
    public var messageTimeout: Double = 300
    /// Seconds to wait for the brokers' metadata at start: no answer in that time refuses to start.
    public var connectTimeout: Double = 10
    /// Any other librdkafka producer properties, passed through as is.
    public var properties: [String: String] = [:]

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    /// What is wrong with the settings, naming the setting, or `nil`.
    public var problem: String? {
        let servers = bootstrapServers.split(separator: ",")
        guard !servers.isEmpty, servers.allSatisfy({ $0.contains(":") && !$0.hasSuffix(":") }) else {
            return "the Kafka bootstrap servers '\(bootstrapServers)' are not host:port[,host:port...]"
        }
        if let problem = topics.problem { return problem }
        guard messageTimeout > 0, messageTimeout <= 86_400 else {
            return "the Kafka message timeout must be more than 0 and at most 24h"
        }
        guard connectTimeout > 0, connectTimeout <= 3_600 else {
            return "the Kafka connect timeout must be more than 0 and at most 1h"
        }
        return nil
    }
}
