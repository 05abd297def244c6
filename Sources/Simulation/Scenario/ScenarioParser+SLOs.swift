/// `slos`: the thresholds a run must meet.
extension ScenarioParser {
    /// Percentile key to percentile.
    static let percentiles: [(key: String, percentile: Double)] = [
        ("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99), ("p99.9", 99.9), ("max", 100),
    ]
    /// The SDK's drop reasons (`SDKEvent.dropped`).
    static let dropReasons = ["drop_list", "store_full", "socket_not_open", "instant_unacked", "retries_exhausted"]

    mutating func slos(_ value: YAMLValue) -> Scenario.SLOs {
        var slos = Scenario.SLOs()
        let keys = [
            "latency", "batch_round_trip", "delivery_ratio", "drop_rate", "drop_rate_by_reason", "connect_success",
            "require_delivery", "missing_after_ack",
        ]
        guard let fields = fields(value, keys: keys) else { return slos }
        if let value = fields["latency"] { slos.latency = percentileLimits(value) }
        if let value = fields["batch_round_trip"] { slos.batchRoundTrip = percentileLimits(value) }
        if let value = fields["delivery_ratio"] { slos.deliveryRatio = quantity(value, as: .fraction) }
        if let value = fields["drop_rate"] { slos.dropRate = quantity(value, as: .fraction) }
        if let value = fields["drop_rate_by_reason"], let entries = entries(value) {
            for entry in entries {
                guard Self.dropReasons.contains(entry.name) else {
                    fail(entry.key, NameSuggestion.unknown("drop reason", entry.name, among: Self.dropReasons))
                    continue
                }
                if let rate = quantity(entry.value, as: .fraction) { slos.dropRateByReason[entry.name] = rate }
            }
        }
        if let value = fields["connect_success"] { slos.connectSuccess = quantity(value, as: .fraction) }
        if let value = fields["require_delivery"], let required = bool(value) { slos.requireDelivery = required }
        if let value = fields["missing_after_ack"] { slos.missingAfterAck = quantity(value, as: .count) }
        return slos
    }

    private mutating func percentileLimits(_ value: YAMLValue) -> [Double: Double] {
        var limits: [Double: Double] = [:]
        guard let fields = fields(value, keys: Self.percentiles.map(\.key)) else { return limits }
        for (key, percentile) in Self.percentiles {
            if let value = fields[key], let limit = quantity(value, as: .duration, above: 0) {
                limits[percentile] = limit
            }
        }
        return limits
    }
}
