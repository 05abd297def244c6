import Foundation

extension RunReport {
    // The HTML report's charts: the per-second series binned to at most 600 points, throughput,
    // latency over time, and the latency percentile plot.

    func binnedSeries(maxPoints: Int = 600) -> (binSeconds: Int, rows: [SeriesPoint]) {
        guard series.count > maxPoints else { return (1, series) }
        let bin = (series.count + maxPoints - 1) / maxPoints
        var rows: [SeriesPoint] = []
        for start in stride(from: 0, to: series.count, by: bin) {
            let slice = series[start..<min(start + bin, series.count)]
            var row = slice.last!
            row.t = slice.first!.t
            let seconds = UInt64(slice.count)
            row.generated = slice.map(\.generated).reduce(0, +) / seconds
            row.acked = slice.map(\.acked).reduce(0, +) / seconds
            row.dropped = slice.map(\.dropped).reduce(0, +) / seconds
            row.latencyP50Ms = slice.compactMap(\.latencyP50Ms).max()
            row.latencyP90Ms = slice.compactMap(\.latencyP90Ms).max()
            row.latencyP99Ms = slice.compactMap(\.latencyP99Ms).max()
            row.latencyMaxMs = slice.compactMap(\.latencyMaxMs).max()
            rows.append(row)
        }
        return (bin, rows)
    }

    func throughputCharts() -> String {
        guard !series.isEmpty else { return "<p>No per-second series in this report.</p>\n" }
        let (bin, rows) = binnedSeries()
        let binNote =
            bin > 1
            ? "<p class=\"note\">Each point covers \(bin) s: rates are averaged over it, latency is its worst second.</p>\n"
            : ""
        func line(_ name: String, _ color: String, _ value: (SeriesPoint) -> Double?) -> SVGLineChart.Series {
            SVGLineChart.Series(name: name, color: color, points: rows.map { (Double($0.t), value($0)) })
        }
        var out = binNote + "<h3>Events per second, generated and acked</h3>\n"
        out +=
            SVGLineChart(
                title: "Events per second: generated and acked over time", xLabel: "seconds since start",
                yLabel: "events/s",
                series: [
                    line("generated", Colors.generated) { Double($0.generated) },
                    line("acked", Colors.acked) { Double($0.acked) },
                ], yFormat: Formatting.compact
            ).svg + "\n"
        out += "<h3>Devices online</h3>\n"
        out +=
            SVGLineChart(
                title: "App sessions running over time", xLabel: "seconds since start", yLabel: "devices",
                series: [line("devices online", Colors.online) { Double($0.devicesOnline) }],
                yFormat: Formatting.compact
            ).svg + "\n"
        out += "<h3>Drops per second</h3>\n"
        out +=
            "<p class=\"note\">The per-second series records drops as a total, not by reason. Over the whole run: "
            + (totals.dropped > 0 ? Markup.escape(Formatting.reasons(totals.droppedByReason)) : "no drops") + ".</p>\n"
        out +=
            SVGLineChart(
                title: "Events dropped per second (all reasons)", xLabel: "seconds since start", yLabel: "drops/s",
                series: [line("dropped (all reasons)", Colors.dropped) { Double($0.dropped) }],
                yFormat: Formatting.compact
            ).svg + "\n"
        return out
    }

    func latencyCharts() -> String {
        var out = Self.table(
            ["figure", "count", "min", "mean", "p50", "p90", "p99", "p99.9", "max"],
            [
                ("event (intended time to ack)", latency.event), ("batch round trip", latency.batchRoundTrip),
                ("connect", latency.connect), ("time to first ack", latency.timeToFirstAck),
            ].map { name, summary in
                [
                    name, Formatting.count(summary.count), Formatting.milliseconds(summary.minMs),
                    Formatting.milliseconds(summary.meanMs), Formatting.milliseconds(summary.p50Ms),
                    Formatting.milliseconds(summary.p90Ms), Formatting.milliseconds(summary.p99Ms),
                    Formatting.milliseconds(summary.p99_9Ms), Formatting.milliseconds(summary.maxMs),
                ]
            })
        let clamped = latency.event.clamped
        if clamped > 0 {
            out += "<p class=\"note\">\(Formatting.count(clamped)) event latencies were over 1 h, counted as 1 h.</p>\n"
        }
        if !series.isEmpty {
            let (_, rows) = binnedSeries()
            func line(_ name: String, _ color: String, _ value: (SeriesPoint) -> Double?) -> SVGLineChart.Series {
                SVGLineChart.Series(
                    name: name, color: color, points: rows.map { (Double($0.t), value($0)) }, dashed: name == "max")
            }
            out += "<h3>Event latency per second</h3>\n"
            out +=
                "<p class=\"note\">Of the events acked in each second (within 1.6%); gaps are seconds without acks.</p>\n"
            out +=
                SVGLineChart(
                    title: "Event latency percentiles per second", xLabel: "seconds since start", yLabel: "latency",
                    series: [
                        line("p50", Colors.p50, \.latencyP50Ms), line("p90", Colors.p90, \.latencyP90Ms),
                        line("p99", Colors.p99, \.latencyP99Ms), line("max", Colors.max, \.latencyMaxMs),
                    ], yFormat: Self.msLabel
                ).svg + "\n"
        }
        out += "<h3>Latency distribution</h3>\n"
        out += percentilePlot()
        return out
    }

    /// Latency against percentile on a log axis (0, 90, 99, 99.9 ...), from the report's HDR
    /// buckets: event latency and batch round trip.
    func percentilePlot() -> String {
        let largest = max(latency.event.count, latency.batchRoundTrip.count)
        guard largest > 0 else { return "<p>No latency figures: nothing was acked.</p>\n" }
        // Far enough right to resolve one value in `largest`, from 99% (2) to 99.9999% (6).
        let nines = Int(min(6, max(2, log10(Double(largest)).rounded(.up))))
        var ticks: [(value: Double, label: String)] = []
        for nine in 0...nines {
            let percentile = 100 * (1 - pow(10, -Double(nine)))
            ticks.append((Double(nine), Markup.number(percentile, decimals: nine) + "%"))
        }
        let steps = nines * 50
        func curve(_ name: String, _ color: String, _ summary: HistogramSummary) -> SVGLineChart.Series? {
            guard summary.count > 0 else { return nil }
            let histogram = LatencyHistogram(summary: summary)
            let points = (0...steps).map { step -> (x: Double, y: Double?) in
                let x = Double(step) / 50
                let percentile = 100 * (1 - pow(10, -x))
                return (x, histogram.microseconds(atPercentile: percentile).map { Double($0) / 1_000 })
            }
            return SVGLineChart.Series(name: name, color: color, points: points)
        }
        let lines = [
            curve("event latency", Colors.generated, latency.event),
            curve("batch round trip", Colors.pending, latency.batchRoundTrip),
        ].compactMap { $0 }
        return "<p class=\"note\">Percentile on a log scale: each step right is one more nine.</p>\n"
            + SVGLineChart(
                title: "Latency by percentile", xLabel: "percentile", yLabel: "latency", series: lines, xTicks: ticks,
                yFormat: Self.msLabel
            ).svg + "\n"
    }

    static func msLabel(_ ms: Double) -> String {
        if ms == 0 { return "0" }
        return ms >= 1_000 ? Markup.number(ms / 1_000, decimals: 2) + "s" : Markup.number(ms, decimals: 2) + "ms"
    }

    static let funnelSegments = [
        SVGStackedBars.Segment(name: "acked", color: Colors.acked),
        SVGStackedBars.Segment(name: "pending", color: Colors.pending),
        SVGStackedBars.Segment(name: "dropped", color: Colors.dropped),
        SVGStackedBars.Segment(name: "sampled out", color: Colors.sampledOut),
    ]
}
