internal import CRdKafka
import Foundation

/// A message read back from a topic by ``KafkaConsumer``.
public struct KafkaMessage: Sendable, Hashable {
    /// When the message was created (by the producer) or appended (by the broker), as the topic's
    /// `message.timestamp.type` says.
    public struct Timestamp: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case createTime
            case logAppendTime
        }

        /// Milliseconds since 1970-01-01 00:00 UTC, as Kafka stores it.
        public var milliseconds: Int64
        public var kind: Kind

        public init(milliseconds: Int64, kind: Kind) {
            self.milliseconds = milliseconds
            self.kind = kind
        }

        public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
    }

    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// `nil` for a message without a key.
    public var key: [UInt8]?
    /// The value's bytes; a null value reads as empty.
    public var value: [UInt8]
    /// `nil` when the message has none (a pre-0.10 message format).
    public var timestamp: Timestamp?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], timestamp: Timestamp?,
        headers: [KafkaHeader]
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
    }

    /// Copies a consumed librdkafka message (which the caller still owns and destroys).
    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        let record = message.pointee
        self.topic = topic
        partition = record.partition
        offset = record.offset
        key = record.key.map { Array(UnsafeRawBufferPointer(start: $0, count: record.key_len)) }
        value = record.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: record.len)) } ?? []

        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(message, &type)
        switch type {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME: timestamp = Timestamp(milliseconds: milliseconds, kind: .createTime)
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME:
            timestamp = Timestamp(milliseconds: milliseconds, kind: .logAppendTime)
        default: timestamp = nil
        }
        headers = Self.headers(of: message)
    }

    private static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else {
                break
            }
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            headers.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return headers
    }
}
