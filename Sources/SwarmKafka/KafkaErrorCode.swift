internal import CRdKafka

/// A librdkafka error code (`rd_kafka_resp_err_t`): a broker's Kafka protocol error, or one of
/// librdkafka's local errors (negative, named with a leading underscore). Its `description` is
/// librdkafka's text with the symbolic name, e.g. "Local: Message timed out (_MSG_TIMED_OUT)".
public struct KafkaErrorCode: Sendable, Hashable, CustomStringConvertible {
    /// The numeric code, as librdkafka and the Kafka protocol define it.
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    init(_ error: rd_kafka_resp_err_t) { rawValue = error.rawValue }

    var cValue: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

    /// librdkafka's symbolic name without the `RD_KAFKA_RESP_ERR_` prefix, e.g. `_MSG_TIMED_OUT`.
    public var name: String { String(cString: rd_kafka_err2name(cValue)) }

    /// librdkafka's human-readable text, e.g. "Local: Message timed out".
    public var text: String { String(cString: rd_kafka_err2str(cValue)) }

    public var description: String { "\(text) (\(name))" }

    /// Every broker of the bootstrap list is down or unreachable.
    public static let allBrokersDown = KafkaErrorCode(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
    /// A connection failed or was closed (refused, reset, TLS).
    public static let transport = KafkaErrorCode(RD_KAFKA_RESP_ERR__TRANSPORT)
    /// A host name of the bootstrap list did not resolve.
    public static let resolve = KafkaErrorCode(RD_KAFKA_RESP_ERR__RESOLVE)
    /// A request got no answer in time.
    public static let timedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR__TIMED_OUT)
    /// A message was not delivered within `message.timeout.ms`.
    public static let messageTimedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
    /// A queued message was dropped by a purge (the producer closed before sending it).
    public static let purgedFromQueue = KafkaErrorCode(RD_KAFKA_RESP_ERR__PURGE_QUEUE)
    /// An in-flight message was dropped by a purge: the broker may or may not have stored it.
    public static let purgedInFlight = KafkaErrorCode(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
    /// The producer's local queue is full (`queue.buffering.max.messages` or `.kbytes`).
    public static let queueFull = KafkaErrorCode(RD_KAFKA_RESP_ERR__QUEUE_FULL)
    /// The message is larger than `message.max.bytes`.
    public static let messageSizeTooLarge = KafkaErrorCode(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
    /// The topic or partition does not exist on the broker.
    public static let unknownTopicOrPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    /// The topic is not known locally (not in the cluster's metadata).
    public static let unknownTopic = KafkaErrorCode(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
    /// The partition is not known locally.
    public static let unknownPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
    /// The consumer reached the end of a partition (the offset is the high watermark).
    public static let partitionEOF = KafkaErrorCode(RD_KAFKA_RESP_ERR__PARTITION_EOF)
    /// The broker refused access to the topic.
    public static let topicAuthorizationFailed = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
    /// The partition's leader is not the broker the request went to (retriable).
    public static let notLeaderForPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)

    /// A local failure librdkafka gives no more specific code for.
    public static let failed = KafkaErrorCode(RD_KAFKA_RESP_ERR__FAIL)

    /// Codes meaning no broker could be reached or answered in time.
    var meansUnreachable: Bool {
        [.allBrokersDown, .transport, .resolve, .timedOut].contains(self)
    }
}
