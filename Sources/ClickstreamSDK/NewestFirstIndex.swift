/// The Android ticker's order over the rows not in flight: `ORDER BY eventTimeStamp DESC`
/// (`CSEventDataDao.kt:45`) with equal seconds in scan order, i.e. SQLite rowid ascending (the
/// facts file, §1.2: "in practice insertion order"). A re-insert (`INSERT OR REPLACE`) gives a row
/// a new, higher rowid, so it goes behind the rows of its second.
///
/// Kept sorted so that a tick reads its batch off the end: the array ascends by timestamp, and
/// within a second descends by rowid, so its last element is the first row out.
struct NewestFirstIndex: Sendable {
    struct Key: Sendable, Equatable {
        var timestamp: Int64
        var rowid: UInt64
        var id: UInt64

        /// Sorts before `other` in the array (comes out after it).
        func precedes(_ other: Key) -> Bool {
            timestamp != other.timestamp ? timestamp < other.timestamp : rowid > other.rowid
        }
    }

    private(set) var keys: [Key] = []

    var count: Int { keys.count }

    /// The first `limit` rows out, in batch order.
    func first(_ limit: Int) -> [UInt64] {
        keys.suffix(limit).reversed().map(\.id)
    }

    /// Every row, in batch order.
    var all: [UInt64] { keys.reversed().map(\.id) }

    mutating func insert(_ key: Key) {
        keys.insert(key, at: position(of: key))
    }

    mutating func remove(_ key: Key) {
        let index = position(of: key)
        if index < keys.count, keys[index] == key { keys.remove(at: index) }
    }

    mutating func removeAll() { keys.removeAll() }

    /// The first index whose key does not precede `key` (binary search). New rows usually land
    /// near the end, so an insert moves few elements.
    private func position(of key: Key) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle].precedes(key) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
