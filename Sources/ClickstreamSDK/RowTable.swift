/// One stored event, compactly: 40 bytes of numbers, no string, no reference. The strings it
/// stands for live once per store: the type in the type table, the req_guids as their
/// sequence numbers, a guid that is not a ClickSwarm guid (or has a sequence above 32 bits)
/// in a side table, as is a size above 16 bits.
struct Row {
    struct Flags: OptionSet {
        var rawValue: UInt8
        static let live = Flags(rawValue: 1)
        static let health = Flags(rawValue: 2)
        static let written = Flags(rawValue: 4)
        /// The guid is in the store's text table, not `sequence`.
        static let textGUID = Flags(rawValue: 8)
        /// `payload` is a recipe for the store's payload source, not a slot of encoded events.
        static let recipe = Flags(rawValue: 16)
        /// A recipe wrapped with the iOS optional fields.
        static let optionalFields = Flags(rawValue: 32)
        /// In flight with `request` (else `request` is only the last batch it was in).
        static let inFlight = Flags(rawValue: 64)
        /// `size` is saturated: the size is in the store's side table.
        static let bigSize = Flags(rawValue: 128)
    }

    var intendedAt: UInt64
    /// The contract's timestamp, nanoseconds since 1970.
    var timestamp: Int64
    /// The guid's sequence number (with the store's run and device).
    var sequence: UInt32
    var rowid: UInt32
    var payload: UInt32
    /// The request it is in flight with or was last batched under (`RequestCode`; 0: none).
    var request: UInt32
    /// Bytes of `event_bytes`.
    var size: UInt16
    var type: UInt16
    var eventClass: UInt8
    var flags: Flags

    var seconds: Int64 { EventEntry.seconds(timestamp) }
    /// The request it is in flight with, 0 when none (Android `isOnGoing`).
    var inFlight: UInt32 { flags.contains(.inFlight) ? request : 0 }
    /// The last request it was batched under (Android `eventRequestGuid`, kept on release).
    var lastRequest: UInt32 { request }

    mutating func claim(_ code: UInt32) {
        request = code
        if code != 0 { flags.insert(.inFlight) } else { flags.remove(.inFlight) }
    }

    mutating func release() { flags.remove(.inFlight) }
}

/// The rows of a store in insertion order (a row's id is its insertion number), in chunks of 512
/// that are freed once every row in them is gone: no per-row allocation, no hashing, and little
/// slack however many rows a device stores.
struct RowTable {
    static let chunkShift = 9
    static let chunkSize = 1 << chunkShift

    private var chunks: [ContiguousArray<Row>] = []
    /// Live rows per chunk.
    private var liveRows: [Int] = []
    /// The chunk number of `chunks[0]`.
    private var firstChunk = 0
    private(set) var nextID: UInt64 = 0
    private(set) var count = 0

    /// Appends a live row; returns its id.
    mutating func append(_ row: Row) -> UInt64 {
        let id = nextID
        if chunks.isEmpty || chunks[chunks.count - 1].count == Self.chunkSize {
            chunks.append([])
            liveRows.append(0)
            freeIfEmpty(chunks.count - 2)
        }
        chunks[chunks.count - 1].append(row)
        liveRows[liveRows.count - 1] += 1
        nextID += 1
        count += 1
        return id
    }

    @inline(__always)
    private func locate(_ id: UInt64) -> (chunk: Int, offset: Int)? {
        guard id < nextID else { return nil }
        let chunk = Int(id >> UInt64(Self.chunkShift)) - firstChunk
        let offset = Int(id & UInt64(Self.chunkSize - 1))
        guard chunk >= 0, chunk < chunks.count, offset < chunks[chunk].count else { return nil }
        return (chunk, offset)
    }

    /// The live row `id`, if any.
    subscript(id: UInt64) -> Row? {
        guard let (chunk, offset) = locate(id) else { return nil }
        let row = chunks[chunk][offset]
        return row.flags.contains(.live) ? row : nil
    }

    /// Changes the live row `id` in place; false when there is none.
    @discardableResult
    mutating func update(_ id: UInt64, _ change: (inout Row) -> Void) -> Bool {
        guard let (chunk, offset) = locate(id), chunks[chunk][offset].flags.contains(.live) else { return false }
        change(&chunks[chunk][offset])
        return true
    }

    /// Removes the live row `id`; returns it.
    mutating func remove(_ id: UInt64) -> Row? {
        guard let (chunk, offset) = locate(id), chunks[chunk][offset].flags.contains(.live) else { return nil }
        let row = chunks[chunk][offset]
        chunks[chunk][offset].flags.remove(.live)
        count -= 1
        liveRows[chunk] -= 1
        freeIfEmpty(chunk)
        return row
    }

    /// Frees a full chunk with no live row, unless it is the last (the next rows go there).
    private mutating func freeIfEmpty(_ chunk: Int) {
        guard chunk >= 0, chunk < chunks.count - 1, liveRows[chunk] == 0, chunks[chunk].count == Self.chunkSize
        else { return }
        chunks[chunk] = []
        trimFront()
    }

    /// Drops the emptied chunks at the front (a freed chunk in the middle keeps its place).
    private mutating func trimFront() {
        var drop = 0
        while drop < chunks.count - 1, chunks[drop].isEmpty { drop += 1 }
        guard drop > 0 else { return }
        chunks.removeFirst(drop)
        liveRows.removeFirst(drop)
        firstChunk += drop
    }

    /// Every live row with its id, in id order.
    func forEach(_ body: (UInt64, Row) -> Void) {
        for (index, chunk) in chunks.enumerated() where liveRows[index] > 0 {
            let base = UInt64(firstChunk + index) << UInt64(Self.chunkShift)
            for (offset, row) in chunk.enumerated() where row.flags.contains(.live) {
                body(base + UInt64(offset), row)
            }
        }
    }
}
