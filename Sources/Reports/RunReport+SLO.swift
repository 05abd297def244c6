extension RunReport {
    /// Checks each threshold against this report's figures (latency percentiles from the
    /// report's HDR buckets, so a merged report is checked the same way). No data fails.
    public func evaluate(_ thresholds: [SLOThreshold]) -> [SLOResult] {
        thresholds.map { threshold in
            let (actual, missing) = figure(for: threshold.metric)
            let passed: Bool
            switch (actual, threshold.metric.comparison) {
            case (let value?, "<="): passed = value <= threshold.threshold
            case (let value?, _): passed = value >= threshold.threshold
            case (nil, _): passed = false
            }
            return SLOResult(
                name: threshold.name, metric: threshold.metric.name, comparison: threshold.metric.comparison,
                threshold: threshold.threshold, actual: actual, passed: passed, detail: actual == nil ? missing : nil)
        }
    }

    /// The actual figure, or nil and why there is none.
    private func figure(for metric: SLOThreshold.Metric) -> (Double?, String) {
        switch metric {
        case .latencyPercentile(let percentile):
            return (Self.seconds(latency.event, percentile), "no acked events")
        case .batchRoundTripPercentile(let percentile):
            return (Self.seconds(latency.batchRoundTrip, percentile), "no acked batches")
        case .deliveryRatio:
            return (totals.deliveryRatio.map { HistogramSummary.rounded($0, decimals: 6) }, "no deliverable events")
        case .dropRate:
            return (ratio(totals.unexpectedDrops, totals.generated), "no generated events")
        case .dropRateForReason(let reason):
            return (ratio(totals.droppedByReason[reason] ?? 0, totals.generated), "no generated events")
        case .connectSuccess:
            return (connections.successRatio, "no connection attempts")
        case .missingAfterAck:
            guard let audit, audit.error == nil else {
                return (nil, audit?.error.map { "the Kafka audit failed: \($0)" } ?? "no Kafka audit")
            }
            return (Double(audit.missingAfterAck), "")
        case .ackedEvents:
            return (Double(totals.acked), "")
        case .connectionsOpened:
            return (Double(connections.connected), "")
        }
    }

    private func ratio(_ part: UInt64, _ whole: UInt64) -> Double? {
        whole > 0 ? HistogramSummary.rounded(Double(part) / Double(whole), decimals: 6) : nil
    }

    private static func seconds(_ summary: HistogramSummary, _ percentile: Double) -> Double? {
        LatencyHistogram(summary: summary).microseconds(atPercentile: percentile).map { Double($0) / 1_000_000 }
    }
}
