import ClickstreamSDK
import ClickstreamTransports
import NIOCore
import NIOPosix

/// Connects with NIOPosix's `ClientBootstrap` on exactly the event loop it is given, so a
/// device's channel lives on the device's loop.
public struct BootstrapConnector: ChannelConnector {
    public init() {}

    public func connect(
        host: String,
        port: Int,
        on eventLoop: any EventLoop,
        timeout: TimeAmount,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        // A bootstrap on a single loop (an `EventLoop` is a group of one) puts the channel there.
        guard let bootstrap = ClientBootstrap(validatingGroup: eventLoop) else {
            return eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        return
            bootstrap
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer(initializer)
            .connect(host: host, port: port)
    }
}
