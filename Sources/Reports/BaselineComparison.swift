import Foundation

/// A current run report against a baseline, figure by figure (`ComparedFigure.all`), each
/// within its `Tolerance`; plus the verdict and the reconciliation, which may not get worse.
///
/// Pure: it reads two reports and returns rows. Runs of different scenarios, seeds, device
/// counts, durations or modes are refused (`ReportMismatch`) unless `allowMismatch` is set.
public struct BaselineComparison: Sendable, Equatable {
    public enum Status: String, Sendable {
        case ok = "OK"
        case regression = "REGRESSION"
        case improved = "IMPROVED"
    }

    /// One line of the delta table, formatted for people.
    public struct Row: Sendable, Equatable {
        /// Like `event latency p99` or `generated clickswarm-screenview`.
        public var figure: String
        /// The `--max-regression` key that sets its tolerance; nil for the verdict and the reconciliation.
        public var key: String?
        public var baseline: String
        public var current: String
        public var change: String
        public var tolerance: String
        public var status: Status
    }

    /// The two runs, for the table's header.
    public var baselineRun: RunInfo
    public var currentRun: RunInfo
    public var rows: [Row]
    /// What differs between the two runs when `allowMismatch` let it through.
    public var mismatches: [String]

    public var regressions: [Row] { rows.filter { $0.status == .regression } }
    public var hasRegression: Bool { rows.contains { $0.status == .regression } }

    public init(
        baseline: RunReport, current: RunReport, tolerances: RegressionTolerances = .defaults,
        allowMismatch: Bool = false
    ) throws(ReportMismatch) {
        let mismatches = Self.mismatches(baseline.run, current.run)
        if !mismatches.isEmpty, !allowMismatch { throw ReportMismatch(differences: mismatches) }
        self.mismatches = mismatches
        baselineRun = baseline.run
        currentRun = current.run
        rows = []
        for figure in ComparedFigure.all {
            let before = figure.rows(baseline)
            let after = figure.rows(current)
            var labels = before.map(\.label)
            labels += after.map(\.label).filter { !labels.contains($0) }
            for label in labels {
                rows.append(
                    Self.row(
                        label, figure: figure, tolerance: tolerances[figure.key],
                        baseline: before.first { $0.label == label }?.value ?? nil,
                        current: after.first { $0.label == label }?.value ?? nil))
            }
        }
        rows.append(
            Self.stateRow(
                "verdict", baseline.verdict.rawValue, current.verdict.rawValue,
                worse: Self.rank(current.verdict) > Self.rank(baseline.verdict),
                better: Self.rank(current.verdict) < Self.rank(baseline.verdict)))
        let balanced = (baseline.reconciliation.balanced, current.reconciliation.balanced)
        rows.append(
            Self.stateRow(
                "reconciliation", balanced.0 ? "balanced" : "unbalanced", balanced.1 ? "balanced" : "unbalanced",
                worse: balanced == (true, false), better: balanced == (false, true)))
    }

    /// What makes two runs incomparable: scenario, seed, devices, duration, mode.
    static func mismatches(_ baseline: RunInfo, _ current: RunInfo) -> [String] {
        var differences: [String] = []
        if baseline.scenario != current.scenario {
            differences.append("scenario '\(baseline.scenario)' vs '\(current.scenario)'")
        }
        if baseline.seed != current.seed { differences.append("seed \(baseline.seed) vs \(current.seed)") }
        if baseline.devices != current.devices {
            differences.append("devices \(baseline.devices) vs \(current.devices)")
        }
        if baseline.durationS != current.durationS {
            differences.append("duration \(Self.seconds(baseline.durationS)) vs \(Self.seconds(current.durationS))")
        }
        if baseline.mode != current.mode {
            differences.append("mode \(baseline.mode.rawValue) vs \(current.mode.rawValue)")
        }
        if (baseline.partial ?? false) != (current.partial ?? false) {
            differences.append(
                "\(baseline.partial == true ? "partial" : "final") report vs \(current.partial == true ? "partial" : "final")"
            )
        }
        return differences
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }

    private static func rank(_ verdict: RunReport.Verdict) -> Int {
        switch verdict {
        case .passed: return 0
        case .sloFailed: return 1
        case .unbalanced: return 2
        }
    }

    private static func stateRow(_ figure: String, _ baseline: String, _ current: String, worse: Bool, better: Bool)
        -> Row
    {
        Row(
            figure: figure, key: nil, baseline: baseline, current: current,
            change: baseline == current ? "same" : (worse ? "worse" : (better ? "better" : "changed")),
            tolerance: "no worse", status: worse ? .regression : (better ? .improved : .ok))
    }

    private static func row(
        _ label: String, figure: ComparedFigure, tolerance: Tolerance, baseline: Double?, current: Double?
    ) -> Row {
        let unit = figure.unit
        var row = Row(
            figure: label, key: figure.key, baseline: baseline.map { format(unit, $0) } ?? "-",
            current: current.map { format(unit, $0) } ?? "-", change: "",
            tolerance: describe(tolerance, unit: unit, direction: figure.direction), status: .ok)
        switch (baseline, current) {
        case (nil, nil):
            row.change = "no data"
        case (.some, nil):
            row.change = "no data now"
            row.status = .regression
        case (nil, .some):
            row.change = "new"
        case (let before?, let after?):
            row.change = change(unit, from: before, to: after)
            let worsening: Double
            switch figure.direction {
            case .higherIsWorse: worsening = after - before
            case .lowerIsWorse: worsening = before - after
            case .anyChangeIsWorse: worsening = abs(after - before)
            }
            // Room for the rounding of figures written with 6 decimals.
            let slack = tolerance.slack(from: before) + 1e-9 * max(1, abs(before))
            if worsening > slack {
                row.status = .regression
            } else if -worsening > slack {
                row.status = .improved
            }
        }
        return row
    }

    static func format(_ unit: ComparedFigure.Unit, _ value: Double) -> String {
        switch unit {
        case .milliseconds: return Formatting.milliseconds(value)
        case .ratio: return String(format: "%.3f%%", value * 100)
        case .count: return Formatting.count(Int64(value.rounded()))
        case .perSecond: return String(format: "%.1f/s", value)
        }
    }

    private static func change(_ unit: ComparedFigure.Unit, from before: Double, to after: Double) -> String {
        let delta = after - before
        if delta == 0 { return "0" }
        let sign = delta > 0 ? "+" : "-"
        let relative = before != 0 ? String(format: " (%+.1f%%)", delta / abs(before) * 100) : ""
        switch unit {
        case .milliseconds: return sign + Formatting.milliseconds(abs(delta)) + relative
        case .ratio: return String(format: "%+.3fpp", delta * 100)
        case .count: return sign + Formatting.count(Int64(abs(delta).rounded())) + relative
        case .perSecond: return sign + String(format: "%.1f/s", abs(delta)) + relative
        }
    }

    /// `+50% and +1s`, `-0.1pp`, `+0`: how much worse the figure may get.
    static func describe(_ tolerance: Tolerance, unit: ComparedFigure.Unit, direction: ComparedFigure.Direction)
        -> String
    {
        let sign: String
        switch direction {
        case .higherIsWorse: sign = "+"
        case .lowerIsWorse: sign = "-"
        case .anyChangeIsWorse: sign = "±"
        }
        var parts: [String] = []
        if tolerance.relative > 0 { parts.append(sign + Self.number(tolerance.relative * 100) + "%") }
        if tolerance.absolute > 0 {
            switch unit {
            case .milliseconds:
                let seconds = tolerance.absolute >= 1_000
                parts.append(sign + Self.number(tolerance.absolute / (seconds ? 1_000 : 1)) + (seconds ? "s" : "ms"))
            case .ratio: parts.append(sign + Self.number(tolerance.absolute * 100) + "pp")
            case .count: parts.append(sign + Self.number(tolerance.absolute))
            case .perSecond: parts.append(sign + Self.number(tolerance.absolute) + "/s")
            }
        }
        return parts.isEmpty ? "\(sign)0" : parts.joined(separator: " and ")
    }

    /// `50`, `0.5`, `0.05`: as short as it reads.
    private static func number(_ value: Double) -> String {
        let rounded = (value * 1_000_000).rounded() / 1_000_000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
