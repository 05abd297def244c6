import Reports
import Simulation

/// Every exit code of every `clickswarm` command, in one place; the README's table and the
/// top-level help list the same codes with the same words.
package enum ExitStatus: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// The command did what was asked: a run passed, a file was valid, a report was written.
    case success = 0
    /// Something the program did not expect (a bug): the message says what.
    case unexpected = 1
    /// Bad flags, a bad scenario or report file, a baseline of another run.
    case invalidInput = 64
    /// The machine or the target is not ready: a port in use, the open-file limit, an
    /// unreachable target.
    case setupFailed = 69
    /// The run's reconciliation did not balance: an event is unaccounted for, or acked but never
    /// delivered.
    case unbalanced = 70
    /// A Kafka audit (`--audit-kafka`) found acked events missing from the topics: the collector
    /// acked them and lost them (raystack/raccoon#38).
    case missingAfterAck = 71
    /// A report, rendering or output file could not be written.
    case cannotWrite = 73
    /// `collector`: its NDJSON sink (`--ndjson`) failed to write (EX_IOERR); the file is incomplete.
    case sinkFailed = 74
    /// A push (`--push`, `--push-prometheus`) failed; the report is still on disk.
    case pushFailed = 75
    /// `capacity`: the knee was set by the generator itself (its CPU at its budget while the
    /// collector was not limiting), not by the collector; the search stopped there.
    case generatorBottleneck = 98
    /// An SLO failed, or (`--baseline`, `compare`) a figure regressed beyond its tolerance, or
    /// (`capacity`) the knee is below the scenario's `capacity.at_least`.
    case sloFailed = 99
    /// Stopped by Ctrl-C or SIGTERM; the report is still written, marked interrupted.
    case interrupted = 130

    package var description: String {
        switch self {
        case .success: return "success"
        case .unexpected: return "unexpected error"
        case .invalidInput: return "invalid input (flags, files)"
        case .setupFailed: return "set-up failure (port in use, file-descriptor limit, target unreachable)"
        case .unbalanced: return "unbalanced reconciliation"
        case .missingAfterAck: return "acked events missing from Kafka (--audit-kafka)"
        case .cannotWrite: return "report not writable"
        case .sinkFailed: return "the collector's NDJSON sink failed to write"
        case .pushFailed: return "a push failed (the report is still written)"
        case .generatorBottleneck: return "capacity: the generator, not the collector, was the bottleneck"
        case .sloFailed: return "an SLO failed, a baseline regression, or a capacity below capacity.at_least"
        case .interrupted: return "interrupted"
        }
    }

    /// `0 success; 1 unexpected error; ...`: the list for help texts.
    package static var summary: String {
        allCases.map { "\($0.rawValue) \($0.description)" }.joined(separator: "; ")
    }

    /// The code a run error calls for.
    package init(_ error: RunError) {
        switch error {
        case .invalidInput: self = .invalidInput
        case .setupFailed: self = .setupFailed
        case .cannotWriteReport: self = .cannotWrite
        }
    }

    /// The code a finished run's report calls for: unbalanced wins, then acked events missing
    /// from Kafka, then an interrupt, then a Kafka audit that could not run, then a failed push
    /// (the one outcome the report on disk cannot record), then SLOs.
    package init(report: RunReport, pushFailed: Bool = false) {
        let missing = report.slos.contains { $0.metric == "missing_after_ack" && !$0.passed && $0.actual != nil }
        if report.verdict == .unbalanced {
            self = .unbalanced
        } else if missing {
            self = .missingAfterAck
        } else if report.run.interrupted {
            self = .interrupted
        } else if report.audit?.error != nil {
            self = .setupFailed
        } else if pushFailed {
            self = .pushFailed
        } else if report.verdict == .sloFailed {
            self = .sloFailed
        } else {
            self = .success
        }
    }

    /// What a baseline gate's outcome calls for.
    package init(_ outcome: BaselineGate.Outcome) {
        switch outcome {
        case .passed: self = .success
        case .regression: self = .sloFailed
        case .refused: self = .invalidInput
        }
    }
}
