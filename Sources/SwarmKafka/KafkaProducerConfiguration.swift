import Logging

/// How a ``KafkaProducer`` connects and delivers. The named options cover what ClickSwarm tunes;
/// `properties` passes any other librdkafka property through as is (librdkafka's
/// CONFIGURATION.md lists them) and wins over a named option that sets the same property.
public struct KafkaProducerConfiguration: Sendable {
    /// How many broker acknowledgements a message needs before it counts as delivered.
    public enum Acks: Sendable, Hashable {
        /// None: the broker sends no response; the report's offset is -1 (`acks=0`).
        case none
        /// The partition leader stored it (`acks=1`).
        case leader
        /// Every in-sync replica stored it (`acks=all`).
        case all

        var propertyValue: String {
            switch self {
            case .none: "0"
            case .leader: "1"
            case .all: "all"
            }
        }
    }

    /// `bootstrap.servers`: comma-separated `host:port` pairs.
    public var bootstrapServers: String
    /// `client.id`, as the brokers log it.
    public var clientID = "clickswarm"
    /// `acks`.
    public var acks = Acks.all
    /// `message.timeout.ms`: how long a message may wait for delivery, retries included, before
    /// its report says `messageTimedOut`. Zero means no limit.
    public var messageTimeout: Duration = .seconds(30)
    /// `linger.ms`: how long messages wait to fill a batch.
    public var linger: Duration = .milliseconds(5)
    /// Any other librdkafka properties, e.g. `["compression.type": "lz4"]`.
    public var properties: [String: String] = [:]
    /// Where librdkafka's log lines go (with their facility as metadata); `nil` drops them.
    /// Broker errors still reach delivery errors and ``KafkaError`` either way.
    public var logger: Logger?

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    /// Every property in the order set: named options first, then `properties` (sorted by name,
    /// so that a run is reproducible).
    var librdkafkaProperties: [(name: String, value: String)] {
        let named: [(name: String, value: String)] = [
            ("bootstrap.servers", bootstrapServers),
            ("client.id", clientID),
            ("acks", acks.propertyValue),
            ("message.timeout.ms", String(messageTimeout.kafkaMilliseconds)),
            ("linger.ms", String(linger.kafkaMilliseconds)),
        ]
        return named + properties.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }
}
