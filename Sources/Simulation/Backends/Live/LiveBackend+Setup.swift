import ClickstreamTransports
import Collector
import Logging
import NIOCore
import NIOPosix
import SwarmPrimitives

#if canImport(Glibc)
    import Glibc
#endif

extension LiveBackend {
    /// Each device holds one socket, and the embedded collector one more per device.
    static func descriptorsNeeded(devices: Int, embedded: Bool) -> UInt64 {
        UInt64(devices) * (embedded ? 2 : 1) + 256
    }

    /// Fails with what to do when the limits in force leave no room for `needed` descriptors.
    static func checkDescriptors(
        needed: UInt64, devices: Int, embedded: Bool, limits: FileDescriptorLimit.Limits?,
        isRoot: Bool = geteuid() == 0
    ) throws(RunError) {
        guard let limits else { throw .setupFailed("cannot read the open-file limit (getrlimit failed)") }
        guard limits.soft < needed else { return }
        let perDevice: UInt64 = embedded ? 2 : 1
        let most = limits.soft > 256 ? (limits.soft - 256) / perDevice : 0
        // Root may raise the hard limit unless the container or the system forbids it; then
        // advice to "run as root" would send the user in a circle.
        let advice =
            isRoot
            ? "the system refused even though this process runs as root (a container without "
                + "CAP_SYS_RESOURCE, or the system's nr_open); raise the limit where the process is started "
                + "(the container's nofile ulimit, or ulimit -Hn \(needed) in a root shell outside it)"
            : "the system refused to raise it; raise it (ulimit -Hn \(needed); ulimit -n \(needed), or run as root)"
        throw .setupFailed(
            "\(devices) devices need about \(needed) file descriptors"
                + (embedded ? " (two per device with the embedded collector)" : "")
                + ", but the open-file limit is \(limits.soft) (hard limit \(limits.hard)) and \(advice), "
                + "or run at most \(most) devices")
    }

    /// The embedded collector for `target: embedded`, on a free loopback port.
    static func startCollector(
        _ scenario: Scenario, kafka: KafkaPublishing?, logger: Logger
    ) async throws(RunError) -> CollectorServer {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = scenario.collector.threads
        configuration.maxConnections = max(30_000, scenario.population.devices * 2)
        configuration.ackMode = scenario.collector.ackAfterPublish ? .afterPublish : .immediate
        configuration.publishDelay = scenario.collector.publishDelay
        configuration.deduplicate = scenario.collector.deduplicate
        configuration.maxMessageBytes = scenario.collector.maxMessageBytes
        configuration.legacyCapAnswer = scenario.collector.legacyCapAnswer
        configuration.seed = scenario.seed
        configuration.kafka = kafka
        do {
            return try await CollectorServer.start(
                configuration: configuration, logger: logger,
                notices: { [logger] notice in logger.warning("embedded collector: \(notice)") })
        } catch {
            throw .setupFailed("the embedded collector did not start: \(error)")
        }
    }

    /// A remote target's endpoint, once a TCP connection to it succeeded.
    static func reachableEndpoint(
        _ target: Scenario.Target, group: MultiThreadedEventLoopGroup
    ) async throws(RunError) -> CollectorEndpoint {
        guard case .remote(_, let scheme, let host, let port, let path) = target else {
            throw .invalidInput("no target")
        }
        if scheme == .wss {
            throw .invalidInput("\(target): wss:// (TLS) is not supported yet; use ws:// or http://")
        }
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .connect(host: host, port: port).get()
            try? await channel.close()
        } catch {
            let failure = ConnectionWords.failure(for: error)
            let hint = failure.word == "refused" ? " (is a collector listening there?)" : ""
            throw .setupFailed("the target \(target) cannot be reached: \(failure)\(hint)")
        }
        return CollectorEndpoint(host: host, port: port, path: path, transport: scheme == .http ? .rest : .websocket)
    }
}
