import Foundation
import Logging
import Reports
import Simulation
import SwarmPrimitives

/// `clickswarm run`: what the command line asked for.
package struct RunRequest: Sendable {
    package var file: String
    package var overrides = ScenarioOverrides()
    package var outputDirectory = "results"
    package var quiet = false
    /// Standard output is a terminal: rewrite one status line, colour the summary.
    package var terminal = false
    package var threads = 0
    /// Run on a virtual clock with an in-memory collector (`--simulated`).
    package var simulated = false
    /// Where the run logs (debug and trace); nothing unless the caller hands one in.
    package var logger = Logger(label: "clickswarm.run", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Renderings to write next to the JSON report (same name, the format's extension).
    package var formats: [ReportFormat] = []
    /// Where to push the figures, once the report is written (and live, with an interval).
    package var push = PushSettings()
    /// `--baseline`: compare the finished report with this report file, through `baselineGate`.
    package var baseline: String?
    package var baselineGate = BaselineGate()
    /// `--shard i/N`: run only devices i, i+N, ... of the population.
    package var shard: RunInfo.Shard?
    /// `--start-at`: live runs start at this wall-clock time (shared by the shards of one run).
    package var startAt: Date?
    /// `--audit-kafka`: after the drain, look for the acked events in these brokers' topics.
    package var audit: KafkaAuditSettings?
    /// Seconds between partial reports; 0 for none.
    package var partialInterval: Double = 10

    package init(file: String) { self.file = file }
}
