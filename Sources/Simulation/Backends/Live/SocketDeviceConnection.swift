import ClickstreamSDK
import ClickstreamTransports
import NIOCore

/// A live device's connection: a real socket through the link conditioner, with TLS on top when
/// the endpoint has it.
final class SocketDeviceConnection: DeviceConnection {
    private let link: LinkHandle
    private let connector: any ChannelConnector
    private let endpoint: CollectorEndpoint
    private let loop: any EventLoop

    init(profile: DeviceProfile, endpoint: CollectorEndpoint, loop: any EventLoop) {
        var random = profile.random(.link)
        link = LinkHandle(
            profile: LinkProfile(
                latency: profile.latency, jitter: profile.network.jitter, bandwidth: profile.network.bandwidth),
            seed: random.next(), eventLoop: loop)
        let conditioned = ConditionedSocketConnector(link: link)
        connector = endpoint.tls.map { TLSChannelConnector(inner: conditioned, context: $0) } ?? conditioned
        self.endpoint = endpoint
        self.loop = loop
    }

    func makeTransport(configuration: SDKConfiguration) -> any SDKTransport {
        switch endpoint.transport {
        case .websocket:
            return WebSocketTransport(
                host: endpoint.host, port: endpoint.port, path: endpoint.path, eventLoop: loop, connector: connector,
                connectTimeout: configuration.connectTimeout)
        case .rest:
            return RESTTransport(
                host: endpoint.host, port: endpoint.port, path: endpoint.path, eventLoop: loop, connector: connector,
                connectTimeout: configuration.connectTimeout)
        case .grpc:
            return GRPCTransport(
                host: endpoint.host, port: endpoint.port, eventLoop: loop, connector: connector,
                connectTimeout: configuration.connectTimeout)
        }
    }

    var isConnected: Bool { link.isConnected }

    func dropConnection() { link.dropConnection() }
}
