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
    private let timers: any SDKScheduler

    /// Built on `loop`; `timers`: the loop's timer queue, where the link conditioner and the
    /// WebSocket pings arm their timers as the device and its SDK do.
    init(profile: DeviceProfile, endpoint: CollectorEndpoint, loop: any EventLoop, timers: any SDKScheduler) {
        var random = profile.random(.link)
        link = LinkHandle(
            profile: LinkProfile(
                latency: profile.latency, jitter: profile.network.jitter, bandwidth: profile.network.bandwidth),
            seed: random.next(), eventLoop: loop)
        link.timers = timers
        let conditioned = ConditionedSocketConnector(link: link)
        connector = endpoint.tls.map { TLSChannelConnector(inner: conditioned, context: $0) } ?? conditioned
        self.endpoint = endpoint
        self.loop = loop
        self.timers = timers
    }

    func makeTransport(configuration: SDKConfiguration) -> any SDKTransport {
        switch endpoint.transport {
        case .websocket:
            return WebSocketTransport(
                host: endpoint.host, port: endpoint.port, path: endpoint.path, eventLoop: loop, connector: connector,
                connectTimeout: configuration.connectTimeout, timers: timers)
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
