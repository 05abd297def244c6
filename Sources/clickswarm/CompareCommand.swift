import ArgumentParser
import ClickSwarmCommands
import Reports

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a run report with a baseline report; exit 99 on a regression beyond tolerance.",
        discussion: """
            --max-regression takes key=value pairs, comma-separated: p99=10% (relative), p99=200ms \
            (absolute), delivery=0.1% (ratios: percentage points). A figure regresses only when it is worse \
            by more than both its relative and its absolute slack. Keys: \
            \(ComparedFigure.all.map(\.key).joined(separator: ", ")). \
            Exit codes: 0 no regression; 64 invalid input (unreadable report, bad tolerance, runs of \
            different scenarios, seeds, devices, durations or modes); 99 a regression.
            """
    )

    @Argument(help: "The baseline report (results/baselines/NAME.json).") var baseline: String
    @Argument(help: "The report to check.") var current: String
    @Option(help: "Tolerances that replace the defaults, like p99=10%,delivery=0.1%,connect=200ms.")
    var maxRegression: String?
    @Option(help: "Output: text or md (a Markdown table).") var format = "text"
    @Flag(help: "Compare runs of a different scenario, seed, device count, duration or mode.")
    var allowMismatch = false

    func run() throws {
        let outcome = BaselineGate.compare(
            baselinePath: baseline, currentPath: current, maxRegression: maxRegression, format: format,
            allowMismatch: allowMismatch, output: Console.output, errors: Console.errors)
        try ExitStatus(outcome).exit()
    }
}
