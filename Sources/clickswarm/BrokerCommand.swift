import ArgumentParser
import ClickSwarmCommands
import Collector
import Foundation
import Logging

struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run a local Kafka test broker (librdkafka's mock cluster) until Ctrl-C or SIGTERM.",
        discussion: """
            For laptops and CI: point the collector (--kafka) and the audit (run --audit-kafka) at the address it \
            prints. Topics are created on first use with 4 partitions; messages live in memory and are gone when it \
            stops. A test broker, not a production one: no persistence, no replication, no security.
            """
    )

    @Option(help: "Port clients bootstrap at (default: one librdkafka picks).") var port: Int?
    @Option(help: "Write the bootstrap address (host:port) to this file once listening.") var portFile: String?
    @Option(help: "Number of brokers in the cluster.") var brokers = 1
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"

    func validate() throws {
        if let port, !(1...65_535).contains(port) { throw ValidationError("--port \(port) is outside 1-65535") }
        guard (1...16).contains(brokers) else {
            throw ValidationError("--brokers must be from 1 to 16, not \(brokers)")
        }
    }

    func run() async throws {
        let logger: Logger
        do {
            logger = try CommandLogging.logger(label: "clickswarm.broker", level: logLevel)
        } catch {
            throw ValidationError(error.description)
        }
        do {
            try await BrokerService.run(
                brokers: brokers, port: port, portFile: portFile, logger: logger,
                announce: { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) })
        } catch let error as CollectorError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(ExitStatus.setupFailed.rawValue)
        }
    }
}
