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
        var reason: String?
    }

    struct Aggregate: Sendable {
        var name: String
        var counts = Counts()
    }

    /// Instant records waiting to be sent, in order.
    private(set) var instants: [HealthRecord] = []
    /// Aggregates waiting to be sent, per name.
    private(set) var aggregates: [HealthEventName: Aggregate] = [:]
    private var totals: [Key: Counts] = [:]

    public init() {}

    /// Nothing waits to be sent.
    public var isEmpty: Bool { instants.isEmpty && aggregates.isEmpty }

    public mutating func record(_ record: HealthRecord) {
        totals[Key(event: record.event, reason: record.reason), default: Counts()].add(record)
        switch record.kind {
        case .instant: instants.append(record)
        case .aggregate: aggregates[record.event, default: Aggregate(name: record.name)].counts.add(record)
        }
    }

    /// Everything recorded in this store so far (sent or not), for one name and reason.
    public func count(_ event: HealthEventName, reason: String? = nil) -> Counts {
        totals[Key(event: event, reason: reason)] ?? Counts()
    }

    /// Everything recorded so far for one name, whatever the reason.
    public func total(_ event: HealthEventName) -> Counts {
        var sum = Counts()
        for (key, counts) in totals where key.event == event {
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
            guard let aggregate = aggregates[event] else { continue }
            var proto = HealthEvent()
            proto.eventName = aggregate.name
            proto.eventCount = aggregate.counts.events > 0 ? aggregate.counts.events : aggregate.counts.occurrences
            proto.batchCount = aggregate.counts.batches
            protos.append(proto)
        }
        for record in instants {
            var proto = HealthEvent()
            proto.eventName = record.name
            proto.failureReason = record.reason ?? ""
            // One at a time: clickstream-ios 2.0.92 `Tracker.swift:189`, Android `:98-188`.
            proto.eventCount = 1
            proto.batchCount = record.batchGUID == nil ? 0 : 1
            if let batch = record.batchGUID { proto.batchGuids = [batch] }
            if let took = record.timeToConnection {
                proto.timeToConnectionMs = UInt32(clamping: took.nanoseconds / 1_000_000)
            }
            protos.append(proto)
        }
        instants.removeAll()
        aggregates.removeAll()
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
