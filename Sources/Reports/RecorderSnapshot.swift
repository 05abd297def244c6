/// A value copy of what one or more recorder shards recorded, keyed by name so shards that
/// interned names in different orders merge exactly.
public struct RecorderSnapshot: Sendable, Equatable {
    public var funnel: [FunnelKey: FunnelCounts] = [:]
    public var latencies: [DeviceGroup: GroupLatencies] = [:]
    public var connections = ConnectionCounts()
    /// SDK health events by name.
    public var health: [String: UInt64] = [:]
    /// Free-form named counters.
    public var notes: [String: UInt64] = [:]
    /// Index = second since the run start.
    public var series: [SecondFigures] = []

    public init() {}

    /// Adds `other`: counters summed, histograms added bucket for bucket, series aligned by second.
    public mutating func merge(_ other: RecorderSnapshot) {
        for (key, counts) in other.funnel { funnel[key, default: FunnelCounts()].merge(counts) }
        for (group, figures) in other.latencies { latencies[group, default: GroupLatencies()].merge(figures) }
        connections.merge(other.connections)
        for (name, count) in other.health { health[name, default: 0] += count }
        for (name, count) in other.notes { notes[name, default: 0] += count }
        if series.count < other.series.count {
            series.append(contentsOf: repeatElement(SecondFigures(), count: other.series.count - series.count))
        }
        for (second, figures) in other.series.enumerated() { series[second].merge(figures) }
    }

    /// All groups' histograms added together.
    public var overallLatencies: GroupLatencies {
        var total = GroupLatencies()
        for group in latencies.keys.sorted() { total.merge(latencies[group]!) }
        return total
    }

    /// All funnel counters added together.
    public var funnelTotals: FunnelCounts {
        var total = FunnelCounts()
        for counts in funnel.values { total.merge(counts) }
        return total
    }
}
