/// A value copy of what one or more recorder shards recorded, keyed by name so shards that
/// interned names in different orders merge exactly.
package struct RecorderSnapshot: Sendable, Equatable {
    package var funnel: [FunnelKey: FunnelCounts] = [:]
    package var latencies: [DeviceGroup: GroupLatencies] = [:]
    package var connections = ConnectionCounts()
    /// SDK health events by name.
    package var health: [String: UInt64] = [:]
    /// Free-form named counters.
    package var notes: [String: UInt64] = [:]
    /// Index = second since the run start.
    package var series: [SecondFigures] = []

    package init() {}

    /// Adds `other`: counters summed, histograms added bucket for bucket, series aligned by second.
    package mutating func merge(_ other: RecorderSnapshot) {
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
    package var overallLatencies: GroupLatencies {
        var total = GroupLatencies()
        for group in latencies.keys.sorted() { total.merge(latencies[group]!) }
        return total
    }

    /// Acked events by event type.
    package var ackedByType: [String: UInt64] {
        var result: [String: UInt64] = [:]
        for (key, counts) in funnel { result[key.eventType, default: 0] += counts.acked }
        return result
    }

    /// All funnel counters added together.
    package var funnelTotals: FunnelCounts {
        var total = FunnelCounts()
        for counts in funnel.values { total.merge(counts) }
        return total
    }
}
