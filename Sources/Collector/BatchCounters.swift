/// Counters of batches (requests) and of what the collector answered.
package struct BatchCounters: Sendable, Equatable {
    package var received: UInt64 = 0
    package var bytes: UInt64 = 0
    package var protobuf: UInt64 = 0
    package var json: UInt64 = 0
    package var rest: UInt64 = 0
    /// `SendEvent` calls on the gRPC port.
    package var grpc: UInt64 = 0
    package var ok: UInt64 = 0
    package var empty: UInt64 = 0
    package var errored: UInt64 = 0
    package var ackLost: UInt64 = 0
    /// Acked OK before publishing (immediate acks), then lost by the publish (the error fault).
    package var lostAfterAck: UInt64 = 0
    /// Answered with Raccoon's publish error after a Kafka publish failed (after-publish mode).
    package var publishFailed: UInt64 = 0
    package var deduplicated: UInt64 = 0
    package var badRequest: UInt64 = 0
    package var tooLarge: UInt64 = 0
    /// JSON keys that no field matched (Raccoon ignores them silently).
    package var jsonUnknownKeys: UInt64 = 0

    package mutating func merge(_ other: BatchCounters) {
        received += other.received
        bytes += other.bytes
        protobuf += other.protobuf
        json += other.json
        rest += other.rest
        grpc += other.grpc
        ok += other.ok
        empty += other.empty
        errored += other.errored
        ackLost += other.ackLost
        lostAfterAck += other.lostAfterAck
        publishFailed += other.publishFailed
        deduplicated += other.deduplicated
        badRequest += other.badRequest
        tooLarge += other.tooLarge
        jsonUnknownKeys += other.jsonUnknownKeys
    }
}

/// Time from receiving a batch to writing its answer, in fixed Prometheus buckets.
package struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds.
    package static let bounds: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
    ]
    /// Counts per bucket (not cumulative); the last entry counts values above every bound.
    package private(set) var counts = [UInt64](repeating: 0, count: LatencyHistogram.bounds.count + 1)
    package private(set) var sum: Double = 0
    package private(set) var total: UInt64 = 0

    package init() {}

    package mutating func record(_ seconds: Double) {
        let index = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        counts[index] += 1
        sum += seconds
        total += 1
    }

    package mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        sum += other.sum
        total += other.total
    }

    /// Cumulative counts per bound, as Prometheus' `le` buckets.
    package var cumulative: [(bound: Double, count: UInt64)] {
        var running: UInt64 = 0
        return Self.bounds.enumerated().map { index, bound in
            running += counts[index]
            return (bound, running)
        }
    }
}
