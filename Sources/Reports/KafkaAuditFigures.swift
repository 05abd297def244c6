/// The `audit` section of a report: the run's acked events looked for in the Kafka topics the
/// collector publishes to (`clickstream-<type>-log`), by guid (`run --audit-kafka`).
///
/// Each acked event is either landed (found in its topic) or missing after its ack: the loss
/// Raccoon's immediate acks allow when a publish fails (raystack/raccoon#38). Events of the run
/// found in a topic but never acked were published after an ack that was lost. The audit also
/// counts copies of an event beyond the first (duplicates in the topic) and messages that are not
/// this run's (foreign: other runs, other producers).
public struct KafkaAuditFigures: Codable, Sendable, Equatable {
    /// One event type's figures.
    public struct EventType: Codable, Sendable, Equatable {
        public var topic: String
        public var acked: UInt64
        public var ackedAndLanded: UInt64
        public var missingAfterAck: UInt64
        public var landedNotAcked: UInt64
        public var duplicates: UInt64

        public init(
            topic: String, acked: UInt64 = 0, ackedAndLanded: UInt64 = 0, missingAfterAck: UInt64 = 0,
            landedNotAcked: UInt64 = 0, duplicates: UInt64 = 0
        ) {
            self.topic = topic
            self.acked = acked
            self.ackedAndLanded = ackedAndLanded
            self.missingAfterAck = missingAfterAck
            self.landedNotAcked = landedNotAcked
            self.duplicates = duplicates
        }

        enum CodingKeys: String, CodingKey {
            case topic, acked, duplicates
            case ackedAndLanded = "acked_and_landed"
            case missingAfterAck = "missing_after_ack"
            case landedNotAcked = "landed_not_acked"
        }
    }

    /// A device with acked events missing from the topics.
    public struct Device: Codable, Sendable, Equatable {
        public var device: UInt32
        public var missingAfterAck: UInt64

        public init(device: UInt32, missingAfterAck: UInt64) {
            self.device = device
            self.missingAfterAck = missingAfterAck
        }

        enum CodingKeys: String, CodingKey {
            case device
            case missingAfterAck = "missing_after_ack"
        }
    }

    /// The brokers asked (`--audit-kafka`).
    public var bootstrapServers: String
    /// The topics read.
    public var topics: [String]
    /// Every partition was read up to its high watermark (taken when the audit began) within the
    /// audit's timeout; when false the missing counts are upper bounds.
    public var caughtUp: Bool
    /// Why the audit could not run (an unreachable broker, say); the counts are then zero.
    public var error: String?
    public var messagesRead: UInt64
    public var acked: UInt64
    public var ackedAndLanded: UInt64
    public var missingAfterAck: UInt64
    public var landedNotAcked: UInt64
    public var duplicates: UInt64
    public var foreign: UInt64
    public var byEventType: [String: EventType]
    /// The devices with the most acked events missing (at most 20), most first.
    public var devicesMissing: [Device]
    /// Seconds the audit took.
    public var wallSeconds: Double

    public init(
        bootstrapServers: String, topics: [String] = [], caughtUp: Bool = false, error: String? = nil,
        messagesRead: UInt64 = 0, acked: UInt64 = 0, ackedAndLanded: UInt64 = 0, missingAfterAck: UInt64 = 0,
        landedNotAcked: UInt64 = 0, duplicates: UInt64 = 0, foreign: UInt64 = 0,
        byEventType: [String: EventType] = [:], devicesMissing: [Device] = [], wallSeconds: Double = 0
    ) {
        self.bootstrapServers = bootstrapServers
        self.topics = topics
        self.caughtUp = caughtUp
        self.error = error
        self.messagesRead = messagesRead
        self.acked = acked
        self.ackedAndLanded = ackedAndLanded
        self.missingAfterAck = missingAfterAck
        self.landedNotAcked = landedNotAcked
        self.duplicates = duplicates
        self.foreign = foreign
        self.byEventType = byEventType
        self.devicesMissing = devicesMissing
        self.wallSeconds = wallSeconds
    }

    enum CodingKeys: String, CodingKey {
        case topics, error, acked, duplicates, foreign
        case bootstrapServers = "bootstrap_servers"
        case caughtUp = "caught_up"
        case messagesRead = "messages_read"
        case ackedAndLanded = "acked_and_landed"
        case missingAfterAck = "missing_after_ack"
        case landedNotAcked = "landed_not_acked"
        case byEventType = "by_event_type"
        case devicesMissing = "devices_missing"
        case wallSeconds = "wall_seconds"
    }
}
