import RaccoonWire

extension Scenario {
    /// `collector.kafka`: the brokers the embedded collector publishes to, and how.
    public struct KafkaPublisher: Sendable, Equatable {
        public enum Brokers: Sendable, Equatable {
            /// A librdkafka mock cluster the run starts in-process (a test broker).
            case local
            /// `host:port[,host:port...]`.
            case servers(String)
        }
        public var brokers: Brokers
        /// Raccoon's `EVENT_DISTRIBUTION_PUBLISHER_PATTERN`.
        public var topics = KafkaTopicPattern.raccoonDefault
        /// librdkafka's `message.timeout.ms`, in seconds (Raccoon's default: 300).
        public var messageTimeout: Double = 300
        public init(brokers: Brokers) { self.brokers = brokers }
    }
}
