/// Everything a run measured, versioned and Codable; the JSON form (snake_case keys, sorted,
/// pretty printed) is documented field by field in `results/README.md`.
public struct RunReport: Codable, Sendable, Equatable {
    /// The schema this code writes and reads; bumped on any incompatible change.
    public static let currentSchemaVersion = 1

    /// `passed`, `slo_failed`, or `unbalanced` (something unaccounted; wins over SLO failures).
    public enum Verdict: String, Codable, Sendable {
        case passed
        case sloFailed = "slo_failed"
        case unbalanced
    }

    public var schemaVersion: Int
    public var run: RunInfo
    public var totals: FunnelFigures
    public var byEventType: [String: FunnelFigures]
    public var byFlavor: [String: FunnelFigures]
    public var byNetwork: [String: FunnelFigures]
    public var connections: ConnectionFigures
    /// SDK health events by name.
    public var health: [String: UInt64]
    /// Free-form counters from the simulation (`killed`, `battery_low_entered`, ...).
    public var notes: [String: UInt64]
    public var latency: LatencyFigures
    public var series: [SeriesPoint]
    public var collector: CollectorAccounting?
    /// The acked events looked for in the collector's Kafka topics (`run --audit-kafka`); absent
    /// without an audit.
    public var audit: KafkaAuditFigures? = nil
    public var reconciliation: Reconciliation
    public var slos: [SLOResult]
    public var verdict: Verdict

    enum CodingKeys: String, CodingKey {
        case run, totals, connections, health, notes, latency, series, collector, audit, reconciliation, slos, verdict
        case schemaVersion = "schema_version"
        case byEventType = "by_event_type"
        case byFlavor = "by_flavor"
        case byNetwork = "by_network"
    }
}
