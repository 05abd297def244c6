import ArgumentParser
import ClickSwarmCommands
import Foundation
import Simulation

#if canImport(Glibc)
    import Glibc
#endif

struct CapacityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Find the knee: the most load a collector takes while the scenario's SLOs hold.",
        discussion: """
            Runs the scenario in steps of growing load in one process (devices, or their event rate), doubling \
            from --from until a step breaks an SLO, then bisecting between the last pass and the first failure \
            to --precision. Each step's first --warm-up seconds are left out; live steps share one embedded \
            collector. The report goes to <output>/<scenario>-capacity-<UTC time>.json (and .html); each step's \
            run report to <output>/capacity-steps/. Exit codes: 0 a knee was found (or none up to --to); \
            64 invalid input; 69 set-up failure; 98 the generator was the bottleneck (its CPU at --cpu-budget \
            while the collector was not limiting); 99 the knee is below capacity.at_least, or --from already \
            failed; 130 interrupted.
            """
    )

    @Argument(help: "The scenario file (scenarios/NAME.yaml).") var file: String
    @Option(help: "Override the target: embedded, ws://host:port/path or http://host:port/path.") var target: String?
    @Flag(help: "Run every step on a virtual clock with an in-memory collector (same seed, same report).")
    var simulated = false
    @Option(
        help: ArgumentHelp("What grows: devices, or rate (a multiple of the scenario's).", valueName: "devices|rate"))
    var vary: String?
    @Option(parsing: .unconditional, help: "The first step's load (devices, or a rate multiple).") var from: Double?
    @Option(parsing: .unconditional, help: "The largest load tried.") var to: Double?
    @Option(help: ArgumentHelp("How long each step runs (60s).", valueName: "duration")) var stepDuration: String?
    @Option(
        help: ArgumentHelp(
            "The first seconds of each step left out (a quarter of the step, at most 15s).",
            valueName: "duration"))
    var warmUp: String?
    @Option(help: ArgumentHelp("Stop bisecting when pass and failure are this close (5%).", valueName: "percent"))
    var precision: String?
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "The generator's CPU budget in cores (default: --threads, else every core); at 90% of it, the collector "
                + "not limiting, the search stops: exit 98.", valueName: "cores"))
    var cpuBudget: Double?
    @Option(parsing: .unconditional, help: "Event-loop threads for the live devices (0: one per core).")
    var threads = 0
    @Option(parsing: .unconditional, help: "Override the population's devices (--vary rate keeps them).")
    var devices: Int?
    @Option(parsing: .unconditional, help: "Override the seed.") var seed: UInt64?
    @Option(help: "Directory for the reports.") var output = "results"
    @Flag(help: "No step lines and no table; only the report paths and errors.") var quiet = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "warning"

    func run() async throws {
        var request = CapacityRequest(file: file)
        request.overrides = ScenarioOverrides(devices: devices, seed: seed)
        if let target {
            do {
                request.overrides.target = try Scenario.Target(parsing: target)
            } catch {
                throw ValidationError("--target: \(error)")
            }
        }
        request.plan = try plan()
        request.cpuBudget = cpuBudget
        request.outputDirectory = output
        request.simulated = simulated
        request.threads = threads
        request.quiet = quiet
        do {
            request.logger = try CommandLogging.logger(label: "clickswarm.capacity", level: logLevel)
        } catch {
            throw ValidationError(error.description)
        }
        let stopper = RunStopper()
        var job = SignalledJob<ExitStatus>(logger: request.logger)
        job.noticed = { signal, _ in Console.errors("\nclickswarm: \(signal), stopping the search") }
        job.stop = { stopper.stop() }
        job.hurry = { stopper.hurry() }
        let finished = request
        let status = await job.run {
            await CapacityRun.run(finished, stopper: stopper, output: Console.output, errors: Console.errors)
        }
        try (status ?? .unexpected).exit()
    }

    /// The search flags, checked for form (their ranges are checked with the scenario's).
    func plan() throws -> CapacityPlan {
        var plan = CapacityPlan()
        if let vary {
            guard let variable = CapacityPlan.Variable(rawValue: vary) else {
                throw ValidationError("--vary must be devices or rate, not '\(vary)'")
            }
            plan.vary = variable
        }
        plan.from = from
        plan.to = to
        do throws(DurationFlag.Invalid) {
            if let stepDuration { plan.stepDuration = try DurationFlag.parse(stepDuration, flag: "--step-duration") }
            if let warmUp { plan.warmUp = try DurationFlag.parse(warmUp, flag: "--warm-up", positive: false) }
        } catch {
            throw ValidationError(error.description)
        }
        if let precision {
            let text = precision.hasSuffix("%") ? String(precision.dropLast()) : precision
            guard let value = Double(text), value.isFinite else {
                throw ValidationError("--precision '\(precision)' is not a percentage like 5%")
            }
            plan.precision = precision.hasSuffix("%") ? value / 100 : value
        }
        return plan
    }
}
