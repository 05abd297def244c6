extension RunReport {
    /// The report of a run: figures from the merged `snapshot`, the caller's `reconciliation`
    /// (with its delivery check attached), the embedded collector's accounting (nil for a remote
    /// one), and `slos` evaluated against the result.
    package static func make(
        run: RunInfo, snapshot: RecorderSnapshot, reconciliation: Reconciliation, collector: CollectorAccounting?,
        audit: KafkaAuditFigures? = nil, slos: [SLOThreshold], secondBuckets: Bool = false
    ) -> RunReport {
        var byType: [String: FunnelCounts] = [:]
        var byFlavor: [String: FunnelCounts] = [:]
        var byNetwork: [String: FunnelCounts] = [:]
        var totals = FunnelCounts()
        for (key, counts) in snapshot.funnel {
            byType[key.eventType, default: FunnelCounts()].merge(counts)
            byFlavor[key.group.flavor, default: FunnelCounts()].merge(counts)
            byNetwork[key.group.network, default: FunnelCounts()].merge(counts)
            totals.merge(counts)
        }
        var online: Int64 = 0
        var series: [SeriesPoint] = []
        series.reserveCapacity(snapshot.series.count)
        for (second, figures) in snapshot.series.enumerated() {
            online += figures.devicesOnlineDelta
            series.append(
                SeriesPoint(
                    t: second, devicesOnline: online, figures: figures, buckets: secondBuckets || run.shard != nil))
        }
        var report = RunReport(
            schemaVersion: currentSchemaVersion, run: run, totals: FunnelFigures(totals),
            byEventType: byType.mapValues(FunnelFigures.init), byFlavor: byFlavor.mapValues(FunnelFigures.init),
            byNetwork: byNetwork.mapValues(FunnelFigures.init), connections: ConnectionFigures(snapshot.connections),
            health: snapshot.health, notes: snapshot.notes, latency: LatencyFigures(snapshot.latencies),
            series: series, collector: collector, audit: audit, reconciliation: reconciliation, slos: [],
            verdict: .passed)
        report.slos = report.evaluate(slos)
        report.verdict = report.computedVerdict
        return report
    }

    /// `unbalanced` if the reconciliation is not balanced, else `slo_failed` if any SLO failed.
    package var computedVerdict: Verdict {
        if !reconciliation.balanced { return .unbalanced }
        return slos.allSatisfy(\.passed) ? .passed : .sloFailed
    }
}
