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

    private var recorded: [Key: Counts] = [:]
    /// The two records made for every event, kept out of the dictionary (they were a fifth of
    /// the cost of `track`).
    private var received = Counts()
    private var cached = Counts()

    public init() {}

    /// Every aggregate so far, by name and reason.
    public var aggregates: [Key: Counts] {
        var all = recorded
        if received.occurrences > 0 { all[Key(name: "Event Received", reason: nil)] = received }
        if cached.occurrences > 0 { all[Key(name: "Event Cached", reason: nil)] = cached }
        return all
    }

    /// "Event Received", one event.
    public mutating func recordReceived() {
        received.occurrences += 1
        received.events += 1
    }

    /// "Event Cached", one event.
    public mutating func recordCached() {
        cached.occurrences += 1
        cached.events += 1
    }

    public mutating func record(
        _ name: String, reason: String? = nil, events: UInt64 = 0, batches: UInt64 = 0,
        timeToConnect: TimeAmount = .zero
    ) {
        if reason == nil, name == "Event Received" {
            received.add(events: events, batches: batches, timeToConnect: timeToConnect)
            return
        }
        if reason == nil, name == "Event Cached" {
            cached.add(events: events, batches: batches, timeToConnect: timeToConnect)
            return
        }
        recorded[Key(name: name, reason: reason), default: Counts()].add(
            events: events, batches: batches, timeToConnect: timeToConnect)
    }

    /// Hands the aggregates over and starts again (called when they go out in a health batch).
    public mutating func drain() -> [(Key, Counts)] {
        let all = aggregates
        recorded.removeAll()
        received = Counts()
        cached = Counts()
        return all.sorted { ($0.key.name, $0.key.reason ?? "") < ($1.key.name, $1.key.reason ?? "") }
            .map { ($0.key, $0.value) }
    }

    public func count(_ name: String, reason: String? = nil) -> Counts {
        aggregates[Key(name: name, reason: reason)] ?? Counts()
    }
}

extension HealthTracker.Counts {
    mutating func add(events: UInt64, batches: UInt64, timeToConnect: TimeAmount) {
        occurrences += 1
        self.events += events
        self.batches += batches
        timeToConnectNanoseconds += timeToConnect.nanoseconds
    }
}
