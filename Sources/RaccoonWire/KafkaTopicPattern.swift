import Foundation

/// Raccoon's `EVENT_DISTRIBUTION_PUBLISHER_PATTERN`: the topic an event of a type is published
/// to. The type replaces the first `%s` as is (no lower-casing, no sanitising), so `clickstream-%s-log`
/// sends `ScreenView` events to `clickstream-ScreenView-log`; a pattern without `%s` sends every
/// event to that one topic (raystack/raccoon `publisher/kafka/kafka.go`).
public struct KafkaTopicPattern: Sendable, Hashable, CustomStringConvertible {
    /// Raccoon's default.
    public static let raccoonDefault = KafkaTopicPattern("clickstream-%s-log")

    public let pattern: String

    public init(_ pattern: String) {
        self.pattern = pattern
    }

    /// The topic events of `type` go to.
    public func topic(for type: String) -> String {
        guard let range = pattern.range(of: "%s") else { return pattern }
        return pattern.replacingCharacters(in: range, with: type)
    }

    public var description: String { pattern }

    /// Why the pattern cannot name a Kafka topic, or `nil` when it can: it must not be empty, and
    /// outside `%s` only ASCII letters, digits, `.`, `_` and `-` may appear (Kafka's rule for topic
    /// names). An event type with other characters still fails at publish time, as in Raccoon.
    public var problem: String? {
        guard !pattern.isEmpty else { return "the topic pattern is empty; Raccoon's default is clickstream-%s-log" }
        let fixed = pattern.replacingOccurrences(of: "%s", with: "")
        let legal = fixed.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || "._-".unicodeScalars.contains(scalar))
        }
        guard legal else {
            return "the topic pattern '\(pattern)' has characters Kafka refuses in a topic name; use letters, digits, "
                + "'.', '_', '-' and %s for the event type"
        }
        guard fixed.utf8.count <= 200 else { return "the topic pattern '\(pattern)' is longer than 200 characters" }
        return nil
    }
}
