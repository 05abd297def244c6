/// How far one figure may move in its worse direction before a comparison calls it a regression.
///
/// A change is a regression only when it is worse than the baseline by more than **both**
/// slacks: `worsening > relative * |baseline|` and `worsening > absolute`. So a latency default
/// of +50% with a 250 ms floor lets 2 ms become 4 ms (+100%, but only +2 ms) and 10 s become
/// 14 s (+4 s, but only +40%). A slack of 0 does not hold the other back: with both at 0 any
/// worsening is a regression. An improvement beyond the same slacks is reported as improved.
public struct Tolerance: Sendable, Equatable {
    /// A fraction of the baseline figure (0.5 is 50%).
    public var relative: Double
    /// In the figure's own unit: milliseconds for durations, a fraction for ratios (0.001 is
    /// 0.1 percentage points), events for counts, events per second for rates.
    public var absolute: Double

    public init(relative: Double = 0, absolute: Double = 0) {
        self.relative = relative
        self.absolute = absolute
    }

    /// The most `worsening` (or improvement) this tolerance lets pass for `baseline`.
    func slack(from baseline: Double) -> Double {
        max(relative * abs(baseline), absolute)
    }
}
