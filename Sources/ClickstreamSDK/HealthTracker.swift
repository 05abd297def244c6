import NIOCore

/// The SDK's own health events (Event Received, Batch Sent, Batch Timeout, Connection Failure,
/// ...), aggregated per name and reason until the app goes to the background, when they are
/// sent as an `internal` batch.
public struct HealthTracker: Sendable {
    public struct Key: Hashable, Sendable {
        public var name: String
        public var reason: String?
    }

    public struct Counts: Equatable, Sendable {
        /// How many times it was recorded.
        public var occurrences: UInt64 = 0
        public var events: UInt64 = 0
        public var batches: UInt64 = 0
        /// For "Connection Success": the time to connect, summed over occurrences.
        public var timeToConnectNanoseconds: Int64 = 0

        /// The mean time to connect, in milliseconds.
        public var meanTimeToConnectMilliseconds: Double {
            occurrences == 0 ? 0 : Double(timeToConnectNanoseconds) / Double(occurrences) / 1e6
        }
    }

    public private(set) var aggregates: [Key: Counts] = [:]

    public init() {}

    public mutating func record(
        _ name: String, reason: String? = nil, events: UInt64 = 0, batches: UInt64 = 0,
        timeToConnect: TimeAmount = .zero
    ) {
        aggregates[Key(name: name, reason: reason), default: Counts()].timeToConnectNanoseconds +=
            timeToConnect.nanoseconds
        aggregates[Key(name: name, reason: reason), default: Counts()].occurrences += 1
        aggregates[Key(name: name, reason: reason), default: Counts()].events += events
        aggregates[Key(name: name, reason: reason), default: Counts()].batches += batches
    }

    /// Hands the aggregates over and starts again (called when they go out in a health batch).
    public mutating func drain() -> [(Key, Counts)] {
        defer { aggregates.removeAll() }
        return aggregates.sorted { ($0.key.name, $0.key.reason ?? "") < ($1.key.name, $1.key.reason ?? "") }
            .map { ($0.key, $0.value) }
    }

    public func count(_ name: String, reason: String? = nil) -> Counts {
        aggregates[Key(name: name, reason: reason)] ?? Counts()
    }
}
