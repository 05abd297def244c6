/// The Android ticker's order over the rows not in flight: `ORDER BY eventTimeStamp DESC`
/// (`CSEventDataDao.kt:45`) with equal seconds in scan order, i.e. SQLite rowid ascending (the
/// facts file, §1.2: "in practice insertion order"). A re-insert (`INSERT OR REPLACE`) gives a row
/// a new, higher rowid, so it goes behind the rows of its second.
///
/// Kept sorted so that a tick reads its batch off the end: the array ascends by timestamp, and
/// within a second descends by rowid, so its last element is the first row out. It holds row ids
/// only (4 bytes a row); the keys are read from the rows.
struct NewestFirstIndex {
    private(set) var ids: [UInt32] = []

    var count: Int { ids.count }

    /// The first `limit` rows out, in batch order.
    func first(_ limit: Int) -> [UInt64] {
        ids.suffix(limit).reversed().map { UInt64($0) }
    }

    /// Every row, in batch order.
    var all: [UInt64] { ids.reversed().map { UInt64($0) } }

    /// Whether the row with key `a` sorts before (comes out after) the row with key `b`.
    @inline(__always)
    private static func precedes(_ a: (Int64, UInt32), _ b: (Int64, UInt32)) -> Bool {
        a.0 != b.0 ? a.0 < b.0 : a.1 > b.1
    }

    @inline(__always)
    private static func key(_ id: UInt32, _ rows: RowTable) -> (Int64, UInt32) {
        guard let row = rows[UInt64(id)] else { return (.min, .max) }
        return (row.seconds, row.rowid)
    }

    mutating func insert(_ id: UInt64, key: (seconds: Int64, rowid: UInt32), rows: RowTable) {
        precondition(id <= UInt32.max, "a store holds at most 2^32 insertions")
        let key = (key.seconds, key.rowid)
        // New rows are nearly always the newest: they go at the end.
        if let last = ids.last, !Self.precedes(Self.key(last, rows), key) {
            ids.insert(UInt32(id), at: position(of: key, rows))
        } else {
            ids.append(UInt32(id))
        }
    }

    mutating func remove(_ id: UInt64, key: (seconds: Int64, rowid: UInt32), rows: RowTable) {
        let key = (key.seconds, key.rowid)
        if let last = ids.last, UInt64(last) == id {
            ids.removeLast()
            return
        }
        let index = position(of: key, rows)
        if index < ids.count, UInt64(ids[index]) == id { ids.remove(at: index) }
    }

    mutating func removeAll() { ids.removeAll() }

    /// The first index whose key does not precede `key`. A new row is nearly always of the
    /// newest second, so it goes before that second's rows at the end: a few steps back from the
    /// end find it without the binary search's reads of rows all over a large store.
    private func position(of key: (Int64, UInt32), _ rows: RowTable) -> Int {
        var back = ids.count
        while back > 0, ids.count - back < 32 {
            if Self.precedes(Self.key(ids[back - 1], rows), key) { return back }
            back -= 1
        }
        if back == 0 { return 0 }
        var low = 0
        var high = back
        while low < high {
            let middle = (low + high) / 2
            if Self.precedes(Self.key(ids[middle], rows), key) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
