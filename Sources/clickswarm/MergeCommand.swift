import ArgumentParser
import ClickSwarmCommands

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
        try ShardMerge.run(reports: reports, output: output, errors: Console.errors).exit()
    }
}
