import SwarmKafka

/// How one batch's Kafka publish ended: per event, in the batch's order, `nil` for a delivered
/// event or why it was not.
package struct PublishOutcome: Sendable, Equatable {
    package var failures: [PublishFailure?]

    package init(failures: [PublishFailure?]) {
        self.failures = failures
    }

    package var failed: Bool { failures.contains { $0 != nil } }

    /// Raccoon's answer reason for a failed batch (`fmt.Sprintf("cannot publish events: %s",
    /// err)` of its `BulkError`): "error when sending messages: " and the first event's error,
    /// then ", " and each later one, `<nil>` where an event was delivered. When the first event
    /// was delivered, Go calls `Error()` on a nil error, the method panics and fmt prints the
    /// panic instead (raystack/raccoon `publisher/errors.go`, `server/websocket/handler.go`).
    package var raccoonReason: String {
        guard let first = failures.first, let first else {
            return "cannot publish events: %!s(PANIC=Error method: runtime error: invalid memory address or nil "
                + "pointer dereference)"
        }
        var text = "cannot publish events: error when sending messages: " + first.raccoonText
        for failure in failures.dropFirst() {
            text += ", " + (failure?.raccoonText ?? "<nil>")
        }
        return text
    }
}

/// Why one event was not published: librdkafka's code, the topic, and whether `produce` refused
/// it at once (a full queue, an unknown topic) or its delivery report said so later.
package struct PublishFailure: Sendable, Equatable {
    package var code: KafkaErrorCode
    package var topic: String
    package var synchronous: Bool

    package init(code: KafkaErrorCode, topic: String, synchronous: Bool) {
        self.code = code
        self.topic = topic
        self.synchronous = synchronous
    }

    /// The error as confluent-kafka-go prints it (librdkafka's text); an unknown topic refused by
    /// `Produce` gets its name after it, as Raccoon adds it (`kafka.go`).
    package var raccoonText: String {
        synchronous && code == .unknownTopic ? "\(code.text) \(topic)" : code.text
    }

    /// The label `/stats` and `/metrics` count it under: librdkafka's symbolic name in lower
    /// case without its leading underscore, e.g. `msg_timed_out`, `queue_full`, `unknown_topic`.
    package var reason: String {
        String(code.name.drop { $0 == "_" }).lowercased()
    }

    /// The failure of a `produce` call that threw.
    package init(_ error: KafkaError, topic: String) {
        let code: KafkaErrorCode
        switch error {
        case .queueFull: code = .queueFull
        case .messageTooLarge: code = .messageSizeTooLarge
        case .produceRejected(_, let rejected): code = rejected
        case .unknownTopic: code = .unknownTopic
        case .closed: code = .purgedFromQueue
        default: code = .failed
        }
        self.init(code: code, topic: topic, synchronous: true)
    }
}
