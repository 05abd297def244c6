/// What ``KafkaConsumer/read(topics:from:timeout:_:)`` read: per partition, where it started, the
/// high watermark it had to reach (taken when the call began), and where it got to.
public struct KafkaReadSummary: Sendable, Hashable, CustomStringConvertible {
    public struct Partition: Sendable, Hashable {
        public var topic: String
        public var partition: Int32
        /// The first offset to read: the partition's low watermark, or the first at the timestamp.
        public var startOffset: Int64
        /// The high watermark when the read began: the offset after the last message to read.
        public var endOffset: Int64
        /// The offset after the last message read (`startOffset` before any).
        public var nextOffset: Int64
        public var messagesRead: Int

        public var isCaughtUp: Bool { nextOffset >= endOffset }
        /// Offsets still to read (not necessarily all messages: transaction markers take offsets).
        public var remaining: Int64 { max(0, endOffset - nextOffset) }
    }

    public var partitions: [Partition]
    public var waited: Duration
    /// The last error the consumer met while reading (retried by librdkafka), if any.
    public var lastError: String?

    public var isCaughtUp: Bool { partitions.allSatisfy(\.isCaughtUp) }
    public var messagesRead: Int { partitions.reduce(0) { $0 + $1.messagesRead } }

    public var description: String {
        let topics = Set(partitions.map(\.topic)).count
        let read = "read \(messagesRead) message(s) from \(partitions.count) partition(s) of \(topics) topic(s)"
        if isCaughtUp { return "\(read) in \(waited.kafkaText), up to the high watermarks" }
        let behind = partitions.filter { !$0.isCaughtUp }.map {
            "\($0.topic) partition \($0.partition) at offset \($0.nextOffset) of \($0.endOffset)"
        }
        let why = lastError.map { "; last error: \($0)" } ?? ""
        return "\(read), but had not reached the high watermarks after \(waited.kafkaText): "
            + behind.joined(separator: ", ") + why
    }
}
