import Foundation

/// A baseline comparison as a gate with an exit code: the logic of `clickswarm compare` and
/// of `clickswarm run --baseline`.
///
/// Exit codes: 0 no regression; 99 a regression beyond tolerance; 64 invalid input (a report
/// file that cannot be read, a bad `--max-regression` or `--format`, runs that do not match).
public struct BaselineGate: Sendable {
    public static let passed: Int32 = 0
    public static let invalidInput: Int32 = 64
    public static let regression: Int32 = 99

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
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ReportDecodingError(message: "cannot read the \(role) report \(path): \(error.localizedDescription)")
        }
        do {
            return try RunReport.decode(data)
        } catch let error as ReportDecodingError {
            throw ReportDecodingError(message: "the \(role) report \(path): \(error.message)")
        } catch {
            throw ReportDecodingError(message: "the \(role) report \(path): \(error)")
        }
    }

    /// Compares, prints the table to `output` and, on a regression or refusal, a line to `errors`;
    /// returns 0, 99 or 64.
    public func check(
        baseline: RunReport, current: RunReport, output: (String) -> Void, errors: (String) -> Void
    ) -> Int32 {
        let comparison: BaselineComparison
        do {
            comparison = try BaselineComparison(
                baseline: baseline, current: current, tolerances: tolerances, allowMismatch: allowMismatch)
        } catch {
            errors("clickswarm: \(error)")
            return Self.invalidInput
        }
        output(comparison.rendered(format))
        guard comparison.hasRegression else { return Self.passed }
        errors("clickswarm: \(comparison.summary)")
        return Self.regression
    }

    /// `clickswarm compare BASELINE CURRENT`: everything but the flag parsing.
    public static func compare(
        baselinePath: String, currentPath: String, maxRegression: String?, format: String, allowMismatch: Bool,
        output: (String) -> Void, errors: (String) -> Void
    ) -> Int32 {
        guard let format = BaselineComparison.Format(rawValue: format) else {
            errors("clickswarm: --format must be text or md, not '\(format)'")
            return invalidInput
        }
        var gate = BaselineGate(format: format, allowMismatch: allowMismatch)
        do {
            if let maxRegression { gate.tolerances = try RegressionTolerances(parsing: maxRegression) }
            let baseline = try readReport(at: baselinePath, role: "baseline")
            let current = try readReport(at: currentPath, role: "current")
            return gate.check(baseline: baseline, current: current, output: output, errors: errors)
        } catch {
            errors("clickswarm: \(error)")
            return invalidInput
        }
    }
}
