/// A threshold a run must meet, checked against its report by `RunReport.evaluate(_:)`.
///
/// A metric without data fails: a latency percentile with no acked events (or no batches), a
/// ratio whose denominator is 0. A run that produced nothing must not pass its SLOs by accident.
public struct SLOThreshold: Sendable, Equatable {
    public enum Metric: Sendable, Equatable {
        /// Event latency at this percentile (0...100) at most `threshold` seconds.
        case latencyPercentile(Double)
        /// Batch round trip at this percentile at most `threshold` seconds.
        case batchRoundTripPercentile(Double)
        /// At least `acked / (generated - sampled_out - dropped[drop_list])`.
        case deliveryRatio
        /// At most `dropped (all reasons but drop_list) / generated`.
        case dropRate
        /// At most `dropped[reason] / generated`.
        case dropRateForReason(String)
        /// At least `connected / attempts`.
        case connectSuccess
        /// At most this many acked events missing from the Kafka topics (`run --audit-kafka`).
        case missingAfterAck
        /// At least this many events acked (the built-in "something was delivered" check).
        case ackedEvents
        /// At least this many connections opened (the built-in "the target answered" check).
        case connectionsOpened

        /// The `metric` field of a result, like `event_latency_p99_s` or `drop_rate[store_full]`.
        public var name: String {
            switch self {
            case .latencyPercentile(let percentile): return "event_latency_\(Self.label(percentile))_s"
            case .batchRoundTripPercentile(let percentile): return "batch_round_trip_\(Self.label(percentile))_s"
            case .deliveryRatio: return "delivery_ratio"
            case .dropRate: return "drop_rate"
            case .dropRateForReason(let reason): return "drop_rate[\(reason)]"
            case .connectSuccess: return "connect_success"
            case .missingAfterAck: return "missing_after_ack"
            case .ackedEvents: return "acked_events"
            case .connectionsOpened: return "connections_opened"
            }
        }

        /// Whether `actual` must stay at most (`<=`) or at least (`>=`) the threshold.
        public var comparison: String {
            switch self {
            case .latencyPercentile, .batchRoundTripPercentile, .dropRate, .dropRateForReason, .missingAfterAck:
                return "<="
            case .deliveryRatio, .connectSuccess, .ackedEvents, .connectionsOpened: return ">="
            }
        }

        /// `p99`, `p99_9`, `p100`.
        static func label(_ percentile: Double) -> String {
            let text = percentile == percentile.rounded() ? String(Int(percentile)) : String(percentile)
            return "p" + String(text.map { $0 == "." ? "_" : $0 })
        }
    }

    public var name: String
    public var metric: Metric
    /// Seconds for latencies, a fraction from 0 to 1 for ratios and rates.
    public var threshold: Double

    public init(name: String, metric: Metric, threshold: Double) {
        self.name = name
        self.metric = metric
        self.threshold = threshold
    }
}

extension SLOThreshold {
    /// The threshold a report's SLO result was checked against (so a merged report can be
    /// checked again); nil for a metric this version does not know.
    public init?(result: SLOResult) {
        guard let metric = Metric(name: result.metric) else { return nil }
        self.init(name: result.name, metric: metric, threshold: result.threshold)
    }
}

extension SLOThreshold.Metric {
    /// The metric a result's `metric` field names (the inverse of `name`).
    init?(name: String) {
        func percentile(_ label: Substring) -> Double? {
            guard label.hasPrefix("p") else { return nil }
            return Double(String(label.dropFirst().map { $0 == "_" ? "." : $0 }))
        }
        switch name {
        case "delivery_ratio": self = .deliveryRatio
        case "drop_rate": self = .dropRate
        case "connect_success": self = .connectSuccess
        case "missing_after_ack": self = .missingAfterAck
        case "acked_events": self = .ackedEvents
        case "connections_opened": self = .connectionsOpened
        default:
            if name.hasPrefix("drop_rate["), name.hasSuffix("]") {
                self = .dropRateForReason(String(name.dropFirst("drop_rate[".count).dropLast()))
            } else if name.hasPrefix("event_latency_"), name.hasSuffix("_s"),
                let value = percentile(name.dropFirst("event_latency_".count).dropLast(2))
            {
                self = .latencyPercentile(value)
            } else if name.hasPrefix("batch_round_trip_"), name.hasSuffix("_s"),
                let value = percentile(name.dropFirst("batch_round_trip_".count).dropLast(2))
            {
                self = .batchRoundTripPercentile(value)
            } else {
                return nil
            }
        }
    }
}
