/// The dense, allocation-free working form of a `CoarseHistogram`, filled per event and turned
/// sparse once in a while (at the end of each second, or for a progress line).
struct CoarseAccumulator {
    private var counts = [UInt64](repeating: 0, count: CoarseHistogram.bucketCount)
    private var lowest = Int.max
    private var highest = -1

    @inline(__always)
    mutating func record(microseconds: UInt64) {
        let index = CoarseHistogram.index(microseconds: microseconds)
        counts[index] &+= 1
        if index < lowest { lowest = index }
        if index > highest { highest = index }
    }

    var isEmpty: Bool { highest < 0 }

    /// The sparse copy of what was recorded.
    var histogram: CoarseHistogram {
        var result = CoarseHistogram()
        guard highest >= 0 else { return result }
        for index in lowest...highest where counts[index] > 0 {
            result.add(index: index, count: counts[index])
        }
        return result
    }

    /// Adds what was recorded to `target` and empties this accumulator.
    mutating func drain(into target: inout CoarseHistogram) {
        guard highest >= 0 else { return }
        target.add(histogram)
        for index in lowest...highest { counts[index] = 0 }
        lowest = .max
        highest = -1
    }
}
