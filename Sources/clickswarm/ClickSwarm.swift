import ArgumentParser
import ClickSwarmCommands
import Reports

@main
struct ClickSwarm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clickswarm",
        abstract: "A load generator for Clickstream/Raccoon analytics collectors.",
        discussion: "Exit codes: \(ExitStatus.summary).",
        version: RunInfo.toolVersion,
        subcommands: [
            RunScenarioCommand.self, ValidateCommand.self, ReplayCommand.self, CollectorCommand.self,
            ReportCommand.self, CompareCommand.self, MergeCommand.self, CapacityCommand.self, BrokerCommand.self,
        ]
    )
}

extension ExitStatus {
    /// Ends the command with this status: nothing for success, else ArgumentParser's exit code.
    func exit() throws {
        if self != .success { throw ExitCode(rawValue) }
    }
}
