/// Where the cluster stored a produced message: its delivery report when delivery succeeded.
public struct KafkaDeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// The message's offset in its partition; -1 when the broker does not say (`acks=0`).
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// The outcome of one produced message, as its delivery callback receives it.
public typealias KafkaDeliveryResult = Result<KafkaDeliveryReport, KafkaDeliveryError>
