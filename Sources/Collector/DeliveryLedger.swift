import Foundation
import RaccoonWire
import SwarmPrimitives

/// Counters of one event type.
package struct TypeCounters: Sendable, Equatable {
    /// Events in batches that decoded, whatever happened to them next.
    package var received: UInt64 = 0
    /// Bytes of `event_bytes` received.
    package var bytes: UInt64 = 0
    /// Events published to the sink (acked, or accepted with the ack lost).
    package var delivered: UInt64 = 0
    /// Events answered with an injected error (not delivered).
    package var errored: UInt64 = 0
    /// Events delivered whose ack was dropped on purpose.
    package var ackLost: UInt64 = 0
    /// Events in a batch whose req_guid the connection had sent before (acked, not republished).
    package var deduplicated: UInt64 = 0

    package mutating func merge(_ other: TypeCounters) {
        received += other.received
        bytes += other.bytes
        delivered += other.delivered
        errored += other.errored
        ackLost += other.ackLost
        deduplicated += other.deduplicated
    }
}

/// Which events reached the sink: counts per type and, for events whose guid is a ClickSwarm
/// `EventGUID`, a bitmap of sequence numbers per (run, device). Mergeable, so each event loop
/// keeps its own and `/stats` merges them.
package struct DeliveryLedger: Sendable {
    package private(set) var types: [String: TypeCounters] = [:]
    package private(set) var devices: [UInt64: SequenceBitmap] = [:]
    /// Delivered events that carried a ClickSwarm guid, repeats included.
    package private(set) var guidEvents: UInt64 = 0
    /// Delivered events whose guid is not a ClickSwarm guid (or that have none).
    package private(set) var foreignEvents: UInt64 = 0
    /// Delivered events with empty `event_bytes`: the trace of a JSON client writing `eventBytes`.
    package private(set) var emptyPayloadEvents: UInt64 = 0

    package init() {}

    package static func deviceKey(run: UInt32, device: UInt32) -> UInt64 { UInt64(run) << 32 | UInt64(device) }

    /// Accounts one batch's events in a single pass: received and bytes always; delivered (with
    /// the guid bitmaps) when the batch went to the sink; and `extra` (errored, ack lost, ...)
    /// when given. Consecutive events of one type, and of one device, share a dictionary access.
    package mutating func account(
        _ events: [RaccoonEvent],
        delivered: Bool,
        extra: WritableKeyPath<TypeCounters, UInt64>? = nil
    ) {
        guard let first = events.first else { return }
        var runType = first.type
        var run = TypeCounters()
        var deviceKey: UInt64?
        var bitmap = SequenceBitmap()
        for event in events {
            if event.type != runType {
                types[runType, default: TypeCounters()].merge(run)
                runType = event.type
                run = TypeCounters()
            }
            run.received += 1
            run.bytes += UInt64(event.eventBytes.count)
            if let extra { run[keyPath: extra] += 1 }
            guard delivered else { continue }
            run.delivered += 1
            if event.eventBytes.isEmpty { emptyPayloadEvents += 1 }
            guard let guid = event.eventBytes.withUnsafeBytes({ ProtoFieldScanner.eventGUID(inContract: $0) }) else {
                foreignEvents += 1
                continue
            }
            guidEvents += 1
            let key = Self.deviceKey(run: guid.run, device: guid.device)
            if key != deviceKey {
                // Take the device's bitmap out while its run lasts, so inserts do not copy it.
                if let deviceKey { devices[deviceKey] = bitmap }
                bitmap = devices.removeValue(forKey: key) ?? SequenceBitmap()
                deviceKey = key
            }
            bitmap.insert(guid.sequence)
        }
        types[runType, default: TypeCounters()].merge(run)
        if let deviceKey { devices[deviceKey] = bitmap }
    }

    package mutating func merge(_ other: DeliveryLedger) {
        for (type, counters) in other.types { types[type, default: TypeCounters()].merge(counters) }
        for (key, bitmap) in other.devices { devices[key, default: SequenceBitmap()].formUnion(bitmap) }
        guidEvents += other.guidEvents
        foreignEvents += other.foreignEvents
        emptyPayloadEvents += other.emptyPayloadEvents
    }

    /// Distinct ClickSwarm guids delivered.
    package var uniqueDeliveries: UInt64 { devices.values.reduce(0) { $0 + UInt64($1.count) } }

    /// Deliveries of a ClickSwarm guid that had been delivered before.
    package var duplicateDeliveries: UInt64 { guidEvents - uniqueDeliveries }

    /// The sequence numbers delivered for one device of one run.
    package func deliveries(run: UInt32, device: UInt32) -> SequenceBitmap {
        devices[Self.deviceKey(run: run, device: device)] ?? SequenceBitmap()
    }
}
