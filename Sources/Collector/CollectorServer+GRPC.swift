import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import NIOPosix
import NIOSSL

/// The collector's gRPC port (`--grpc-port`, `collector.grpc_port`): grpc-swift's HTTP/2 server,
/// with `GRPCEventService` deciding each call through the same cores, on the collector's own
/// event loops, as the HTTP port; TLS (`grpcs://`) with the collector's TLS identity.
///
/// The HTTP/2 connections themselves run on NIO's shared singleton loops, not the collector's:
/// grpc-swift's server still schedules work on its loops after `serve()` returns, which fails
/// once a collector that owns its loops has shut them down.
final class CollectorGRPCEndpoint: Sendable {
    let port: Int
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let serving: Task<Void, any Error>

    private init(port: Int, server: GRPCServer<HTTP2ServerTransport.Posix>, serving: Task<Void, any Error>) {
        self.port = port
        self.server = server
        self.serving = serving
    }

    /// Listens on `configuration.host` and the gRPC port; fails with the reason when it cannot.
    static func start(
        shared: CollectorServer.SharedState, group: any EventLoopGroup
    ) async throws(CollectorError) -> CollectorGRPCEndpoint? {
        let configuration = shared.configuration
        guard let port = configuration.grpcPort else { return nil }
        let shards = group.makeIterator().map { shared.shard(for: $0) }
        let host = configuration.host
        let address: GRPCNIOTransportCore.SocketAddress =
            host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        let transport = HTTP2ServerTransport.Posix(
            address: address, transportSecurity: security(configuration.tls),
            eventLoopGroup: .singletonMultiThreadedEventLoopGroup)
        let server = GRPCServer(transport: transport, services: [GRPCEventService(shared: shared, shards: shards)])
        // The calls run on the collector's first loop (they hop to their shard's loop to decide).
        let executor = EventLoopExecutor(group.next())
        let serving = Task(executorPreference: executor) { try await server.serve() }
        do {
            let bound = try await transport.listeningAddress
            let boundPort = bound.ipv4?.port ?? bound.ipv6?.port ?? port
            return CollectorGRPCEndpoint(port: boundPort, server: server, serving: serving)
        } catch {
            serving.cancel()
            let reason = (try? await serving.value).map { _ in "\(error)" } ?? "\(error)"
            throw .bindFailed(host: host, port: port, reason: "gRPC: \(reason)")
        }
    }

    /// The gRPC server's TLS: the collector's identity, and client certificates when it
    /// requires them.
    private static func security(_ tls: CollectorTLS?) -> HTTP2ServerTransport.Posix.TransportSecurity {
        guard let tls else { return .plaintext }
        let chain: [TLSConfig.CertificateSource] = [.bytes(Array(tls.certificatePEM.utf8), format: .pem)]
        let key = TLSConfig.PrivateKeySource.bytes(Array(tls.keyPEM.utf8), format: .pem)
        guard let clientCA = tls.clientCAPEM else { return .tls(certificateChain: chain, privateKey: key) }
        return .mTLS(certificateChain: chain, privateKey: key) { config in
            config.trustRoots = .certificates([.bytes(Array(clientCA.utf8), format: .pem)])
        }
    }

    /// Stops listening and ends every call at once (a call holding a lost ack would otherwise
    /// keep a graceful shutdown waiting for its caller's deadline).
    func shutdown() async {
        server.beginGracefulShutdown()
        serving.cancel()
        _ = try? await serving.value
    }
}

extension CollectorServer {
    /// The port gRPC `SendEvent` is served on, when the configuration asked for one.
    public var grpcPort: Int? { grpc?.port }

    /// Puts TLS in front of a new connection's pipeline when the collector serves TLS.
    static func secure(_ channel: any Channel, shared: SharedState) throws {
        guard let tls = shared.configuration.tls else { return }
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
    }
}
