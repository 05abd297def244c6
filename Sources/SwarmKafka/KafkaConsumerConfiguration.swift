import Foundation
import Logging

/// How a ``KafkaConsumer`` connects. It reads assigned partitions and never commits offsets,
/// so the group id only names the client to the brokers. `properties` passes any other
/// librdkafka property through as is and wins over the defaults.
public struct KafkaConsumerConfiguration: Sendable {
    /// `bootstrap.servers`: comma-separated `host:port` pairs.
    public var bootstrapServers: String
    /// `client.id`, as the brokers log it.
    public var clientID = "clickswarm-audit"
    /// `group.id`: librdkafka's consumer needs one; unique by default, and no offsets are committed.
    public var groupID = "clickswarm-audit-\(UUID().uuidString)"
    /// Any other librdkafka properties, e.g. `["fetch.max.bytes": "10485760"]`.
    public var properties: [String: String] = [:]
    /// Where librdkafka's log lines go; `nil` drops them.
    public var logger: Logger?

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    var librdkafkaProperties: [(name: String, value: String)] {
        let named: [(name: String, value: String)] = [
            ("bootstrap.servers", bootstrapServers),
            ("client.id", clientID),
            ("group.id", groupID),
            // The reader chooses every start offset itself and keeps no position in the group.
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            // End-of-partition events tell the reader it has caught up even when the last offsets
            // before the high watermark are not messages (transaction markers, compaction).
            ("enable.partition.eof", "true"),
            ("auto.offset.reset", "earliest"),
            ("allow.auto.create.topics", "false"),
            // A fetch at the end of a partition waits this long on the broker for new data; a
            // read's next assignment waits for it, so keep it short (librdkafka's default is 500).
            ("fetch.wait.max.ms", "100"),
        ]
        return named + properties.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }
}
