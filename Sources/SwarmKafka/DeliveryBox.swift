/// What a produced message's opaque pointer holds: its callback and topic. Retained when the
/// message is queued (`Unmanaged.passRetained`), released exactly once: by its delivery report,
/// or at once if librdkafka refuses to queue the message.
final class DeliveryBox: Sendable {
    let topic: String
    let callback: @Sendable (KafkaDeliveryResult) -> Void

    init(topic: String, callback: @escaping @Sendable (KafkaDeliveryResult) -> Void) {
        self.topic = topic
        self.callback = callback
    }
}
