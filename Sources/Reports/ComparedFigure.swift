/// One figure that `BaselineComparison` compares: its `--max-regression` key, unit, which
/// direction is worse, its default tolerance, and how to read it from a report.
///
/// `ComparedFigure.all` is the documented list (README, "Baselines and CI gates"). Figures that
/// depend on the machine's speed (latencies, wall-clock rates) get wide defaults; counts that the
/// seed fixes get tight ones; delivery ratio and drop rate get small absolute ones.
public struct ComparedFigure: Sendable {
    public enum Unit: Sendable {
        /// Durations; tolerances are `10%` or `200ms` / `1.5s`.
        case milliseconds
        /// Fractions from 0 to 1; tolerances are percentage points, `0.1%` or `0.1pp`.
        case ratio
        /// Whole events; tolerances are `1%` or a count such as `10`.
        case count
        /// Events per second; tolerances are `20%` or a rate such as `500`.
        case perSecond
    }

    public enum Direction: Sendable {
        case higherIsWorse, lowerIsWorse
        /// A workload figure (events generated): a change either way means the run did
        /// something else.
        case anyChangeIsWorse
    }

    /// The `--max-regression` key, like `p99` or `delivery`.
    public let key: String
    /// Other spellings of the key, like `p99.9` for `p999`.
    public let aliases: [String]
    public let unit: Unit
    public let direction: Direction
    public let defaultTolerance: Tolerance
    /// What the figure is, for the README and `--help`.
    public let summary: String
    /// The rows this figure gives for a report: a label and the value (nil: no data).
    let rows: @Sendable (RunReport) -> [(label: String, value: Double?)]

    init(
        _ key: String, aliases: [String] = [], _ unit: Unit, _ direction: Direction, _ tolerance: Tolerance,
        _ summary: String, rows: @escaping @Sendable (RunReport) -> [(label: String, value: Double?)]
    ) {
        self.key = key
        self.aliases = aliases
        self.unit = unit
        self.direction = direction
        self.defaultTolerance = tolerance
        self.summary = summary
        self.rows = rows
    }

    /// One row labelled `label`.
    init(
        _ key: String, aliases: [String] = [], _ unit: Unit, _ direction: Direction, _ tolerance: Tolerance,
        _ summary: String, label: String, value: @escaping @Sendable (RunReport) -> Double?
    ) {
        self.init(key, aliases: aliases, unit, direction, tolerance, summary) { [(label, value($0))] }
    }

    /// Every compared figure, in table order.
    public static let all: [ComparedFigure] =
        latency + [
            ComparedFigure(
                "batch_p50", .milliseconds, .higherIsWorse, machineSpeed, "batch round trip, median",
                label: "batch round trip p50", value: { $0.latency.batchRoundTrip.p50Ms }),
            ComparedFigure(
                "batch_p99", aliases: ["batch"], .milliseconds, .higherIsWorse, machineSpeedTail,
                "batch round trip, 99th percentile", label: "batch round trip p99",
                value: { $0.latency.batchRoundTrip.p99Ms }),
            ComparedFigure(
                "connect_p50", .milliseconds, .higherIsWorse, machineSpeed, "connect time, median",
                label: "connect time p50", value: { $0.latency.connect.p50Ms }),
            ComparedFigure(
                "connect_p99", aliases: ["connect"], .milliseconds, .higherIsWorse, machineSpeedTail,
                "connect time, 99th percentile", label: "connect time p99", value: { $0.latency.connect.p99Ms }),
            ComparedFigure(
                "first_ack_p99", aliases: ["ttfa", "time_to_first_ack"], .milliseconds, .higherIsWorse, eventLatency,
                "connection open to its first ack, 99th percentile", label: "time to first ack p99",
                value: { $0.latency.timeToFirstAck.p99Ms }),
            ComparedFigure(
                "events_per_s", aliases: ["throughput", "eps"], .perSecond, .lowerIsWorse, Tolerance(relative: 0.25),
                "acked events per wall-clock second", label: "acked events/s",
                value: { $0.run.wallSeconds > 0 ? Double($0.totals.acked) / $0.run.wallSeconds : nil }),
            ComparedFigure(
                "delivery", aliases: ["delivery_ratio"], .ratio, .lowerIsWorse, Tolerance(absolute: 0.001),
                "acked / (generated - sampled out - drop-list drops)", label: "delivery ratio",
                value: { $0.totals.deliveryRatio }),
            ComparedFigure(
                "drop_rate", aliases: ["drops"], .ratio, .higherIsWorse, Tolerance(absolute: 0.001),
                "drops other than drop_list, over generated", label: "drop rate",
                value: {
                    $0.totals.generated > 0 ? Double($0.totals.unexpectedDrops) / Double($0.totals.generated) : nil
                }
            ),
            ComparedFigure(
                "connect_success", aliases: ["connect_success_ratio"], .ratio, .lowerIsWorse,
                Tolerance(absolute: 0.005),
                "connected / connection attempts", label: "connect success", value: { $0.connections.successRatio }),
            ComparedFigure(
                "acked", .count, .lowerIsWorse, Tolerance(relative: 0.005), "events acked", label: "acked",
                value: { Double($0.totals.acked) }),
            ComparedFigure(
                "pending", aliases: ["pending_at_end"], .count, .higherIsWorse, Tolerance(),
                "events still in device stores at the end", label: "pending at end",
                value: { Double($0.totals.pendingAtEnd) }),
            ComparedFigure(
                "unaccounted", .count, .higherIsWorse, Tolerance(),
                "events the reconciliation cannot account for (sum of |unaccounted| over event types)",
                label: "unaccounted",
                value: { Double($0.reconciliation.eventTypes.reduce(0) { $0 + $1.unaccounted.magnitude }) }),
            ComparedFigure(
                "generated", .count, .anyChangeIsWorse, Tolerance(relative: 0.005),
                "events generated, in total and per event type (fixed by seed and duration)"
            ) { report in
                [("generated", Double(report.totals.generated))]
                    + report.byEventType.keys.sorted().map {
                        ("generated \($0)", Double(report.byEventType[$0]!.generated))
                    }
            },
        ]

    /// Event latency percentiles: intended creation to ack, so they carry the batching period as
    /// well as machine speed.
    private static let latency: [ComparedFigure] = {
        typealias Pick = @Sendable (HistogramSummary) -> Double?
        let percentiles: [(String, [String], String, Pick)] = [
            ("p50", [], "median", { $0.p50Ms }),
            ("p90", [], "90th percentile", { $0.p90Ms }),
            ("p95", [], "95th percentile", { $0.p95Ms }),
            ("p99", [], "99th percentile", { $0.p99Ms }),
            ("p999", ["p99.9", "p99_9"], "99.9th percentile", { $0.p99_9Ms }),
            ("max", [], "maximum", { $0.maxMs }),
        ]
        return percentiles.map { key, aliases, name, pick in
            ComparedFigure(
                key, aliases: aliases, .milliseconds, .higherIsWorse, eventLatency, "event latency, \(name)",
                label: "event latency \(key)", value: { pick($0.latency.event) })
        }
    }()

    /// Event latency: +50%, and at least 1 s worse. On a busy 2-core machine a smoke run's
    /// tail moved by up to 0.8 s (README, "Baselines and CI gates").
    static let eventLatency = Tolerance(relative: 0.5, absolute: 1_000)
    /// Median round trip and connect time on a loopback: +50%, and at least 50 ms worse.
    static let machineSpeed = Tolerance(relative: 0.5, absolute: 50)
    /// Their 99th percentiles, which a busy machine moves most (+276 ms seen): +100% and +500 ms.
    static let machineSpeedTail = Tolerance(relative: 1, absolute: 500)

    /// The figure a key or alias names.
    static func named(_ key: String) -> ComparedFigure? {
        all.first { $0.key == key || $0.aliases.contains(key) }
    }
}
