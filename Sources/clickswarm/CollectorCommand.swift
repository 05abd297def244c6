import ArgumentParser
import ClickSwarmCommands
import Collector
import Foundation
import Logging
import SwarmPrimitives

struct CollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector",
        abstract: "Run the embedded Raccoon-compatible collector until Ctrl-C or SIGTERM.",
        discussion: """
            Serves GET /api/v1/events (WebSocket: binary frames protobuf, text frames JSON), \
            POST /api/v1/events (application/proto or application/json), /ping, /stats (JSON), \
            /metrics (Prometheus) and /admin/faults (GET, or POST a JSON object to change faults while running).
            Durations take a unit (500ms, 30s, 2m); distributions are written 50ms, uniform(10ms,200ms), \
            normal(100ms,20ms), lognormal(100ms,0.5) or exponential(100ms).
            """
    )

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0 picks a free one).") var port = 8080
    @Option(help: "Write the bound port to this file once listening.") var portFile: String?
    @Option(help: "Maximum WebSocket connections (Raccoon's SERVER_WEBSOCKET_MAX_CONN).") var maxConnections = 30_000
    @Option(help: "Header that carries the connection's user id.") var userIdHeader = "X-User-ID"
    @Option(help: "Header that carries the connection's group.") var groupHeader = "X-User-Group"
    @Option(help: "Interval between server pings.") var pingInterval = "30s"
    @Option(help: "Time without a pong after which a connection is dropped.") var pongTimeout = "60s"
    @Option(help: "Close a connection whose request head takes longer (from connect, or from the last answer).")
    var requestHeadTimeout = "30s"
    @Option(help: "Answer 408 and close when a request body takes longer than this after its head.")
    var requestBodyTimeout = "60s"
    @Option(help: "Stop reading a connection while this many bytes of its answers wait unsent (slow readers).")
    var outboundBufferLimit = "256KiB"
    @Option(help: "Event types counted by name in /stats and /metrics; the rest count under 'other'.")
    var maxEventTypes = 1000
    @Option(
        help: ArgumentHelp(
            "When to ack: immediate (after decoding, Raccoon's EVENT_ACK=0) or after-publish (after the publish: "
                + "with --kafka, every event's delivery report; EVENT_ACK=1)."))
    var ack = "immediate"
    @Option(
        help: ArgumentHelp(
            "Publish every delivered event to Kafka, as Raccoon does: host:port[,host:port...], or local for a test "
                + "broker started in-process (librdkafka's mock cluster; its address is printed).",
            valueName: "bootstrap"))
    var kafka: String?
    @Option(help: "Topic of each event type; the type replaces %s (Raccoon's EVENT_DISTRIBUTION_PUBLISHER_PATTERN).")
    var kafkaTopicPattern = "clickstream-%s-log"
    @Option(help: "How long a message may wait for delivery, retries included (librdkafka's message.timeout.ms).")
    var kafkaMessageTimeout = "300s"
    @Option(
        help: ArgumentHelp(
            "Another librdkafka producer property, name=value (repeatable), e.g. compression.codec=lz4.",
            valueName: "name=value"))
    var kafkaProperty: [String] = []
    @Option(help: "In after-publish mode, how long the sink takes (a distribution).") var publishDelay = "0"
    @Flag(help: "Ack a req_guid the same connection sent before without publishing it again.") var dedup = false
    @Option(help: "Largest message or REST body accepted (1MiB, 512KiB, bytes); default: no limit, as Raccoon.")
    var maxMessageSize: String?
    @Flag(help: "Answer refused connections as Raccoon v0.1.3-v0.1.4: code 5 and an empty reason (raccoon#40).")
    var legacyCapAnswer = false
    @Option(help: "Also write every delivered event as a JSON line to this file.") var ndjson: String?
    @Option(help: "Fault: delay before every answer (a distribution).") var ackDelay = "0"
    @Option(help: "Fault: probability (0-1) that a batch is delivered but its ack dropped.") var ackLoss = 0.0
    @Option(help: "Fault: probability (0-1) of a CODE_INTERNAL_ERROR answer (batch not delivered).")
    var errorRate = 0.0
    @Flag(help: "Fault: start in an outage (every connection refused) until POST /admin/faults ends it.")
    var outage = false
    @Flag(help: "Fault: start with publishing stalled (batches held) until POST /admin/faults ends it.")
    var publishStall = false
    @Option(
        help: ArgumentHelp(
            "Let /admin/faults answer any client that sends Authorization: Bearer <token> (16+ characters); "
                + "without it, only loopback clients.", valueName: "token"))
    var adminToken: String?
    @Option(
        help: ArgumentHelp(
            "Read at most this many events a second over all connections (a token bucket; a connection waits "
                + "unread while it is empty): a collector whose capacity is known.", valueName: "N"))
    var maxEventsPerSecond: Double?
    @Option(help: "Seed of the fault-injection randomness.") var seed: UInt64 = 1
    @Option(help: "Event-loop threads (0: one per core).") var threads = 0
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @OptionGroup(title: "TLS and gRPC") var secure: CollectorSecureFlags

    func makeConfiguration() throws -> CollectorConfiguration {
        var configuration = CollectorConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.maxConnections = maxConnections
        configuration.userIDHeader = userIdHeader
        configuration.groupHeader = groupHeader
        do {
            configuration.pingInterval = try DurationFlag.parse(pingInterval, flag: "--ping-interval")
            configuration.pongTimeout = try DurationFlag.parse(pongTimeout, flag: "--pong-timeout")
            configuration.requestHeadTimeout = try DurationFlag.parse(
                requestHeadTimeout, flag: "--request-head-timeout")
            configuration.requestBodyTimeout = try DurationFlag.parse(
                requestBodyTimeout, flag: "--request-body-timeout")
        } catch {
            throw ValidationError(error.description)
        }
        guard let mode = CollectorConfiguration.AckMode(rawValue: ack) else {
            throw ValidationError("--ack must be immediate or after-publish, not '\(ack)'")
        }
        configuration.ackMode = mode
        for (flag, text, setting) in [
            ("--publish-delay", publishDelay, \CollectorConfiguration.publishDelay),
            ("--ack-delay", ackDelay, \CollectorConfiguration.faults.ackDelay),
        ] {
            do {
                configuration[keyPath: setting] = try Distribution(parsing: text, as: .duration)
            } catch {
                throw ValidationError("\(flag) \(error)")
            }
        }
        configuration.deduplicate = dedup
        if let maxMessageSize {
            guard let size = ByteSize.parse(maxMessageSize) else {
                throw ValidationError("--max-message-size '\(maxMessageSize)' is not a size such as 1MiB or 65536")
            }
            configuration.maxMessageBytes = size
        }
        guard let bufferLimit = ByteSize.parse(outboundBufferLimit) else {
            throw ValidationError("--outbound-buffer-limit '\(outboundBufferLimit)' is not a size such as 256KiB")
        }
        configuration.outboundBufferLimit = bufferLimit
        configuration.maxEventTypes = maxEventTypes
        configuration.legacyCapAnswer = legacyCapAnswer
        if let ndjson { configuration.sink = .ndjson(path: ndjson) }
        configuration.faults.ackLossProbability = ackLoss
        configuration.faults.errorProbability = errorRate
        configuration.faults.outage = outage
        configuration.faults.publishStall = publishStall
        configuration.adminToken = adminToken.map(AdminToken.init)
        configuration.seed = seed
        configuration.threads = threads
        configuration.maxEventsPerSecond = maxEventsPerSecond
        try secure.apply(to: &configuration)
        configuration.kafka = try kafkaPublishing()
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
        return configuration
    }

    /// `--kafka` and its companions, checked; `local` leaves the servers to the started broker.
    func kafkaPublishing() throws -> KafkaPublishing? {
        guard let kafka else {
            if kafkaTopicPattern != "clickstream-%s-log" || kafkaMessageTimeout != "300s" || !kafkaProperty.isEmpty {
                throw ValidationError(
                    "--kafka-topic-pattern, --kafka-message-timeout and --kafka-property need --kafka BOOTSTRAP")
            }
            return nil
        }
        var publishing = KafkaPublishing(bootstrapServers: kafka == "local" ? "127.0.0.1:1" : kafka)
        publishing.topicPattern = kafkaTopicPattern
        do {
            publishing.messageTimeout = try DurationFlag.parse(kafkaMessageTimeout, flag: "--kafka-message-timeout")
        } catch {
            throw ValidationError(error.description)
        }
        for property in kafkaProperty {
            guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                throw ValidationError("--kafka-property '\(property)' is not name=value")
            }
            publishing.properties[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        if let problem = publishing.problem {
            throw ValidationError(
                kafka == "local" ? problem.replacingOccurrences(of: "127.0.0.1:1", with: "local") : problem)
        }
        return publishing
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        let logger: Logger
        do {
            logger = try CommandLogging.logger(label: "clickswarm.collector", level: logLevel)
        } catch {
            throw ValidationError(error.description)
        }
        do {
            let stats = try await CollectorService.run(
                configuration: configuration, localBroker: kafka == "local", portFile: portFile, logger: logger,
                announce: { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) },
                warn: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) })
            print("final stats:\n\(stats.summary)")
            if let failure = stats.sink?.failureDescription {
                FileHandle.standardError.write(Data("error: \(failure)\n".utf8))
                throw ExitCode(ExitStatus.sinkFailed.rawValue)
            }
        } catch let error as CollectorError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(ExitStatus.setupFailed.rawValue)
        }
    }
}
