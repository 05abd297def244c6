/// The `kafka` part of `/stats`: where the collector publishes and how that went.
public struct KafkaPublishStats: Codable, Sendable, Equatable {
    public var bootstrapServers: String
    public var topicPattern: String
    /// librdkafka's `message.timeout.ms`, in seconds.
    public var messageTimeoutSeconds: Double
    /// Events handed to the producer.
    public var queued: UInt64
    /// Events whose delivery report said stored.
    public var delivered: UInt64
    /// Events not published, by librdkafka's reason (`msg_timed_out`, `queue_full`,
    /// `unknown_topic`, `purge_queue`, ...): answered with an error in after-publish mode, lost
    /// after their OK in immediate mode.
    public var failed: [String: UInt64]
    /// Events whose batch is still waiting for reports.
    public var inFlight: UInt64

    package init(settings: KafkaPublishing, counters: KafkaPublishCounters) {
        bootstrapServers = settings.bootstrapServers
        topicPattern = settings.topics.pattern
        messageTimeoutSeconds = settings.messageTimeout
        queued = counters.queued
        delivered = counters.delivered
        failed = counters.failed
        inFlight = counters.inFlight
    }

    /// Every event not published, whatever the reason.
    public var failedTotal: UInt64 { failed.values.reduce(0, +) }
}
