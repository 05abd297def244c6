import NIOCore
import RaccoonWire

/// The phone's database for one SDK: the event table, the iOS retry cache, the batch-size
/// regulator's stored count and the health table. Everything here survives an app kill (the
/// policy says whether the retry cache is kept or forgotten then).
///
/// The event table keeps each row in 40 bytes (`Row`, in `RowTable`'s chunks) and its read
/// orders as lists of row ids: the strings a row stands for (its guid, its type, its req_guids)
/// are kept once per store, and an event tracked from a recipe keeps no bytes at all.
///
/// Why this file is longer than 400 lines: the rows, their read-order indexes and the request
/// codes keep invariants together (a row is indexed exactly while it is stored and not in flight;
/// a request code names one req_guid), and their state is `private` so that nothing outside this
/// file can break them. Splitting it into extensions in other files would make that state
/// module-wide.
public struct DeliveryTables {
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
    public var requests: [String: PendingRequest] = [:]
    /// iOS `UserDefaults["regulatedNumberOfItemsPerBatch"]`.
    public var regulatedBatchCount = 0
    /// The last req_guid number handed out (never reused, across launches too).
    public var requestSequence: UInt64 = 0
    public var health = HealthTracker()
    public private(set) var bytes = 0
    public private(set) var indexing = Indexing.newestFirst
    /// The Raccoon event types of the rows and refs, by index.
    public var types = EventTypeTable()
    /// The iOS optional fields `product` and `app_version` of the recipe rows (the SDK that
    /// tracks them sets these).
    public var product = ""
    public var appVersion = ""
    /// The req_guids this store hands out are this prefix and a number (`"<device>-"`); the
    /// rows keep the number.
    var requestPrefix = ""

    var rows = RowTable()
    private var newest = NewestFirstIndex()
    /// Per class code: the rows of that class not in flight, in rowid order, read from `head` on.
    private var queues: [ClassQueue] = []
    private var classes: [EventClass] = []
    private var waiting = 0
    private var nextRowid: UInt32 = 1
    private var nextOrder: UInt64 = 0
    /// The run and device of the compact guids (a guid of another is kept as text).
    private var guidOwner: (run: UInt32, device: UInt32)?
    private var guidTexts: [UInt64: String] = [:]
    private var bigSizes: [UInt64: Int] = [:]
    private var encoded: [ByteBuffer?] = []
    private var freeEncoded: [UInt32] = []
    private var requestTexts: [String] = []
    private var requestTextCodes: [String: UInt32] = [:]

    private struct ClassQueue {
        var ids: [UInt32] = []
        var head = 0
        var live: ArraySlice<UInt32> { ids[head...] }
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
        var waitingRows: [(UInt64, Row)] = []
        rows.forEach { id, row in if row.inFlight == 0 { waitingRows.append((id, row)) } }
        for (id, row) in waitingRows.sorted(by: { $0.1.rowid < $1.1.rowid }) { index(id, row) }
    }

    // MARK: Inserting

    /// Inserts an event tracked as a contract, or one of the SDK's own health events (for the
    /// state machine, tests and tools); `timestamp` is in whole seconds.
    @discardableResult
    public mutating func insert(
        guid: String, eventClass: EventClass, event: RaccoonEvent, intendedAt: NIODeadline, timestamp: Int64 = 0,
        isHealth: Bool = false, inFlight: String? = nil
    ) -> InsertResult {
        let tracked = TrackedEvent(
            guid: guid, eventClass: eventClass, event: event, intendedAt: intendedAt, timestamp: timestamp)
        return insert(tracked, isHealth: isHealth, inFlight: inFlight)
    }

    /// Inserts a tracked event (its type interned if the SDK did not give its index).
    @discardableResult
    mutating func insert(_ tracked: TrackedEvent, isHealth: Bool = false, inFlight: String? = nil) -> InsertResult {
        guard rows.count < capacityEvents, bytes + tracked.contractSize <= capacityBytes else {
            return .dropped(reason: "store_full")
        }
        let request = inFlight.map { requestCode($0) } ?? 0
        var row = Row(
            intendedAt: tracked.intendedAt.uptimeNanoseconds, timestamp: tracked.timestamp, sequence: 0,
            rowid: takeRowid(), payload: 0, request: 0, size: UInt16(clamping: tracked.contractSize),
            type: tracked.typeIndex ?? types.index(of: tracked.type, contractName: tracked.contractName),
            eventClass: classCode(tracked.eventClass), flags: .live)
        row.claim(request)
        if isHealth { row.flags.insert(.health) }
        if tracked.contractSize >= Int(UInt16.max) { row.flags.insert(.bigSize) }
        switch tracked.payload {
        case .recipe(let recipe, let optionalFields):
            row.payload = recipe
            row.flags.insert(.recipe)
            if optionalFields { row.flags.insert(.optionalFields) }
        case .encoded(let bytes):
            row.payload = storeEncoded(bytes)
        }
        let compact: EventGUID?
        if case .compact(let guid) = tracked.identity { compact = guid } else { compact = nil }
        if let compact, guidOwner == nil { guidOwner = (compact.run, compact.device) }
        if let compact, let owner = guidOwner, owner.run == compact.run, owner.device == compact.device,
            compact.sequence <= UInt64(UInt32.max)
        {
            row.sequence = UInt32(compact.sequence)
        } else {
            row.flags.insert(.textGUID)
        }
        let id = rows.append(row)
        if row.flags.contains(.textGUID) { guidTexts[id] = tracked.identity.description }
        if row.flags.contains(.bigSize) { bigSizes[id] = tracked.contractSize }
        bytes += tracked.contractSize
        if request == 0 {
            waiting += 1
            index(id, row)
        }
        return .stored
    }

    private mutating func storeEncoded(_ bytes: ByteBuffer) -> UInt32 {
        if let slot = freeEncoded.popLast() {
            encoded[Int(slot)] = bytes
            return slot
        }
        encoded.append(bytes)
        return UInt32(encoded.count - 1)
    }

    private mutating func classCode(_ eventClass: EventClass) -> UInt8 {
        if let code = classes.firstIndex(of: eventClass) { return UInt8(code) }
        precondition(classes.count < 255, "a store holds at most 255 event classes")
        classes.append(eventClass)
        return UInt8(classes.count - 1)
    }

    private mutating func takeRowid() -> UInt32 {
        defer { nextRowid += 1 }
        return nextRowid
    }

    // MARK: Reading

    public func row(_ id: UInt64) -> StoredEvent? {
        rows[id].map { view(id, $0) }
    }

    /// Every row, oldest first.
    public var allRows: [StoredEvent] {
        var all: [StoredEvent] = []
        all.reserveCapacity(rows.count)
        rows.forEach { id, row in all.append(view(id, row)) }
        return all
    }

    private func view(_ id: UInt64, _ row: Row) -> StoredEvent {
        StoredEvent(
            id: id, guid: identity(id, row).description, eventClass: classes[Int(row.eventClass)],
            type: types[row.type], intendedAt: .uptimeNanoseconds(row.intendedAt), timestamp: row.seconds,
            isHealth: row.flags.contains(.health), inFlight: requestGUID(row.inFlight),
            requestGUID: requestGUID(row.lastRequest), rowid: UInt64(row.rowid),
            written: row.flags.contains(.written), size: size(id, row), event: event(row))
    }

    /// The row's Raccoon event: decoded when it is kept encoded; only the type for a recipe.
    private func event(_ row: Row) -> RaccoonEvent {
        if !row.flags.contains(.recipe), let bytes = encoded[Int(row.payload)],
            let event = try? RaccoonEvent(serializedBytes: Array(bytes.readableBytesView))
        {
            return event
        }
        var event = RaccoonEvent()
        event.type = types[row.type]
        return event
    }

    private func identity(_ id: UInt64, _ row: Row) -> EventIdentity {
        if row.flags.contains(.textGUID) { return .text(guidTexts[id] ?? "") }
        let owner = guidOwner ?? (0, 0)
        return .compact(EventGUID(run: owner.run, device: owner.device, sequence: UInt64(row.sequence)))
    }

    private func size(_ id: UInt64, _ row: Row) -> Int {
        row.flags.contains(.bigSize) ? bigSizes[id] ?? 0 : Int(row.size)
    }

    /// The refs of every row but the SDK's own health rows, oldest first.
    var appEventRefs: [EventRef] {
        var refs: [EventRef] = []
        rows.forEach { id, row in if !row.flags.contains(.health) { refs.append(ref(id, row)) } }
        return refs
    }

    /// How many rows of each type there are, the SDK's own health rows left out (no string or
    /// ref is made per row: a day of stored events counts in place).
    public var appEventCounts: [String: UInt64] {
        var counts = [UInt64](repeating: 0, count: types.names.count)
        rows.forEach { _, row in if !row.flags.contains(.health) { counts[Int(row.type)] += 1 } }
        var named: [String: UInt64] = [:]
        for (index, count) in counts.enumerated() where count > 0 { named[types.names[index], default: 0] += count }
        return named
    }

    /// The row's ref (for the observer).
    func ref(_ id: UInt64) -> EventRef? {
        rows[id].map { ref(id, $0) }
    }

    private func ref(_ id: UInt64, _ row: Row) -> EventRef {
        EventRef(identity: identity(id, row), typeIndex: row.type, intendedAt: .uptimeNanoseconds(row.intendedAt))
    }

    /// The row as a request carries it.
    func entry(_ id: UInt64) -> EventEntry? {
        guard let row = rows[id] else { return nil }
        let payload: EventEntry.Payload
        if row.flags.contains(.recipe) {
            payload = .recipe(row.payload, optionalFields: row.flags.contains(.optionalFields))
        } else {
            payload = .encoded(encoded[Int(row.payload)] ?? ByteBuffer())
        }
        return EventEntry(ref: ref(id, row), timestamp: row.timestamp, payload: payload)
    }

    func isHealth(_ id: UInt64) -> Bool { rows[id]?.flags.contains(.health) ?? false }

    /// Those of `ids` in flight with `requestGUID`.
    func inFlight(_ ids: [UInt64], with requestGUID: String) -> [UInt64] {
        let code = existingCode(requestGUID)
        guard code != 0 else { return [] }
        return ids.filter { rows[$0]?.inFlight == code }
    }

    /// Those of `ids` last batched under `requestGUID`.
    func batched(_ ids: [UInt64], under requestGUID: String) -> [UInt64] {
        let code = existingCode(requestGUID)
        guard code != 0 else { return [] }
        return ids.filter { rows[$0]?.lastRequest == code }
    }

    /// The req_guid the row is in flight with, and whether it was written before.
    func flight(_ id: UInt64) -> (inFlight: String?, written: Bool)? {
        rows[id].map { (requestGUID($0.inFlight), $0.flags.contains(.written)) }
    }

    /// Up to `limit` rows not in flight, in the Android ticker's order.
    public func newestWaiting(_ limit: Int) -> [UInt64] {
        indexing == .newestFirst ? newest.first(limit) : []
    }

    /// Rows of `eventClass` not in flight, oldest first; `limit` 0 takes them all.
    public func oldestWaiting(_ eventClass: EventClass, limit: Int) -> [UInt64] {
        guard let code = classes.firstIndex(of: eventClass), code < queues.count else { return [] }
        let live = queues[code].live
        return (limit > 0 ? live.prefix(limit) : live[...]).map { UInt64($0) }
    }

    /// Every row not in flight, in rowid order (iOS `deleteAll()`).
    public var allWaiting: [UInt64] {
        select { $0.inFlight == 0 }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// Every row, `ORDER BY eventTimeStamp DESC` (Android `getAllEvents()`), ties by rowid.
    public var allNewestFirst: [UInt64] {
        var all: [(UInt64, Int64, UInt32)] = []
        all.reserveCapacity(rows.count)
        rows.forEach { id, row in all.append((id, row.seconds, row.rowid)) }
        return all.sorted { ($0.1, $1.2) > ($1.1, $0.2) }.map(\.0)
    }

    /// Every row in flight, in rowid order.
    public var allInFlight: [UInt64] {
        select { $0.inFlight != 0 }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    public var hasWaiting: Bool { waiting > 0 }

    /// The ids and rowids of the rows that pass `filter`.
    private func select(_ filter: (Row) -> Bool) -> [(UInt64, UInt32)] {
        var selected: [(UInt64, UInt32)] = []
        rows.forEach { id, row in if filter(row) { selected.append((id, row.rowid)) } }
        return selected
    }

    // MARK: Changing rows

    /// Marks rows in flight with `requestGUID`; `reinsert` gives them new rowids (Android
    /// `INSERT OR REPLACE`).
    public mutating func claim(_ ids: [UInt64], for requestGUID: String, reinsert: Bool) {
        let code = requestCode(requestGUID)
        for id in ids {
            guard let row = rows[id] else { continue }
            if row.inFlight == 0 {
                unindex(id, row)
                waiting -= 1
            }
            let rowid = reinsert ? takeRowid() : row.rowid
            rows.update(id) {
                $0.claim(code)
                $0.rowid = rowid
            }
        }
    }

    /// Makes rows eligible again; `reinsert` gives them new rowids (the Android foreground
    /// reset re-inserts; a release is an `UPDATE`).
    public mutating func release(_ ids: [UInt64], reinsert: Bool) {
        for id in ids {
            guard var row = rows[id], row.inFlight != 0 else { continue }
            row.release()
            if reinsert { row.rowid = takeRowid() }
            let updated = row
            rows.update(id) { $0 = updated }
            waiting += 1
            index(id, updated)
        }
    }

    public mutating func markWritten(_ ids: [UInt64]) {
        for id in ids { rows.update(id) { $0.flags.insert(.written) } }
    }

    /// Removes acked or dropped rows.
    public mutating func delete(_ ids: [UInt64]) {
        for id in ids {
            guard let row = rows[id] else { continue }
            if row.inFlight == 0 {
                unindex(id, row)
                waiting -= 1
            }
            _ = rows.remove(id)
            bytes -= size(id, row)
            if row.flags.contains(.textGUID) { guidTexts[id] = nil }
            if row.flags.contains(.bigSize) { bigSizes[id] = nil }
            if !row.flags.contains(.recipe) {
                encoded[Int(row.payload)] = nil
                freeEncoded.append(row.payload)
            }
        }
    }

    /// The next insertion order for a request.
    public mutating func takeOrder() -> UInt64 {
        defer { nextOrder += 1 }
        return nextOrder
    }

    /// The retry cache in insertion order.
    public var requestsInOrder: [PendingRequest] { requests.values.sorted { $0.order < $1.order } }

    // MARK: Indexes

    private mutating func index(_ id: UInt64, _ row: Row) {
        switch indexing {
        case .newestFirst:
            newest.insert(id, key: (row.seconds, row.rowid), rows: rows)
        case .perClassInsertion:
            let code = Int(row.eventClass)
            if queues.count <= code {
                queues.append(contentsOf: repeatElement(ClassQueue(), count: code + 1 - queues.count))
            }
            // Rows come back in rowid order (inserts, and releases of the oldest) nearly always.
            let rows = self.rows
            if let last = queues[code].live.last, let lastRow = rows[UInt64(last)], lastRow.rowid > row.rowid {
                let position =
                    queues[code].live.firstIndex { (rows[UInt64($0)]?.rowid ?? 0) > row.rowid }
                    ?? queues[code].ids.endIndex
                queues[code].ids.insert(UInt32(id), at: position)
            } else {
                queues[code].ids.append(UInt32(id))
            }
        }
    }

    private mutating func unindex(_ id: UInt64, _ row: Row) {
        switch indexing {
        case .newestFirst:
            newest.remove(id, key: (row.seconds, row.rowid), rows: rows)
        case .perClassInsertion:
            let code = Int(row.eventClass)
            guard code < queues.count else { return }
            if queues[code].ids.indices.contains(queues[code].head), UInt64(queues[code].ids[queues[code].head]) == id {
                queues[code].head += 1
            } else if let position = queues[code].live.firstIndex(of: UInt32(id)) {
                queues[code].ids.remove(at: position)
            }
            if queues[code].head > 256, queues[code].head * 2 > queues[code].ids.count {
                queues[code].ids.removeFirst(queues[code].head)
                queues[code].head = 0
            }
            if queues[code].head == queues[code].ids.count {
                queues[code].ids.removeAll()
                queues[code].head = 0
            }
        }
    }

    // MARK: Request guids as numbers

    /// The code a row keeps for `requestGUID`: its number when it is `requestPrefix` and a
    /// number, else its place in the text table (high bit set).
    private mutating func requestCode(_ requestGUID: String) -> UInt32 {
        if let code = requestTextCodes[requestGUID] ?? numberCode(requestGUID) { return code }
        let code = 0x8000_0000 | UInt32(requestTexts.count)
        requestTexts.append(requestGUID)
        requestTextCodes[requestGUID] = code
        return code
    }

    /// The code of a req_guid already known (0 when none).
    private func existingCode(_ requestGUID: String) -> UInt32 {
        requestTextCodes[requestGUID] ?? numberCode(requestGUID) ?? 0
    }

    private func numberCode(_ requestGUID: String) -> UInt32? {
        guard !requestPrefix.isEmpty, requestGUID.hasPrefix(requestPrefix) else { return nil }
        let digits = requestGUID.utf8.dropFirst(requestPrefix.utf8.count)
        guard !digits.isEmpty, digits.count <= 10, digits.first != UInt8(ascii: "0") else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        return value >= 1 && value < 0x8000_0000 ? UInt32(value) : nil
    }

    private func requestGUID(_ code: UInt32) -> String? {
        guard code != 0 else { return nil }
        if code & 0x8000_0000 != 0 { return requestTexts[Int(code & 0x7FFF_FFFF)] }
        return requestPrefix + String(code)
    }
}
