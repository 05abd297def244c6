/// What went wrong in a Kafka client call, and where, in words a user can act on. Every case's
/// `description` names the address, topic or setting concerned; a librdkafka error code, where
/// there is one, comes with its text (`KafkaErrorCode.description`).
///
/// A message that was queued but not delivered is a ``KafkaDeliveryError`` in its delivery
/// report, not one of these.
public enum KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// librdkafka rejected a configuration property: unknown name or invalid value.
    case invalidSetting(name: String, value: String, reason: String)
    /// librdkafka could not create a client (a producer, a consumer, or the mock cluster's handle).
    case clientNotCreated(role: String, reason: String)
    /// No broker of `bootstrapServers` answered within `waited`.
    case brokerUnreachable(bootstrapServers: String, reason: String, waited: Duration)
    /// The topic is not in the cluster's metadata.
    case unknownTopic(String, bootstrapServers: String)
    /// The producer's local queue is full: messages are produced faster than the brokers take them.
    case queueFull(topic: String)
    /// The message is larger than `message.max.bytes`.
    case messageTooLarge(topic: String, bytes: Int)
    /// librdkafka refused to queue a message for another reason.
    case produceRejected(topic: String, code: KafkaErrorCode)
    /// `flush(timeout:)` ran out of time with messages still waiting for their delivery reports.
    case flushTimedOut(pending: Int, waited: Duration, bootstrapServers: String, lastBrokerError: String?)
    /// A request to the cluster (metadata, watermarks, offsets, assignment) failed.
    case requestFailed(operation: String, bootstrapServers: String, code: KafkaErrorCode)
    /// Reading a partition failed with an error that retrying does not cure.
    case readFailed(topic: String, partition: Int32, bootstrapServers: String, code: KafkaErrorCode)
    /// The topic pattern is not a valid regular expression.
    case invalidTopicPattern(String, reason: String)
    /// The client was closed; it takes no more calls.
    case closed(role: String)
    /// A mock cluster operation failed.
    case mockCluster(operation: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSetting(let name, let value, let reason):
            return "librdkafka rejected the setting \(name)=\(value): \(reason)"
        case .clientNotCreated(let role, let reason):
            return "librdkafka could not create the Kafka \(role): \(reason)"
        case .brokerUnreachable(let servers, let reason, let waited):
            return "\(Self.brokers(servers)) unreachable: \(reason) (no answer within \(waited.kafkaText)); "
                + "check the address and that the broker is running"
        case .unknownTopic(let topic, let servers):
            return "topic \(topic) does not exist on the Kafka cluster at \(servers)"
        case .queueFull(let topic):
            return "the Kafka producer's local queue is full, so a message for topic \(topic) was not queued: "
                + "the brokers take messages slower than they are produced, or are down; wait for delivery "
                + "reports (or flush) and retry, or raise queue.buffering.max.messages"
        case .messageTooLarge(let topic, let bytes):
            return "a message of \(bytes) bytes for topic \(topic) is larger than message.max.bytes allows"
        case .produceRejected(let topic, let code):
            return "librdkafka did not queue a message for topic \(topic): \(code)"
        case .flushTimedOut(let pending, let waited, let servers, let lastBrokerError):
            let why = lastBrokerError.map { "; last broker error: \($0)" } ?? ""
            return "\(pending) message(s) still had no delivery report from \(Self.brokers(servers, verb: false)) "
                + "after waiting \(waited.kafkaText)\(why)"
        case .requestFailed(let operation, let servers, let code):
            return "\(operation) failed against the Kafka cluster at \(servers): \(code)"
        case .readFailed(let topic, let partition, let servers, let code):
            return "reading topic \(topic) partition \(partition) from the Kafka cluster at \(servers) failed: \(code)"
        case .invalidTopicPattern(let pattern, let reason):
            return "the topic pattern '\(pattern)' is not a valid regular expression: \(reason)"
        case .closed(let role):
            return "the Kafka \(role) is closed"
        case .mockCluster(let operation, let reason):
            return "the mock Kafka cluster could not \(operation): \(reason)"
        }
    }

    /// "the Kafka broker at HOST:PORT is" or "the Kafka brokers at A,B are" (`verb` false: no verb).
    static func brokers(_ servers: String, verb: Bool = true) -> String {
        let plural = servers.contains(",")
        let noun = plural ? "the Kafka brokers at \(servers)" : "the Kafka broker at \(servers)"
        return verb ? noun + (plural ? " are" : " is") : noun
    }
}
