import Foundation
import Logging
import Reports
import Simulation
import SwarmPrimitives

/// `clickswarm run`: what the command line asked for.
public struct RunRequest: Sendable {
    public var file: String
    public var overrides = ScenarioOverrides()
    public var outputDirectory = "results"
    public var quiet = false
    /// Standard output is a terminal: rewrite one status line, colour the summary.
    public var terminal = false
    public var threads = 0
    /// Run on a virtual clock with an in-memory collector (`--simulated`).
    public var simulated = false
    /// Where the run logs (debug and trace); nothing unless the caller hands one in.
    public var logger = Logger(label: "clickswarm.run", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Renderings to write next to the JSON report (same name, the format's extension).
    public var formats: [ReportFormat] = []
    /// Where to push the figures, once the report is written (and live, with an interval).
    public var push = PushSettings()
    /// `--baseline`: compare the finished report with this report file, through `baselineGate`.
    public var baseline: String?
    public var baselineGate = BaselineGate()
    /// `--shard i/N`: run only devices i, i+N, ... of the population.
    public var shard: RunInfo.Shard?
    /// `--start-at`: live runs start at this wall-clock time (shared by the shards of one run).
    public var startAt: Date?
    /// Seconds between partial reports; 0 for none.
    public var partialInterval: Double = 10

    public init(file: String) { self.file = file }
}
