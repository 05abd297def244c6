import Collector
import Foundation
import Logging
import ServiceLifecycle
import SwarmPrimitives

/// `clickswarm collector`: start, say where, serve until SIGINT or SIGTERM, shut down gracefully
/// and hand back the final figures (the sink's as they stand after its last write).
package enum CollectorService {
    /// `announce` gets the lines for standard output, `warn` the warnings (the collector's
    /// notices among them) for standard error.
    package static func run(
        configuration: CollectorConfiguration,
        localBroker: Bool = false,
        portFile: String? = nil,
        logger: Logger,
        announce: @Sendable (String) -> Void,
        warn: @escaping @Sendable (String) -> Void
    ) async throws -> CollectorStats {
        if let limits = FileDescriptorLimit.raise() {
            logger.debug("open-file limit", metadata: ["soft": "\(limits.soft)", "hard": "\(limits.hard)"])
            // Each connection needs a descriptor; leave a few for the listener, logs and sink.
            if configuration.maxConnections > Int(min(limits.soft, UInt64(Int.max))) - 64 {
                warn(
                    "warning: the open-file limit (\(limits.soft)) allows fewer connections than --max-connections "
                        + "(\(configuration.maxConnections)); raise the hard limit (ulimit -Hn) to accept them all")
            }
        }
        var configuration = configuration
        // `--kafka local`: a test broker in this process, for as long as the collector runs.
        let broker = localBroker ? try BrokerService.startCluster(brokers: 1) : nil
        defer { broker?.close() }
        if let broker { configuration.kafka?.bootstrapServers = broker.bootstrapServers }
        let server = try await CollectorServer.start(configuration: configuration, logger: logger) { notice in
            warn("warning: \(notice)")
        }
        if let portFile {
            do {
                try "\(server.port)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
            } catch {
                try? await server.shutdown()
                throw CollectorError.invalidConfiguration("cannot write the port file \(portFile): \(error)")
            }
        }
        if !CollectorServer.isLoopback(host: configuration.host) {
            let admin =
                configuration.adminToken == nil
                ? "/admin/faults still answers loopback clients only (set --admin-token to allow others)"
                : "/admin/faults answers only requests that carry the admin token"
            warn(
                "warning: listening on \(configuration.host), which is not a loopback address: other machines can "
                    + "reach the collector; \(admin)")
        }
        announce(listening(server, configuration))
        if let kafka = configuration.kafka {
            let local = broker == nil ? "" : " (a local test broker, librdkafka's mock cluster: not for production)"
            announce(
                "publishing every delivered event to Kafka at \(kafka.bootstrapServers)\(local), topics "
                    + "\(kafka.topics.pattern)")
        }
        // Serve until SIGINT or SIGTERM (graceful shutdown of the service group).
        let stopped: CollectorStats?? = await SignalledJob<CollectorStats?>(logger: logger).run {
            try? await gracefulShutdown()
            logger.debug("signal received, shutting down")
            // The final figures count every batch handed to Kafka (what the flush misses is purged).
            await server.finishPublishing(within: 5)
            let stats = try? await server.stats()
            try? await server.shutdown()
            return stats
        }
        guard var stats = stopped ?? nil else {
            throw CollectorError.invalidConfiguration("the collector's final figures could not be read")
        }
        stats.sink = server.sinkStatus
        return stats
    }
}
