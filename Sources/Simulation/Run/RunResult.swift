import Reports

/// What a run produced: the report and where it was written.
public struct RunResult: Sendable {
    public var report: RunReport
    public var reportPath: String
    /// Set when the report could not go where it was asked to and was written to the temporary
    /// folder instead: why, and where it is.
    public var reportProblem: String?
    /// Virtual clocks: run seconds per wall-clock second.
    public var simulatedSecondsPerWallSecond: Double?
    /// The timeline of `RunOptions.trace`'s device.
    public var timeline: DeviceTimeline?
}
