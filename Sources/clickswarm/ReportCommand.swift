import ArgumentParser
import ClickSwarmCommands
import Reports

extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render a saved run report as text, Markdown, HTML, JUnit XML or Prometheus text.",
        discussion: """
            Writes to standard output, or to -o FILE. Exit codes: 0 written; 64 the report file is missing \
            or not a run report; 73 the output cannot be written.
            """
    )

    @Argument(help: "The JSON run report (results/NAME-TIME.json).") var file: String
    @Option(help: "text, md, html, junit or prom.") var format: ReportFormat = .text
    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func run() throws {
        try ReportRendering.run(file: file, format: format, output: output, errors: Console.errors).exit()
    }
}
