import ArgumentParser
import ClickSwarmCommands

@main
struct ClickSwarm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clickswarm",
        abstract: "A load generator for Clickstream/Raccoon analytics collectors.",
        discussion: """
            Exit codes: 0 success; 1 unexpected error; 64 invalid input (flags, files); \
            69 set-up failure (port in use, file-descriptor limit, target unreachable); \
            70 unbalanced reconciliation; 73 report not writable; 74 the collector's NDJSON sink failed to write; \
            99 an SLO failed or a baseline regression; \
            130 interrupted.
            """,
        version: "0.1.0",
        subcommands: [
            RunScenarioCommand.self, ValidateCommand.self, ReplayCommand.self, CollectorCommand.self,
            ReportCommand.self, CompareCommand.self, MergeCommand.self,
        ]
    )
}

/// The exit codes the README documents.
enum ExitCodes {
    static let invalidInput: Int32 = 64
    static let setUpFailure: Int32 = 69
    static let cannotWrite: Int32 = 73
    /// `collector`: the NDJSON sink failed to write (EX_IOERR); the file is incomplete.
    static let sinkFailed: Int32 = 74
}
