import NIOCore
import RaccoonWire

/// An event as the funnel names it: enough for the observer, whichever table holds it.
public struct EventRef: Sendable, Equatable {
    public var guid: String
    public var type: String
    public var intendedAt: NIODeadline
}

/// One stored event: the wrapped Raccoon event with what the scheduler needs to know about it.
public struct StoredEvent: Sendable, Equatable {
    /// Stable identity within the store (insertion order).
    public let id: UInt64
    public let guid: String
    public let eventClass: EventClass
    public let event: RaccoonEvent
    /// When the app intended the event (for latency from intended creation time).
    public let intendedAt: NIODeadline
    /// The event's own timestamp in whole seconds (Android's `eventTimeStamp`, its sort key).
    public let timestamp: Int64
    /// One of the SDK's own health rows (Android keeps them in the event table).
    public let isHealth: Bool
    /// The req_guid of the batch it is in flight with (Android `isOnGoing`; iOS: it sits in
    /// the retry cache), if any.
    public internal(set) var inFlight: String?
    /// The last req_guid it was batched under (Android `eventRequestGuid`); kept on release.
    public internal(set) var requestGUID: String?
    /// SQLite rowid: `INSERT OR REPLACE` gives a new one, `UPDATE` keeps it.
    public internal(set) var rowid: UInt64
    /// Written to a socket at least once (so its next send may be a duplicate).
    public internal(set) var written = false

    /// Bytes of `event_bytes`, for the store-size knob.
    public var size: Int { event.eventBytes.count }
    public var ref: EventRef { EventRef(guid: guid, type: event.type, intendedAt: intendedAt) }
}

/// A batch sent and not done with: Android's `CSRetryableCallback` (memory only), iOS's
/// `eventRequest` retry-cache row (persisted).
public struct PendingRequest: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case events
        /// The SDK's own health rows (Android: a batch whose first row is health; iOS: the
        /// internal health batch).
        case health
    }

    public let guid: String
    public var events: [RaccoonEvent]
    public var refs: [EventRef]
    /// The rows it carries (none for an iOS health batch, which has no rows).
    public var rowIDs: [UInt64]
    public var kind: Kind
    /// Android `retryCount`; iOS `retriesMade`.
    public var retries = 0
    /// Writes that reached a socket: the observer's attempt number.
    public var writes = 0
    /// iOS `timeStamp`: the last send.
    public var lastSent: NIODeadline
    /// Insertion order (iOS `fetchAll` reads the cache in rowid order).
    public var order: UInt64
    /// Android: the foreground session that made it; its acks reach the rows only while that
    /// session lasts (`CSNetworkManager.kt:86-104`).
    public var session: UInt64
    /// Android: the 10 s ack timer's deadline.
    public var timeoutAt: NIODeadline?
    /// Android: its retries ran out on timeouts; it still listens for a late ack.
    public var exhausted = false
    /// iOS: re-inserted by a resend after its ack had removed it; its events are accounted.
    public var answered = false
}

/// The phone's database for one SDK: the event table, the iOS retry cache, the batch-size
/// regulator's stored count and the health table. Everything here survives an app kill (the
/// policy says whether the retry cache is kept or forgotten then).
public struct DeliveryTables: Sendable {
    public enum InsertResult: Equatable, Sendable {
        case stored
        /// The store-size knob: the new event is dropped with this reason.
        case dropped(reason: String)
    }

    /// Which read order the rows are indexed for.
    public enum Indexing: Sendable, Equatable {
        case newestFirst
        case perClassInsertion
    }

    public let capacityEvents: Int
    public let capacityBytes: Int
    public private(set) var rows: [UInt64: StoredEvent] = [:]
    public var requests: [String: PendingRequest] = [:]
    /// iOS `UserDefaults["regulatedNumberOfItemsPerBatch"]`.
    public var regulatedBatchCount = 0
    /// The last req_guid number handed out (never reused, across launches too).
    public var requestSequence: UInt64 = 0
    public var health = HealthTracker()
    public private(set) var bytes = 0
    public private(set) var indexing = Indexing.newestFirst
    private var newest = NewestFirstIndex()
    private var queues: [EventClass: ClassQueue] = [:]
    private var nextID: UInt64 = 0
    private var nextRowid: UInt64 = 1
    private var nextOrder: UInt64 = 0

    /// Rows of one class not in flight, in rowid order, read from `head` on.
    private struct ClassQueue: Sendable {
        var ids: [UInt64] = []
        var head = 0
        var live: ArraySlice<UInt64> { ids[head...] }
    }

    public init(capacityEvents: Int = .max, capacityBytes: Int = .max) {
        self.capacityEvents = capacityEvents
        self.capacityBytes = capacityBytes
    }

    public var count: Int { rows.count }

    /// Reindexes for a flavor's reads (an SDK instance calls it when it opens the store).
    public mutating func prepare(_ indexing: Indexing) {
        guard indexing != self.indexing else { return }
        self.indexing = indexing
        newest.removeAll()
        queues.removeAll()
        for row in rows.values.sorted(by: { $0.rowid < $1.rowid }) where row.inFlight == nil { index(row) }
    }

    @discardableResult
    public mutating func insert(
        guid: String, eventClass: EventClass, event: RaccoonEvent, intendedAt: NIODeadline, timestamp: Int64 = 0,
        isHealth: Bool = false, inFlight: String? = nil
    ) -> InsertResult {
        guard rows.count < capacityEvents, bytes + event.eventBytes.count <= capacityBytes else {
            return .dropped(reason: "store_full")
        }
        let row = StoredEvent(
            id: nextID, guid: guid, eventClass: eventClass, event: event, intendedAt: intendedAt, timestamp: timestamp,
            isHealth: isHealth, inFlight: inFlight, requestGUID: inFlight, rowid: takeRowid())
        nextID += 1
        rows[row.id] = row
        bytes += row.size
        if inFlight == nil { index(row) }
        return .stored
    }

    public func row(_ id: UInt64) -> StoredEvent? { rows[id] }

    /// Up to `limit` rows not in flight, in the Android ticker's order.
    public func newestWaiting(_ limit: Int) -> [UInt64] {
        indexing == .newestFirst ? newest.first(limit) : []
    }

    /// Rows of `eventClass` not in flight, oldest first; `limit` 0 takes them all.
    public func oldestWaiting(_ eventClass: EventClass, limit: Int) -> [UInt64] {
        guard let live = queues[eventClass]?.live else { return [] }
        return Array(limit > 0 ? live.prefix(limit) : live[...])
    }

    /// Every row not in flight, in rowid order (iOS `deleteAll()`).
    public var allWaiting: [UInt64] {
        rows.values.filter { $0.inFlight == nil }.sorted { $0.rowid < $1.rowid }.map(\.id)
    }

    /// Every row, `ORDER BY eventTimeStamp DESC` (Android `getAllEvents()`), ties by rowid.
    public var allNewestFirst: [UInt64] {
        rows.values.sorted { ($0.timestamp, $1.rowid) > ($1.timestamp, $0.rowid) }.map(\.id)
    }

    /// Every row in flight, in rowid order.
    public var allInFlight: [UInt64] {
        rows.values.filter { $0.inFlight != nil }.sorted { $0.rowid < $1.rowid }.map(\.id)
    }

    public var hasWaiting: Bool { rows.count > 0 && rows.values.contains { $0.inFlight == nil } }

    /// Marks rows in flight with `requestGUID`; `reinsert` gives them new rowids (Android
    /// `INSERT OR REPLACE`).
    public mutating func claim(_ ids: [UInt64], for requestGUID: String, reinsert: Bool) {
        for id in ids {
            guard var row = rows[id] else { continue }
            if row.inFlight == nil { unindex(row) }
            row.inFlight = requestGUID
            row.requestGUID = requestGUID
            if reinsert { row.rowid = takeRowid() }
            rows[id] = row
        }
    }

    /// Makes rows eligible again; `reinsert` gives them new rowids (the Android foreground
    /// reset re-inserts; a release is an `UPDATE`).
    public mutating func release(_ ids: [UInt64], reinsert: Bool) {
        for id in ids {
            guard var row = rows[id], row.inFlight != nil else { continue }
            row.inFlight = nil
            if reinsert { row.rowid = takeRowid() }
            rows[id] = row
            index(row)
        }
    }

    public mutating func markWritten(_ ids: [UInt64]) {
        for id in ids where rows[id]?.written == false { rows[id]?.written = true }
    }

    /// Removes acked or dropped rows.
    public mutating func delete(_ ids: [UInt64]) {
        for id in ids {
            guard let row = rows.removeValue(forKey: id) else { continue }
            bytes -= row.size
            if row.inFlight == nil { unindex(row) }
        }
    }

    /// The next insertion order for a request.
    public mutating func takeOrder() -> UInt64 {
        defer { nextOrder += 1 }
        return nextOrder
    }

    /// The retry cache in insertion order.
    public var requestsInOrder: [PendingRequest] { requests.values.sorted { $0.order < $1.order } }

    /// Every stored row, oldest first.
    public var allRows: [StoredEvent] { rows.values.sorted { $0.id < $1.id } }

    private mutating func takeRowid() -> UInt64 {
        defer { nextRowid += 1 }
        return nextRowid
    }

    private mutating func index(_ row: StoredEvent) {
        switch indexing {
        case .newestFirst:
            newest.insert(.init(timestamp: row.timestamp, rowid: row.rowid, id: row.id))
        case .perClassInsertion:
            var queue = queues.removeValue(forKey: row.eventClass) ?? ClassQueue()
            // Rows come back in rowid order (inserts, and releases of the oldest) nearly always.
            if let last = queue.live.last, let lastRow = rows[last], lastRow.rowid > row.rowid {
                let position = queue.live.firstIndex { (rows[$0]?.rowid ?? 0) > row.rowid } ?? queue.ids.endIndex
                queue.ids.insert(row.id, at: position)
            } else {
                queue.ids.append(row.id)
            }
            queues[row.eventClass] = queue
        }
    }

    private mutating func unindex(_ row: StoredEvent) {
        switch indexing {
        case .newestFirst:
            newest.remove(.init(timestamp: row.timestamp, rowid: row.rowid, id: row.id))
        case .perClassInsertion:
            guard var queue = queues.removeValue(forKey: row.eventClass) else { return }
            if queue.ids.indices.contains(queue.head), queue.ids[queue.head] == row.id {
                queue.head += 1
            } else if let position = queue.live.firstIndex(of: row.id) {
                queue.ids.remove(at: position)
            }
            if queue.head > 256, queue.head * 2 > queue.ids.count {
                queue.ids.removeFirst(queue.head)
                queue.head = 0
            }
            if queue.head < queue.ids.count { queues[row.eventClass] = queue }
        }
    }
}
