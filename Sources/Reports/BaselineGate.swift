import Foundation
import SwarmPrimitives

/// A baseline comparison as a gate: the logic of `clickswarm compare` and of
/// `clickswarm run --baseline`.
public struct BaselineGate: Sendable {
    /// What the gate decided.
    public enum Outcome: Sendable, Equatable {
        /// No figure regressed beyond its tolerance.
        case passed
        /// A figure regressed beyond its tolerance.
        case regression
        /// The comparison was refused: a report that cannot be read, a bad `--max-regression`
        /// or `--format`, runs that do not match.
        case refused
    }

    public var tolerances: RegressionTolerances
    public var format: BaselineComparison.Format
    public var allowMismatch: Bool

    public init(
        tolerances: RegressionTolerances = .defaults, format: BaselineComparison.Format = .text,
        allowMismatch: Bool = false
    ) {
        self.tolerances = tolerances
        self.format = format
        self.allowMismatch = allowMismatch
    }

    /// Reads a report file; the error names the file and its `role` (`baseline`, `current`).
    public static func readReport(at path: String, role: String) throws(ReportDecodingError) -> RunReport {
        let data: Data
        do {
            data = Data(try FileIO.read(path))
        } catch {
            throw ReportDecodingError(message: "cannot read the \(role) report \(error)")
        }
        do {
            return try RunReport.decode(data)
        } catch let error as ReportDecodingError {
            throw ReportDecodingError(message: "the \(role) report \(path): \(error.message)")
        } catch {
            throw ReportDecodingError(message: "the \(role) report \(path): \(error)")
        }
    }

    /// Before a run starts: the baseline must be a run of the same scenario set-up as the run
    /// about to start (scenario, seed, devices, duration, mode), unless mismatches are allowed;
    /// nil when it is, else what differs. A partial baseline is always refused.
    public func refusal(baseline: RunReport, planned: RunInfo) -> String? {
        if baseline.run.partial == true {
            return "the baseline is a partial report (written during a run that did not finish)"
        }
        let differences = BaselineComparison.mismatches(baseline.run, planned)
        guard !differences.isEmpty, !allowMismatch else { return nil }
        return ReportMismatch(differences: differences).description
    }

    /// Compares, prints the table to `output` and, on a regression or refusal, a line to `errors`.
    public func check(
        baseline: RunReport, current: RunReport, output: (String) -> Void, errors: (String) -> Void
    ) -> Outcome {
        let comparison: BaselineComparison
        do {
            comparison = try BaselineComparison(
                baseline: baseline, current: current, tolerances: tolerances, allowMismatch: allowMismatch)
        } catch {
            errors("clickswarm: \(error)")
            return .refused
        }
        output(comparison.rendered(format))
        guard comparison.hasRegression else { return .passed }
        errors("clickswarm: \(comparison.summary)")
        return .regression
    }

    /// `clickswarm compare BASELINE CURRENT`: everything but the flag parsing.
    public static func compare(
        baselinePath: String, currentPath: String, maxRegression: String?, format: String, allowMismatch: Bool,
        output: (String) -> Void, errors: (String) -> Void
    ) -> Outcome {
        guard let format = BaselineComparison.Format(rawValue: format) else {
            errors("clickswarm: --format must be text or md, not '\(format)'")
            return .refused
        }
        var gate = BaselineGate(format: format, allowMismatch: allowMismatch)
        do {
            if let maxRegression { gate.tolerances = try RegressionTolerances(parsing: maxRegression) }
            let baseline = try readReport(at: baselinePath, role: "baseline")
            let current = try readReport(at: currentPath, role: "current")
            return gate.check(baseline: baseline, current: current, output: output, errors: errors)
        } catch {
            errors("clickswarm: \(error)")
            return .refused
        }
    }
}
