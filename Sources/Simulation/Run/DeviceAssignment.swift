import Reports

/// Which devices a run builds, and on which partition: the one rule both backends use.
///
/// The devices are the population, narrowed to a shard's (`--shard i/N`: devices i, i+N, ...)
/// and to an explicit list (`replay`), both when both are given. They are dealt over the
/// partitions in turn, so each partition gets its share: for a whole population that is device
/// i on partition i mod P.
enum DeviceAssignment {
    /// The device indexes to run, in order.
    static func devices(population: Int, shard: RunInfo.Shard?, only: [Int]?) -> [Int] {
        var chosen = shard.map { Array($0.indexes(population: population)) } ?? Array(0..<population)
        if let only {
            let wanted = Set(only)
            chosen = chosen.filter { wanted.contains($0) }
        }
        return chosen
    }

    /// How many devices `devices` gives, without building the list.
    static func count(population: Int, shard: RunInfo.Shard?, only: [Int]?) -> Int {
        if let only { return devices(population: population, shard: shard, only: only).count }
        guard let shard else { return population }
        return population > shard.index ? (population - shard.index + shard.count - 1) / shard.count : 0
    }

    /// `devices` dealt over `partitions` in turn: partition p gets devices[p], devices[p + P], ...
    static func deal(_ devices: [Int], over partitions: Int) -> [[Int]] {
        precondition(partitions > 0, "a run needs at least one partition")
        return (0..<partitions).map { partition in
            Array(stride(from: partition, to: devices.count, by: partitions).map { devices[$0] })
        }
    }
}
