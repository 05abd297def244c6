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
    /// Events acked OK before publishing (immediate acks) whose publish then failed: lost.
    package var lostAfterAck: UInt64 = 0
    /// Events whose Kafka publish failed in after-publish mode: their batch was answered with
    /// an error (so the client keeps them to retry).
    package var publishFailed: UInt64 = 0

    package mutating func merge(_ other: TypeCounters) {
        received += other.received
        bytes += other.bytes
        delivered += other.delivered
        publishFailed += other.publishFailed
        errored += other.errored
        ackLost += other.ackLost
        deduplicated += other.deduplicated
        lostAfterAck += other.lostAfterAck
    }
}

/// Which events reached the sink: counts per type and, for events whose guid is a ClickSwarm
/// `EventGUID`, a bitmap of sequence numbers per (run, device). Mergeable, so each event loop
/// keeps its own and `/stats` merges them.
package struct DeliveryLedger: Sendable {
    /// Counters by event type: at most `maxTypes` named ones, the rest under `otherType`.
    package private(set) var types: [String: TypeCounters] = [:]
    /// Distinct event types counted under `otherType` (estimated).
    package private(set) var foldedTypes = DistinctCounter()
    package let maxTypes: Int
    package private(set) var devices: [UInt64: SequenceBitmap] = [:]
    /// Sequence numbers per (run, device) of events lost after their ack, so a run can tell
    /// these acked-but-undelivered events from unexplained ones.
    package private(set) var lostAfterAck: [UInt64: SequenceBitmap] = [:]
    /// Delivered events that carried a ClickSwarm guid, repeats included.
    package private(set) var guidEvents: UInt64 = 0
    /// Delivered events whose guid is not a ClickSwarm guid (or that have none).
    package private(set) var foreignEvents: UInt64 = 0
    /// Delivered events with empty `event_bytes`: the trace of a JSON client writing `eventBytes`.
    package private(set) var emptyPayloadEvents: UInt64 = 0
    /// Events of every batch accounted, whatever became of them: what the ingest throttle
    /// (`max_events_per_second`) charges its token bucket with.
    package private(set) var eventsAccounted: UInt64 = 0

    /// Where the types beyond `maxTypes`, and names longer than `longestTypeName`, are counted.
    package static let otherType = "other"
    /// UTF-8 bytes of the longest type name counted under its own name.
    package static let longestTypeName = 200

    package init(maxTypes: Int = 1000) {
        self.maxTypes = maxTypes
    }

    package static func deviceKey(run: UInt32, device: UInt32) -> UInt64 { UInt64(run) << 32 | UInt64(device) }

    /// Accounts one batch's events in a single pass: received and bytes always; delivered (with
    /// the guid bitmaps) when the batch went to the sink; and `extra` (errored, ack lost, ...)
    /// when given.
    package mutating func account(
        _ events: [RaccoonEvent],
        delivered: Bool,
        extra: WritableKeyPath<TypeCounters, UInt64>? = nil
    ) {
        account(events, extra: extra, guids: delivered ? .delivered : .ignored)
    }

    /// Accounts a batch acked OK and then lost by its publish: counted per type as
    /// `lostAfterAck`, its ClickSwarm guids kept in `lostAfterAck`'s bitmaps, not delivered.
    package mutating func accountLostAfterAck(_ events: [RaccoonEvent]) {
        account(events, extra: \.lostAfterAck, guids: .lostAfterAck)
    }

    /// Accounts the Kafka outcome of events already counted as received (`account` with
    /// `delivered: false` when the batch arrived): delivered (with `extra`, such as an ack lost),
    /// lost after their ack, or failed (after-publish mode).
    package mutating func settle(_ events: [RaccoonEvent], as outcome: Settlement) {
        switch outcome {
        case .delivered(let extra): account(events, extra: extra, guids: .delivered, countReceived: false)
        case .lostAfterAck: account(events, extra: \.lostAfterAck, guids: .lostAfterAck, countReceived: false)
        case .publishFailed: account(events, extra: \.publishFailed, guids: .ignored, countReceived: false)
        }
    }

    /// What became of events handed to Kafka.
    package enum Settlement {
        case delivered(extra: WritableKeyPath<TypeCounters, UInt64>?)
        case lostAfterAck
        case publishFailed
    }

    /// Where a batch's guids go.
    private enum GuidDestination {
        case ignored
        /// `devices`, and the events count as delivered.
        case delivered
        case lostAfterAck
    }

    /// The one pass behind both. Consecutive events of one type, and of one device, share a
    /// dictionary access.
    private mutating func account(
        _ events: [RaccoonEvent],
        extra: WritableKeyPath<TypeCounters, UInt64>?,
        guids destination: GuidDestination,
        countReceived: Bool = true
    ) {
        guard let first = events.first else { return }
        eventsAccounted &+= UInt64(events.count)
        let delivered = destination == .delivered
        var runType = first.type
        var run = TypeCounters()
        var deviceKey: UInt64?
        var bitmap = SequenceBitmap()
        for event in events {
            if event.type != runType {
                add(run, type: runType)
                runType = event.type
                run = TypeCounters()
            }
            if countReceived {
                run.received += 1
                run.bytes += UInt64(event.eventBytes.count)
            }
            if let extra { run[keyPath: extra] += 1 }
            guard destination != .ignored else { continue }
            if delivered {
                run.delivered += 1
                if event.eventBytes.isEmpty { emptyPayloadEvents += 1 }
            }
            guard let guid = event.eventBytes.withUnsafeBytes({ ProtoFieldScanner.eventGUID(inContract: $0) }) else {
                if delivered { foreignEvents += 1 }
                continue
            }
            if delivered { guidEvents += 1 }
            let key = Self.deviceKey(run: guid.run, device: guid.device)
            if key != deviceKey {
                // Take the device's bitmap out while its run lasts, so inserts do not copy it.
                if let deviceKey { store(bitmap, for: deviceKey, in: destination) }
                bitmap = take(key, from: destination)
                deviceKey = key
            }
            bitmap.insert(guid.sequence)
        }
        add(run, type: runType)
        if let deviceKey { store(bitmap, for: deviceKey, in: destination) }
    }

    /// Adds one type's counters: under its name while there is room (or it has a row already),
    /// else under `otherType`, remembering only that one more distinct type was folded.
    private mutating func add(_ counters: TypeCounters, type: String) {
        if types[type] != nil {
            types[type]!.merge(counters)
            return
        }
        let named = types.count - (types[Self.otherType] == nil ? 0 : 1)
        if type == Self.otherType || (named < maxTypes && type.utf8.count <= Self.longestTypeName) {
            types[type] = counters
        } else {
            types[Self.otherType, default: TypeCounters()].merge(counters)
            foldedTypes.insert(type)
        }
    }

    private mutating func take(_ key: UInt64, from destination: GuidDestination) -> SequenceBitmap {
        switch destination {
        case .ignored: return SequenceBitmap()
        case .delivered: return devices.removeValue(forKey: key) ?? SequenceBitmap()
        case .lostAfterAck: return lostAfterAck.removeValue(forKey: key) ?? SequenceBitmap()
        }
    }

    private mutating func store(_ bitmap: SequenceBitmap, for key: UInt64, in destination: GuidDestination) {
        switch destination {
        case .ignored: break
        case .delivered: devices[key] = bitmap
        case .lostAfterAck: lostAfterAck[key] = bitmap
        }
    }

    package mutating func merge(_ other: DeliveryLedger) {
        for (type, counters) in other.types { add(counters, type: type) }
        foldedTypes.merge(other.foldedTypes)
        for (key, bitmap) in other.devices { devices[key, default: SequenceBitmap()].formUnion(bitmap) }
        for (key, bitmap) in other.lostAfterAck { lostAfterAck[key, default: SequenceBitmap()].formUnion(bitmap) }
        guidEvents += other.guidEvents
        foreignEvents += other.foreignEvents
        emptyPayloadEvents += other.emptyPayloadEvents
        eventsAccounted &+= other.eventsAccounted
    }

    /// Distinct ClickSwarm guids delivered.
    package var uniqueDeliveries: UInt64 { devices.values.reduce(0) { $0 + UInt64($1.count) } }

    /// Deliveries of a ClickSwarm guid that had been delivered before.
    package var duplicateDeliveries: UInt64 { guidEvents - uniqueDeliveries }

    /// The sequence numbers delivered for one device of one run.
    package func deliveries(run: UInt32, device: UInt32) -> SequenceBitmap {
        devices[Self.deviceKey(run: run, device: device)] ?? SequenceBitmap()
    }

    /// Every device of `run` in `bitmaps` (`devices` or `lostAfterAck`), by device index.
    package func byDevice(_ bitmaps: [UInt64: SequenceBitmap], run: UInt32) -> [UInt32: SequenceBitmap] {
        var result: [UInt32: SequenceBitmap] = [:]
        for (key, bitmap) in bitmaps where UInt32(truncatingIfNeeded: key >> 32) == run {
            result[UInt32(truncatingIfNeeded: key)] = bitmap
        }
        return result
    }
}
