import ArgumentParser
import ClickSwarmCommands
import Collector
import Foundation
import Reports
import Simulation
import SwarmPrimitives

#if canImport(Glibc)
    import Glibc
#endif

struct RunScenarioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario: spin up the devices, drive them, measure, reconcile and write the report.",
        discussion: """
            The report goes to <output>/<scenario>-<UTC time>.json and a summary to the terminal. \
            Ctrl-C ends the run early and still writes the report. Exit codes: 0 passed; 64 invalid input; \
            69 set-up failure (port, file-descriptor limit, unreachable target); 70 unbalanced reconciliation; \
            73 report not writable; 75 a push failed (the report is still written); 99 an SLO failed or \
            (--baseline) a regression; 130 interrupted. When several apply: 70, then 130, then 75, then 99; \
            with --baseline the run's own code wins over a regression's 99 and a baseline mismatch's 64.
            """
    )

    @Argument(help: "The scenario file (scenarios/NAME.yaml).") var file: String
    // `.unconditional`: "-5" is a value to refuse with a reason, not a flag that leaves the option empty.
    @Option(parsing: .unconditional, help: "Override the number of devices (ramp stages scale with it).")
    var devices: Int?
    @Option(help: "Override the duration of the journeys (30s, 5m).") var duration: String?
    @Option(parsing: .unconditional, help: "Override the seed.") var seed: UInt64?
    @Option(
        help: ArgumentHelp(
            "Override the target: embedded, ws:// or wss://host:port/path, http:// or https://host:port/path, grpc:// "
                + "or grpcs://host:port."))
    var target: String?
    @OptionGroup(title: "TLS and connection headers") var connection: ConnectionFlags
    @Option(
        help: ArgumentHelp(
            "Override the embedded collector's ack mode (collector.ack): immediate or after-publish.",
            valueName: "mode"))
    var collectorAck: String?
    @Option(help: "Directory for the report.") var output = "results"
    @Option(
        help: ArgumentHelp(
            "Rewrite a partial report (<report>.partial.json) this often during the run, so a killed run leaves its "
                + "figures; 0 for none.", valueName: "duration"))
    var partialInterval = "10s"
    @Flag(help: "No progress and no summary; only the report path and errors.") var quiet = false
    @Flag(
        help: "Run on a virtual clock with an in-memory collector: hours of device time in seconds, same report schema."
    )
    var simulated = false
    @Option(
        parsing: .unconditional, help: "Event-loop threads for a live run's devices (0: one per core, at most 1024).")
    var threads = 0
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "warning"
    @Flag(help: "Also write the report as HTML next to the JSON (same name, .html).") var html = false
    @Flag(help: "Also write the report as Markdown next to the JSON (.md).") var md = false
    @Flag(help: "Also write the report as JUnit XML next to the JSON (.junit.xml).") var junit = false
    @Flag(help: "Also write the final figures as Prometheus text next to the JSON (.prom).") var prom = false
    @OptionGroup(title: "Publishing") var publishing: PushFlags
    @Option(
        help: ArgumentHelp(
            "After the drain, look for every acked event in these Kafka brokers' clickstream-<type>-log topics "
                + "and report what is missing (a live run's collector, embedded or remote).",
            valueName: "host:port"))
    var auditKafka: String?
    @Option(help: ArgumentHelp("How long the Kafka audit may read.", valueName: "duration")) var auditTimeout = "30s"
    @Option(
        help: ArgumentHelp(
            "The collector's topic pattern (Raccoon's EVENT_DISTRIBUTION_PUBLISHER_PATTERN); %s is the event type.",
            valueName: "pattern"))
    var auditTopicPattern = "clickstream-%s-log"
    @Option(
        help: ArgumentHelp(
            "Where the audit starts reading: start (the run's start, by message time) or beginning (every message "
                + "the topics keep; for `clickswarm broker`, which cannot look offsets up by time).",
            valueName: "start|beginning"))
    var auditFrom = "start"
    @Option(help: "Compare the report with this baseline report (see `clickswarm compare`).") var baseline: String?
    @Option(help: "With --baseline: tolerances, like p99=10%,delivery=0.1% (see `clickswarm compare`).")
    var maxRegression: String?
    @Flag(help: "With --baseline: compare even with a different scenario, seed, devices, duration or mode.")
    var allowMismatch = false
    @Option(
        help: ArgumentHelp(
            "Run only devices i, i+N, i+2N, ... of the population (i from 0); merge the shards' reports with "
                + "`clickswarm merge`.", valueName: "i/N"))
    var shard: String?
    @Option(
        help: ArgumentHelp(
            "Live runs: start (time zero) at this time, ISO 8601 (2026-11-29T10:00:00Z) or unix seconds; "
                + "give every shard of one run the same time.", valueName: "time"))
    var startAt: String?

    func run() async throws {
        var request = RunRequest(file: file)
        request.shard = try shard.map(Self.parseShard)
        request.startAt = try startAt.map(Self.parseStartAt)
        do {
            request.partialInterval = try DurationFlag.parse(
                partialInterval, flag: "--partial-interval", positive: false)
        } catch {
            throw ValidationError(error.description)
        }
        var overrides = ScenarioOverrides(devices: devices, seed: seed)
        if let duration {
            do {
                overrides.duration = try DurationFlag.parse(duration, flag: "--duration")
            } catch {
                throw ValidationError(error.description)
            }
        }
        if let target {
            do {
                overrides.target = try Scenario.Target(parsing: target)
            } catch {
                throw ValidationError("--target: \(error)")
            }
        }
        try connection.apply(to: &overrides)
        if let collectorAck {
            guard ["immediate", "after-publish"].contains(collectorAck) else {
                throw ValidationError("--collector-ack must be immediate or after-publish, not '\(collectorAck)'")
            }
            overrides.ackAfterPublish = collectorAck == "after-publish"
        }
        request.overrides = overrides
        if let baseline {
            do {
                let tolerances = try maxRegression.map { try RegressionTolerances(parsing: $0) } ?? .defaults
                request.baseline = baseline
                request.baselineGate = BaselineGate(tolerances: tolerances, allowMismatch: allowMismatch)
            } catch {
                throw ValidationError("\(error)")
            }
        } else if maxRegression != nil || allowMismatch {
            throw ValidationError("--max-regression and --allow-mismatch need --baseline FILE")
        }
        request.outputDirectory = output
        request.quiet = quiet
        request.terminal = isatty(STDOUT_FILENO) != 0
        request.threads = threads
        request.simulated = simulated
        request.formats = [(html, ReportFormat.html), (md, .md), (junit, .junit), (prom, .prom)].filter(\.0).map(\.1)
        do {
            request.logger = try CommandLogging.logger(label: "clickswarm.run", level: logLevel)
        } catch {
            throw ValidationError(error.description)
        }
        request.push = try publishing.settings(environment: ProcessInfo.processInfo.environment)
        request.audit = try auditSettings()

        try await ScenarioRun.runUntilSignalled(request, output: Console.output, errors: Console.errors).exit()
    }
}

extension RunScenarioCommand {
    /// `--audit-kafka` and its companions, checked.
    func auditSettings() throws -> KafkaAuditSettings? {
        guard let auditKafka else {
            if auditTimeout != "30s" || auditTopicPattern != "clickstream-%s-log" || auditFrom != "start" {
                throw ValidationError(
                    "--audit-timeout, --audit-topic-pattern and --audit-from need --audit-kafka BOOTSTRAP")
            }
            return nil
        }
        let servers = auditKafka.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !servers.isEmpty, servers.allSatisfy({ $0.contains(":") && !$0.hasSuffix(":") }) else {
            throw ValidationError("--audit-kafka '\(auditKafka)' is not host:port[,host:port...]")
        }
        var settings = KafkaAuditSettings(bootstrapServers: servers.joined(separator: ","))
        settings.topicPattern = auditTopicPattern
        if let problem = settings.topics.problem { throw ValidationError("--audit-topic-pattern: \(problem)") }
        do {
            settings.timeout = try DurationFlag.parse(auditTimeout, flag: "--audit-timeout")
        } catch {
            throw ValidationError(error.description)
        }
        guard ["start", "beginning"].contains(auditFrom) else {
            throw ValidationError("--audit-from must be start or beginning, not '\(auditFrom)'")
        }
        settings.fromBeginning = auditFrom == "beginning"
        return settings
    }

    /// `i/N` with 0 <= i < N.
    static func parseShard(_ text: String) throws -> RunInfo.Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ValidationError("--shard '\(text)' is not i/N, like 0/3 (shard index from 0, then the shard count)")
        }
        guard count >= 1, index >= 0, index < count else {
            throw ValidationError(
                "--shard '\(text)': the index must be from 0 to N-1 and N at least 1 (the shards of 3 are 0/3, 1/3, 2/3)"
            )
        }
        return RunInfo.Shard(index: index, count: count)
    }

    /// ISO 8601 (`2026-11-29T10:00:00Z`, fractional seconds allowed) or unix seconds.
    static func parseStartAt(_ text: String) throws -> Date {
        if let seconds = Double(text), seconds.isFinite { return Date(timeIntervalSince1970: seconds) }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        throw ValidationError(
            "--start-at '\(text)' is neither an ISO 8601 time with a zone (2026-11-29T10:00:00Z) nor unix seconds")
    }
}

/// `clickswarm run`'s push flags.
struct PushFlags: ParsableArguments {
    @Option(help: ArgumentHelp("POST the JSON report to this http(s) URL once it is written.", valueName: "url"))
    var push: String?
    @Option(
        help: ArgumentHelp(
            "PUT the final figures to this Prometheus Pushgateway (group job=clickswarm, scenario, run_id).",
            valueName: "url"))
    var pushPrometheus: String?
    @Option(
        help: ArgumentHelp(
            "Also push live figures during the run this often (15s): to the Pushgateway if given, else --push.",
            valueName: "duration"))
    var pushInterval: String?
    @Option(
        help: ArgumentHelp(
            "An extra request header of every push, 'Name: value' (repeatable); ${NAME} is read from the environment.",
            valueName: "header"))
    var pushHeader: [String] = []
    @Option(help: ArgumentHelp("How long a push waits for its connection.", valueName: "duration"))
    var pushConnectTimeout = "5s"
    @Option(help: ArgumentHelp("How long one push attempt may take in all.", valueName: "duration"))
    var pushTimeout = "30s"
    @Flag(help: "Push without verifying TLS certificates and host names.") var pushInsecure = false

    func settings(environment: [String: String]) throws -> PushSettings {
        var settings = PushSettings()
        do {
            settings.reportURL = try push.map { url throws(PushURLError) in try PushURL(parsing: url) }
        } catch {
            throw ValidationError("--push: \(error)")
        }
        do {
            settings.pushgatewayURL = try pushPrometheus.map { url throws(PushURLError) in try PushURL(parsing: url) }
        } catch {
            throw ValidationError("--push-prometheus: \(error)")
        }
        if settings.isEmpty, pushInterval != nil || !pushHeader.isEmpty || pushInsecure {
            throw ValidationError("--push-interval, --push-header and --push-insecure need --push or --push-prometheus")
        }
        settings.interval = try pushInterval.map { try Self.duration($0, flag: "--push-interval") }
        settings.connectTimeout = try Self.duration(pushConnectTimeout, flag: "--push-connect-timeout")
        settings.timeout = try Self.duration(pushTimeout, flag: "--push-timeout")
        for (position, text) in pushHeader.enumerated() {
            do {
                settings.headers.append(try PushHeader(parsing: text, environment: environment))
            } catch {
                // Never the header text: it may hold a secret.
                throw ValidationError("--push-header #\(position + 1): \(error)")
            }
        }
        settings.insecure = pushInsecure
        return settings
    }

    private static func duration(_ text: String, flag: String) throws -> Double {
        do {
            return try DurationFlag.parse(text, flag: flag)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files; print every error with file, line and field path.",
        discussion: "Exit codes: 0 every file is valid; 64 at least one is not."
    )

    @Argument(help: "Scenario files.") var files: [String]

    func run() throws {
        try ScenarioValidation.run(files: files, output: Console.output, errors: Console.errors).exit()
    }
}
