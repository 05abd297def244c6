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

    /// The embedded collector for `target: embedded`, on a free loopback port (and a free gRPC
    /// port with `transport: grpc`); with `collector.tls`, a self-signed certificate made now,
    /// which the devices' TLS context trusts.
    static func startCollector(
        _ scenario: Scenario, kafka: KafkaPublishing?, logger: Logger
    ) async throws(RunError) -> (CollectorServer, TLSClientContext?) {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = scenario.collector.threads
        configuration.maxConnections = max(30_000, scenario.population.devices * 2)
        configuration.ackMode = scenario.collector.ackAfterPublish ? .afterPublish : .immediate
        configuration.publishDelay = scenario.collector.publishDelay
        configuration.deduplicate = scenario.collector.deduplicate
        configuration.maxMessageBytes = scenario.collector.maxMessageBytes
        configuration.maxEventsPerSecond = scenario.collector.maxEventsPerSecond
        configuration.legacyCapAnswer = scenario.collector.legacyCapAnswer
        configuration.seed = scenario.seed
        if scenario.collector.transport == .grpc { configuration.grpcPort = scenario.collector.grpcPort }
        var tls: TLSClientContext?
        if scenario.collector.tls {
            do {
                let identity = try CollectorTLS.selfSigned()
                configuration.tls = identity
                tls = try TLSClientContext(
                    settings: TLSClientSettings(trustedPEM: identity.certificatePEM),
                    applicationProtocols: alpn(scenario.collector.transport))
            } catch {
                throw .setupFailed("the embedded collector's TLS certificate: \(error)")
            }
        }
        configuration.kafka = kafka
        do {
            let server = try await CollectorServer.start(
                configuration: configuration, logger: logger,
                notices: { [logger] notice in logger.warning("embedded collector: \(notice)") })
            return (server, tls)
        } catch {
            throw .setupFailed("the embedded collector did not start: \(error)")
        }
    }

    /// What TLS offers in ALPN: gRPC needs HTTP/2.
    static func alpn(_ transport: Scenario.Transport) -> [String] {
        transport == .grpc ? ["h2"] : ["http/1.1"]
    }

    /// The devices' TLS context of a remote TLS target; nil for a plain one.
    static func tlsContext(_ target: Scenario.Target, _ tls: Scenario.TargetTLS) throws(RunError) -> TLSClientContext? {
        guard case .remote(_, let scheme, _, _, _) = target, scheme.isTLS else { return nil }
        let settings = TLSClientSettings(
            caFile: tls.caFile, insecure: tls.insecure, clientCertificateFile: tls.clientCertificate,
            clientKeyFile: tls.clientKey)
        do {
            return try TLSClientContext(settings: settings, applicationProtocols: alpn(scheme.transport))
        } catch {
            throw .invalidInput("\(target): \(error)")
        }
    }

    /// A remote target's endpoint, once a TCP connection to it succeeded.
    static func reachableEndpoint(
        _ target: Scenario.Target, tls: Scenario.TargetTLS, group: MultiThreadedEventLoopGroup
    ) async throws(RunError) -> CollectorEndpoint {
        guard case .remote(_, let scheme, let host, let port, let path) = target else {
            throw .invalidInput("no target")
        }
        let context = try tlsContext(target, tls)
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
        return CollectorEndpoint(host: host, port: port, path: path, transport: scheme.transport, tls: context)
    }
}
