/// Why a queued message was not delivered: librdkafka's error code with its text, where the
/// message was going, and the producer's last error from the brokers (which usually says why:
/// connection refused, host not found, ...).
public struct KafkaDeliveryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    /// The partition the message was meant for, when one had been chosen.
    public var partition: Int32?
    public var code: KafkaErrorCode
    public var bootstrapServers: String
    /// The producer's `message.timeout.ms`.
    public var messageTimeout: Duration
    /// The last error the producer heard from or about its brokers, with how long before the
    /// delivery report it came, e.g. "127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092
    /// failed: Connection refused (1.2 s earlier)".
    public var lastBrokerError: String?

    public init(
        topic: String, partition: Int32?, code: KafkaErrorCode, bootstrapServers: String, messageTimeout: Duration,
        lastBrokerError: String?
    ) {
        self.topic = topic
        self.partition = partition
        self.code = code
        self.bootstrapServers = bootstrapServers
        self.messageTimeout = messageTimeout
        self.lastBrokerError = lastBrokerError
    }

    public var description: String {
        let brokers = KafkaError.brokers(bootstrapServers, verb: false)
        let why = lastBrokerError.map { "; last broker error: \($0)" } ?? ""
        switch code {
        case .messageTimedOut:
            return "a message for topic \(topic) was not delivered: no acknowledgement from \(brokers) within "
                + "the message timeout (message.timeout.ms \(messageTimeout.kafkaText))\(why)"
        case .purgedFromQueue:
            return "a message for topic \(topic) was dropped unsent: the producer was closed before \(brokers) "
                + "took it\(why)"
        case .purgedInFlight:
            return "a message for topic \(topic) was dropped while in flight: the producer was closed before "
                + "\(brokers) acknowledged it, so it may or may not have been stored"
        default:
            return "a message for topic \(topic) was not delivered to \(brokers): \(code)\(why)"
        }
    }
}
