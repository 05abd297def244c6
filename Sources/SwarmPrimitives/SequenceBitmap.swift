/// The set of event sequence numbers one device has delivered, in chunks of 4,096 bits: a
/// device whose sequence numbers run from zero costs about 600 bytes per 4,096 events.
package struct SequenceBitmap: Sendable, Equatable {
    private static let chunkBits: UInt64 = 4096
    private static let wordsPerChunk = Int(chunkBits / 64)

    private var chunks: [UInt64: [UInt64]] = [:]
    package private(set) var count = 0

    package init() {}

    /// Adds a sequence number; `false` when it was already there (a duplicate delivery).
    @discardableResult
    package mutating func insert(_ sequence: UInt64) -> Bool {
        let chunkIndex = sequence / Self.chunkBits
        let bit = sequence % Self.chunkBits
        let word = Int(bit / 64)
        let mask: UInt64 = 1 << (bit % 64)
        var inserted = false
        chunks[chunkIndex, default: [UInt64](repeating: 0, count: Self.wordsPerChunk)].withUnsafeMutableBufferPointer {
            if $0[word] & mask == 0 {
                $0[word] |= mask
                inserted = true
            }
        }
        if inserted { count += 1 }
        return inserted
    }

    package func contains(_ sequence: UInt64) -> Bool {
        guard let chunk = chunks[sequence / Self.chunkBits] else { return false }
        let bit = sequence % Self.chunkBits
        return chunk[Int(bit / 64)] & (1 << (bit % 64)) != 0
    }

    package mutating func formUnion(_ other: SequenceBitmap) {
        for (index, words) in other.chunks {
            if var mine = chunks[index] {
                for position in 0..<Self.wordsPerChunk {
                    count -= mine[position].nonzeroBitCount
                    mine[position] |= words[position]
                    count += mine[position].nonzeroBitCount
                }
                chunks[index] = mine
            } else {
                chunks[index] = words
                count += words.reduce(0) { $0 + $1.nonzeroBitCount }
            }
        }
    }

    /// How many of this set's members `other` lacks.
    package func countNotIn(_ other: SequenceBitmap) -> Int {
        var result = 0
        for (index, words) in chunks {
            guard let theirs = other.chunks[index] else {
                result += words.reduce(0) { $0 + $1.nonzeroBitCount }
                continue
            }
            for position in 0..<Self.wordsPerChunk {
                result += (words[position] & ~theirs[position]).nonzeroBitCount
            }
        }
        return result
    }

    /// How many of this set's members are in `included` and not in `excluded`.
    package func countIn(_ included: SequenceBitmap, notIn excluded: SequenceBitmap) -> Int {
        var result = 0
        for (index, words) in chunks {
            guard let inside = included.chunks[index] else { continue }
            let outside = excluded.chunks[index]
            for position in 0..<Self.wordsPerChunk {
                result += (words[position] & inside[position] & ~(outside?[position] ?? 0)).nonzeroBitCount
            }
        }
        return result
    }

    /// Sequence numbers from 0 up to `end` (exclusive) that are missing.
    package func missing(below end: UInt64) -> [UInt64] {
        (0..<end).filter { !contains($0) }
    }
}
