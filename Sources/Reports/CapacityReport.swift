import Foundation

/// What `clickswarm capacity` found: the knee (the most load that met every SLO), the first SLO
/// that broke and by how much, and every step's figures. The JSON file holds it under `capacity`
/// (`CapacityFile`); the fields are documented in `results/README.md`.
public struct CapacityReport: Codable, Sendable, Equatable {
    /// How the search ended; it sets the exit code.
    public enum Outcome: String, Codable, Sendable {
        /// A knee between a passing and a failing step, within the precision.
        case found
        /// Every step up to `to` passed: the knee is above the range searched.
        case aboveRange = "above_range"
        /// The first step (`from`) already failed: the knee is below the range searched.
        case belowRange = "below_range"
        /// The generator reached its own CPU budget while the collector was not limiting: the
        /// figures say more about this machine than about the collector.
        case generatorBottleneck = "generator_bottleneck"
        /// Stopped by Ctrl-C or SIGTERM.
        case interrupted
    }

    public var scenario: String
    public var mode: RunInfo.Mode
    public var target: String
    /// `devices` or `rate` (a multiple of the scenario's event rate).
    public var vary: String
    public var from: Double
    public var to: Double
    public var stepDurationS: Double
    public var warmUpS: Double
    public var precision: Double
    /// `capacity.at_least`, when the scenario sets one.
    public var atLeast: Double?
    /// The collector's `max_events_per_second`, when the embedded collector has one.
    public var collectorLimitEventsPerSecond: Double?
    public var outcome: Outcome
    /// The most load that met every SLO; nil when no step passed.
    public var knee: Double?
    /// The knee step's acked events a second (after its warm-up).
    public var kneeEventsPerSecond: Double?
    /// The least load that failed; nil when none did.
    public var firstFailure: Double?
    /// The SLO that broke first at `firstFailure` (the one furthest past its threshold).
    public var brokenSLO: BrokenSLO?
    /// `at_least` was set and the knee is below it (exit 99).
    public var belowFloor: Bool
    /// Why the generator is the bottleneck, when it is.
    public var bottleneck: String?
    /// In the order they ran.
    public var steps: [CapacityStep]

    enum CodingKeys: String, CodingKey {
        case scenario, mode, target, vary, from, to, precision, outcome, knee, bottleneck, steps
        case stepDurationS = "step_duration_s"
        case warmUpS = "warm_up_s"
        case atLeast = "at_least"
        case collectorLimitEventsPerSecond = "collector_limit_events_per_second"
        case kneeEventsPerSecond = "knee_events_per_second"
        case firstFailure = "first_failure"
        case brokenSLO = "broken_slo"
        case belowFloor = "below_floor"
    }

    /// An SLO a step broke: its figure, the threshold, and by how much (a fraction of the
    /// threshold: 0.5 is 50% past it).
    public struct BrokenSLO: Codable, Sendable, Equatable {
        public var name: String
        public var metric: String
        public var comparison: String
        public var threshold: Double
        /// Nil when the step had no data for it.
        public var actual: Double?
        public var excess: Double?

        public init(_ result: SLOResult) {
            name = result.name
            metric = result.metric
            comparison = result.comparison
            threshold = result.threshold
            actual = result.actual
            excess = result.actual.map { actual in
                let over = result.comparison == "<=" ? actual - result.threshold : result.threshold - actual
                return HistogramSummary.rounded(result.threshold == 0 ? over : over / result.threshold, decimals: 4)
            }
        }
    }

    public init(
        scenario: String, mode: RunInfo.Mode, target: String, vary: String, from: Double, to: Double,
        stepDurationS: Double, warmUpS: Double, precision: Double, atLeast: Double?,
        collectorLimitEventsPerSecond: Double?, outcome: Outcome, knee: Double?, firstFailure: Double?,
        bottleneck: String?, steps: [CapacityStep]
    ) {
        self.scenario = scenario
        self.mode = mode
        self.target = target
        self.vary = vary
        self.from = from
        self.to = to
        self.stepDurationS = stepDurationS
        self.warmUpS = warmUpS
        self.precision = precision
        self.atLeast = atLeast
        self.collectorLimitEventsPerSecond = collectorLimitEventsPerSecond
        self.outcome = outcome
        self.knee = knee
        self.firstFailure = firstFailure
        self.bottleneck = bottleneck
        self.steps = steps
        let kneeStep = knee.flatMap { knee in steps.last { $0.load == knee && $0.passed } }
        kneeEventsPerSecond = kneeStep?.ackedPerSecond
        brokenSLO = firstFailure.flatMap { load in steps.first { $0.load == load && !$0.passed } }?.worstFailure
        belowFloor = atLeast.map { floor in (knee ?? 0) < floor } ?? false
    }
}

/// The file `clickswarm capacity` writes: the search under `capacity`.
public struct CapacityFile: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1
    public var schemaVersion: Int
    public var toolVersion: String
    public var capacity: CapacityReport

    enum CodingKeys: String, CodingKey {
        case capacity
        case schemaVersion = "schema_version"
        case toolVersion = "tool_version"
    }

    public init(_ capacity: CapacityReport) {
        schemaVersion = Self.currentSchemaVersion
        toolVersion = RunInfo.toolVersion
        self.capacity = capacity
    }

    /// Sorted keys, pretty printed: the same search always gives the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
