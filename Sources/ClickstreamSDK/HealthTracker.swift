import Foundation
import NIOCore
import RaccoonWire

/// The SDK's health table: what was recorded and not yet sent (instant names one record per
/// occurrence, aggregate names one per name, as both SDKs build their Health protos:
/// `DefaultCSHealthEventProcessor.kt:98-188`, `Tracker.swift:182-275`), plus ClickSwarm's running
/// totals for inspection. It lives in the phone's store, so it survives an app kill (Room
/// `HealthStats`, iOS `clickstream_utility/db.sqlite`).
public struct HealthTracker: Sendable {
    public struct Counts: Equatable, Sendable {
        /// How many times it was recorded.
        public var occurrences: UInt64 = 0
        public var events: UInt64 = 0
        public var batches: UInt64 = 0
        /// For the connection events: the time to connect, summed over occurrences.
        public var timeToConnectNanoseconds: Int64 = 0

        /// The mean time to connect, in milliseconds.
        public var meanTimeToConnectMilliseconds: Double {
            occurrences == 0 ? 0 : Double(timeToConnectNanoseconds) / Double(occurrences) / 1e6
        }

        mutating func add(_ record: HealthRecord) {
            occurrences += 1
            events += record.events
            batches += record.batches
            timeToConnectNanoseconds += record.timeToConnection?.nanoseconds ?? 0
        }
    }

    struct Key: Hashable, Sendable {
        var event: HealthEventName
        var reason: String
    }

    struct Aggregate: Sendable {
        var name: String
        var counts = Counts()
    }

    /// An instant record waiting to be sent, in 20 bytes: its name, reason and batch as
    /// indexes into `strings` (0: none), its time to connect in whole milliseconds.
    struct Instant: Sendable {
        var name: UInt32
        var reason: UInt32
        var batch: UInt32
        var timeToConnectionMs: UInt32
        var hasTimeToConnection: Bool
    }

    /// Instant records waiting to be sent, in order (Android's health table is unbounded:
    /// a phone whose batches are skipped for its battery records one every tick).
    private(set) var instants: [Instant] = []
    /// Aggregates waiting to be sent, by `HealthEventName.ordinal` (nil: none).
    private var aggregates = [Aggregate?](repeating: nil, count: HealthEventName.allCases.count)
    private var waitingAggregates = 0
    /// Everything recorded, by name (no reason) and by name and reason.
    private var plainTotals = [Counts](repeating: Counts(), count: HealthEventName.allCases.count)
    private var reasonTotals: [Key: Counts] = [:]
    /// The names, reasons and batch guids of the instants, interned (index 0 is unused).
    private var strings: [String] = [""]
    private var stringCodes: [String: UInt32] = [:]

    public init() {}

    /// Nothing waits to be sent.
    public var isEmpty: Bool { instants.isEmpty && waitingAggregates == 0 }

    public mutating func record(_ record: HealthRecord) {
        let ordinal = record.event.ordinal
        if let reason = record.reason {
            reasonTotals[Key(event: record.event, reason: reason), default: Counts()].add(record)
        } else {
            plainTotals[ordinal].add(record)
        }
        switch record.kind {
        case .instant:
            let took = record.timeToConnection.map { UInt32(clamping: $0.nanoseconds / 1_000_000) }
            instants.append(
                Instant(
                    name: code(record.name), reason: record.reason.map { code($0) } ?? 0,
                    batch: record.batchGUID.map { code($0) } ?? 0, timeToConnectionMs: took ?? 0,
                    hasTimeToConnection: took != nil))
        case .aggregate:
            if aggregates[ordinal] == nil {
                aggregates[ordinal] = Aggregate(name: record.name)
                waitingAggregates += 1
            }
            aggregates[ordinal]?.counts.add(record)
        }
    }

    private mutating func code(_ text: String) -> UInt32 {
        if let code = stringCodes[text] { return code }
        strings.append(text)
        let code = UInt32(strings.count - 1)
        stringCodes[text] = code
        return code
    }

    /// Everything recorded in this store so far (sent or not), for one name and reason.
    public func count(_ event: HealthEventName, reason: String? = nil) -> Counts {
        guard let reason else { return plainTotals[event.ordinal] }
        return reasonTotals[Key(event: event, reason: reason)] ?? Counts()
    }

    /// Everything recorded so far for one name, whatever the reason.
    public func total(_ event: HealthEventName) -> Counts {
        var sum = plainTotals[event.ordinal]
        for (key, counts) in reasonTotals where key.event == event {
            sum.occurrences += counts.occurrences
            sum.events += counts.events
            sum.batches += counts.batches
            sum.timeToConnectNanoseconds += counts.timeToConnectNanoseconds
        }
        return sum
    }

    /// Takes every waiting record out as Health protos, wrapped as Raccoon events of type
    /// `health` with only `event_bytes` and `type` set (both flavors). Aggregates first, in a
    /// fixed name order (never a hash table's), then the instants in recorded order.
    /// - Parameter makeGUID: the guid of the next Health proto.
    public mutating func drain(at wallTime: Date, makeGUID: () -> String) -> [(guid: String, event: RaccoonEvent)] {
        var protos: [HealthEvent] = []
        for event in HealthEventName.allCases {
            guard let aggregate = aggregates[event.ordinal] else { continue }
            var proto = HealthEvent()
            proto.eventName = aggregate.name
            proto.eventCount = aggregate.counts.events > 0 ? aggregate.counts.events : aggregate.counts.occurrences
            proto.batchCount = aggregate.counts.batches
            protos.append(proto)
        }
        for record in instants {
            var proto = HealthEvent()
            proto.eventName = strings[Int(record.name)]
            proto.failureReason = strings[Int(record.reason)]
            // One at a time: clickstream-ios 2.0.92 `Tracker.swift:189`, Android `:98-188`.
            proto.eventCount = 1
            proto.batchCount = record.batch == 0 ? 0 : 1
            if record.batch != 0 { proto.batchGuids = [strings[Int(record.batch)]] }
            if record.hasTimeToConnection { proto.timeToConnectionMs = record.timeToConnectionMs }
            protos.append(proto)
        }
        instants.removeAll()
        aggregates = [Aggregate?](repeating: nil, count: HealthEventName.allCases.count)
        waitingAggregates = 0
        return protos.map { proto in
            var proto = proto
            proto.eventGuid = makeGUID()
            proto.eventTimestamp = ProtoTimestamp(date: wallTime)
            var wrapped = RaccoonEvent()
            wrapped.eventBytes = (try? proto.serializedData()) ?? Data()
            wrapped.type = SDKConfiguration.healthEventType
            return (proto.eventGuid, wrapped)
        }
    }
}
