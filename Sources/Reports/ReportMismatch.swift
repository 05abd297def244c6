/// Two reports that are not runs of the same thing, so their figures cannot be compared.
public struct ReportMismatch: Error, Equatable, CustomStringConvertible {
    /// Like `seed 42 vs 7`, baseline first.
    public var differences: [String]

    public var description: String {
        "the baseline and the current report are not runs of the same scenario set-up ("
            + differences.joined(separator: "; ") + ", baseline first); compare runs of one scenario "
            + "with the same seed, devices, duration and mode, or pass --allow-mismatch"
    }
}
