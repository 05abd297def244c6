import Foundation
import NIOCore
import RaccoonWire

/// One stored event: the wrapped Raccoon event with what the scheduler needs to know about it.
public struct StoredEvent: Sendable, Equatable {
    /// Insertion order within the store (newest has the highest id).
    public let id: UInt64
    public let guid: String
    public let eventClass: EventClass
    public let event: RaccoonEvent
    /// When the app intended the event (for latency from intended creation time).
    public let intendedAt: NIODeadline
    /// The req_guid of the batch it is in flight with, if any.
    public internal(set) var inFlight: String?

    public var size: Int { event.eventBytes.count }
}

/// A device's persistent event store (SQLite on iOS, Room on Android): bounded in events and
/// bytes, owned by the device rather than the SDK instance so that it survives an app kill; the
/// next SDK instance reattaches to it, and what was in flight is eligible again.
public final class EventStore {
    public enum InsertResult: Equatable, Sendable {
        case stored
        /// The store was full: the new event is dropped with this reason.
        case dropped(reason: String)
    }

    public let capacityEvents: Int
    public let capacityBytes: Int
    private var rows: [UInt64: StoredEvent] = [:]
    /// Ids per class in insertion order. Deleted ids are trimmed off both ends at once (Android
    /// acks the newest rows, iOS the oldest) and compacted out of the middle only when they
    /// outnumber the live ones, so an ack costs the same however deep the store is.
    private var order: [EventClass: ClassOrder] = [:]

    private struct ClassOrder {
        var ids: [UInt64] = []
        /// Ids before this index are all deleted.
        var head = 0
        /// Deleted ids still between `head` and the end.
        var garbage = 0

        var live: ArraySlice<UInt64> { ids[head...] }
    }
    private var nextID: UInt64 = 0
    public private(set) var bytes = 0
    /// Running average event size, for the iOS batch rule.
    public private(set) var averageSize: Double = 0
    private var sizeSamples: Double = 0

    public init(capacityEvents: Int, capacityBytes: Int) {
        self.capacityEvents = capacityEvents
        self.capacityBytes = capacityBytes
    }

    public var count: Int { rows.count }

    public func insert(guid: String, eventClass: EventClass, event: RaccoonEvent, intendedAt: NIODeadline)
        -> InsertResult
    {
        let size = event.eventBytes.count
        guard rows.count < capacityEvents else { return .dropped(reason: "store_full") }
        guard bytes + size <= capacityBytes else { return .dropped(reason: "store_full") }
        let id = nextID
        nextID += 1
        rows[id] = StoredEvent(id: id, guid: guid, eventClass: eventClass, event: event, intendedAt: intendedAt)
        order[eventClass, default: ClassOrder()].ids.append(id)
        bytes += size
        sizeSamples += 1
        averageSize += (Double(size) - averageSize) / sizeSamples
        return .stored
    }

    /// Up to `limit` rows of `eventClass` not in flight, newest first (the Android rule).
    public func newest(_ eventClass: EventClass, limit: Int) -> [StoredEvent] {
        var picked: [StoredEvent] = []
        for id in (order[eventClass]?.live ?? []).reversed() {
            guard picked.count < limit else { break }
            if let row = rows[id], row.inFlight == nil { picked.append(row) }
        }
        return picked
    }

    /// Rows of `eventClass` not in flight, oldest first, as many as fit `maxBytes` by the
    /// running average size (the iOS rule); at least one when any is waiting.
    public func fitting(_ eventClass: EventClass, maxBytes: Int) -> [StoredEvent] {
        let limit = max(1, averageSize > 0 ? Int(Double(maxBytes) / averageSize) : Int.max)
        var picked: [StoredEvent] = []
        for id in order[eventClass]?.live ?? [] {
            guard picked.count < limit else { break }
            if let row = rows[id], row.inFlight == nil { picked.append(row) }
        }
        return picked
    }

    /// Every class that has rows waiting (not in flight).
    public var classesWaiting: Set<EventClass> {
        Set(rows.values.lazy.filter { $0.inFlight == nil }.map(\.eventClass))
    }

    public func markInFlight(_ ids: [UInt64], requestGUID: String) {
        for id in ids { rows[id]?.inFlight = requestGUID }
    }

    /// Makes a batch's rows eligible again (Android, after its retries; an app kill).
    public func release(_ ids: [UInt64]) {
        for id in ids { rows[id]?.inFlight = nil }
    }

    /// Removes acked (or dropped) rows.
    public func delete(_ ids: [UInt64]) {
        var touched: Set<EventClass> = []
        for id in ids {
            guard let row = rows.removeValue(forKey: id) else { continue }
            bytes -= row.size
            order[row.eventClass]?.garbage += 1
            touched.insert(row.eventClass)
        }
        for eventClass in touched { trim(eventClass) }
    }

    private func trim(_ eventClass: EventClass) {
        guard var classOrder = order.removeValue(forKey: eventClass) else { return }
        while classOrder.head < classOrder.ids.count, rows[classOrder.ids[classOrder.head]] == nil {
            classOrder.head += 1
            classOrder.garbage -= 1
        }
        while classOrder.ids.count > classOrder.head, let last = classOrder.ids.last, rows[last] == nil {
            classOrder.ids.removeLast()
            classOrder.garbage -= 1
        }
        let live = classOrder.ids.count - classOrder.head - classOrder.garbage
        if classOrder.garbage > 64, classOrder.garbage > live {
            classOrder.ids = classOrder.live.filter { rows[$0] != nil }
            classOrder.head = 0
            classOrder.garbage = 0
        } else if classOrder.head > 1024, classOrder.head > classOrder.ids.count / 2 {
            classOrder.ids.removeFirst(classOrder.head)
            classOrder.head = 0
        }
        if classOrder.ids.count > classOrder.head { order[eventClass] = classOrder }
    }

    public func row(_ id: UInt64) -> StoredEvent? { rows[id] }

    /// A new SDK instance takes the store over after an app kill: in-memory work (what was in
    /// flight) is lost, the rows are not.
    public func reattach() {
        for id in Array(rows.keys) { rows[id]?.inFlight = nil }
    }

    /// Every row, oldest first (for accounting what is pending at the end of a run).
    public var allRows: [StoredEvent] { rows.values.sorted { $0.id < $1.id } }
}
