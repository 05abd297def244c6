/// One SLO checked against a run.
public struct SLOResult: Codable, Sendable, Equatable {
    public var name: String
    /// Like `event_latency_p99_s`, `delivery_ratio`, `drop_rate[store_full]`.
    public var metric: String
    /// `<=` (actual at most threshold) or `>=` (at least).
    public var comparison: String
    public var threshold: Double
    /// Nil when the run has no data for the metric (then `passed` is false).
    public var actual: Double?
    public var passed: Bool
    /// Why there is no figure, when `actual` is nil.
    public var detail: String?

    public init(
        name: String, metric: String, comparison: String, threshold: Double, actual: Double?, passed: Bool,
        detail: String? = nil
    ) {
        self.name = name
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
        self.actual = actual
        self.passed = passed
        self.detail = detail
    }
}
