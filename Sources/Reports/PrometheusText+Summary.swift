import SwarmPrimitives

extension PrometheusText {
    /// `<name>_seconds` as a summary (quantiles 0.5 to 0.999, `_sum` from the mean) and
    /// `<name>_max_seconds` as a gauge; nothing but the count when the histogram is empty.
    mutating func summary(_ name: String, _ help: String, _ figures: HistogramSummary) {
        summaries(name, help, nil, ["": figures])
    }

    /// The same per value of `label`, in the values' order.
    mutating func summaries(_ name: String, _ help: String, _ label: String?, _ figures: [String: HistogramSummary]) {
        let keys = figures.keys.sorted()
        family("\(name)_seconds", .summary, help + " In seconds.")
        for key in keys {
            let summary = figures[key]!
            let labels = label.map { [($0, key)] } ?? []
            let quantiles: [(String, Double?)] = [
                ("0.5", summary.p50Ms), ("0.9", summary.p90Ms), ("0.95", summary.p95Ms), ("0.99", summary.p99Ms),
                ("0.999", summary.p99_9Ms),
            ]
            for (quantile, ms) in quantiles {
                guard let ms else { continue }
                sample("\(name)_seconds", labels + [("quantile", quantile)], ms / 1_000)
            }
            sample("\(name)_seconds_sum", labels, (summary.meanMs ?? 0) * Double(summary.count) / 1_000)
            sample("\(name)_seconds_count", labels, Double(summary.count))
        }
        family("\(name)_max_seconds", .gauge, help + " Largest value, in seconds.")
        for key in keys {
            guard let max = figures[key]!.maxMs else { continue }
            sample("\(name)_max_seconds", label.map { [($0, key)] } ?? [], max / 1_000)
        }
    }
}
