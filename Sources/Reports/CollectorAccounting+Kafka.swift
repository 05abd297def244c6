extension CollectorAccounting {
    /// The `collector.kafka` section of a report: the embedded collector's publishing to Kafka.
    public struct KafkaPublishing: Codable, Sendable, Equatable {
        public var bootstrapServers: String
        public var topicPattern: String
        public var ackMode: String
        /// Events whose delivery report said stored.
        public var delivered: UInt64
        /// Events not published, by librdkafka's reason (`msg_timed_out`, `queue_full`, ...).
        public var failed: [String: UInt64]
        /// Batches answered with Raccoon's publish error (after-publish mode).
        public var batchesPublishFailed: UInt64

        public init(
            bootstrapServers: String, topicPattern: String, ackMode: String, delivered: UInt64,
            failed: [String: UInt64], batchesPublishFailed: UInt64
        ) {
            self.bootstrapServers = bootstrapServers
            self.topicPattern = topicPattern
            self.ackMode = ackMode
            self.delivered = delivered
            self.failed = failed
            self.batchesPublishFailed = batchesPublishFailed
        }

        enum CodingKeys: String, CodingKey {
            case delivered, failed
            case bootstrapServers = "bootstrap_servers"
            case topicPattern = "topic_pattern"
            case ackMode = "ack_mode"
            case batchesPublishFailed = "batches_publish_failed"
        }

        /// Every event not published.
        public var failedTotal: UInt64 { failed.values.reduce(0, +) }
    }
}
