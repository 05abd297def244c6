import ArgumentParser
import ClickSwarmCommands
import Foundation
import Reports

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the reports of every shard of a run (`run --shard i/N`) into the run's report.",
        discussion: """
            Counters are summed, HDR histograms added bucket for bucket, the series aligned by second, the \
            reconciliation summed and checked again, SLOs re-evaluated: the merged report equals the \
            unsharded run's. Exit codes: 0 merged (whatever the verdict); 64 invalid input (unreadable \
            report, not a shard, shards of different runs, a shard missing or given twice); 73 the \
            merged report cannot be written.
            """
    )

    @Argument(help: "The shards' JSON reports, one per shard.") var reports: [String]
    @Option(name: .shortAndLong, help: "Where to write the merged report (default: standard output).")
    var output: String?

    func run() throws {
        var shards: [RunReport] = []
        for path in reports {
            do {
                shards.append(try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: path))))
            } catch let error as ReportDecodingError {
                throw failure("\(path): \(error)", code: ExitCodes.invalidInput)
            } catch {
                throw failure("\(path): cannot read it: \(error.localizedDescription)", code: ExitCodes.invalidInput)
            }
        }
        let merged: RunReport
        do {
            merged = try RunReport.merge(shards)
        } catch {
            throw failure("\(error)", code: ExitCodes.invalidInput)
        }
        let data: Data
        do { data = try merged.jsonData() } catch { throw failure("cannot encode the report: \(error)", code: 1) }
        guard let output else {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw failure(
                "\(output): cannot write the merged report: \(error.localizedDescription)", code: ExitCodes.cannotWrite)
        }
        Console.write(
            "merged \(shards.count) shards of \(merged.run.scenario) (\(merged.run.devices) devices, "
                + "verdict \(merged.verdict.rawValue)): \(output)", to: .standardError)
    }

    /// Prints `message` and gives the exit code to throw.
    private func failure(_ message: String, code: Int32) -> ExitCode {
        Console.write("clickswarm merge: \(message)", to: .standardError)
        return ExitCode(code)
    }
}
