import Collector
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SwarmKafka

/// `clickswarm broker`: librdkafka's mock Kafka cluster, for laptops and CI, until Ctrl-C. A
/// test broker: it keeps messages in memory and loses them when it stops.
package enum BrokerService {
    /// Starts `brokers` mock brokers, mapping a failure to words.
    package static func startCluster(brokers: Int) throws(CollectorError) -> KafkaMockCluster {
        do {
            return try KafkaMockCluster(brokers: brokers)
        } catch {
            throw .kafkaUnavailable(bootstrapServers: "local", reason: "the local test broker did not start: \(error)")
        }
    }

    /// Runs the cluster until SIGINT or SIGTERM. With `port`, clients bootstrap at
    /// `127.0.0.1:port` (forwarded to the first broker, whose own port librdkafka picks); the
    /// bootstrap address goes to `announce` and, with `portFile`, to that file.
    package static func run(
        brokers: Int, port: Int?, portFile: String?, logger: Logger, announce: @Sendable (String) -> Void
    ) async throws {
        let cluster = try startCluster(brokers: brokers)
        defer { cluster.close() }
        var bootstrap = cluster.bootstrapServers
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var forwarder: BrokerForwarder?
        do {
            if let port {
                // The mock's bootstrap list is "127.0.0.1:PORT[,...]"; the first broker answers metadata.
                let first = bootstrap.split(separator: ",").first ?? ""
                guard let colon = first.lastIndex(of: ":"), let brokerPort = Int(first[first.index(after: colon)...])
                else {
                    throw CollectorError.kafkaUnavailable(
                        bootstrapServers: bootstrap, reason: "the mock cluster's address is not host:port")
                }
                let target = try SocketAddress(ipAddress: String(first[..<colon]), port: brokerPort)
                do {
                    forwarder = try await BrokerForwarder.start(
                        host: "127.0.0.1", port: port, target: target, group: group)
                } catch {
                    throw CollectorError.bindFailed(host: "127.0.0.1", port: port, reason: "\(error)")
                }
                bootstrap = "127.0.0.1:\(forwarder!.port)"
            }
            if let portFile {
                do {
                    try "\(bootstrap)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
                } catch {
                    throw CollectorError.invalidConfiguration("cannot write the port file \(portFile): \(error)")
                }
            }
            announce(
                "Kafka test broker listening at \(bootstrap) (librdkafka's mock cluster, \(brokers) broker"
                    + "\(brokers == 1 ? "" : "s"): topics are created on first use and kept in memory only; "
                    + "not for production); Ctrl-C to stop")
            _ = await SignalledJob<Void>(logger: logger).run {
                try? await gracefulShutdown()
                logger.debug("signal received, stopping the broker")
            }
        } catch {
            await forwarder?.close()
            try? await group.shutdownGracefully()
            throw error
        }
        await forwarder?.close()
        try? await group.shutdownGracefully()
    }
}
