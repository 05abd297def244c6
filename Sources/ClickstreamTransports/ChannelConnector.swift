import ClickstreamSDK
import NIOCore

/// How the SDK gets a TCP channel without knowing which NIO flavour makes it (NIOPosix sockets
/// in live runs, NIO transport services on Apple platforms, an `EmbeddedChannel` in tests).
///
/// The SDK owns no sockets: a transport asks its connector for a channel on the device's event
/// loop and fills the pipeline in `initializer`.
public protocol ChannelConnector: Sendable {
    /// Opens a TCP connection to `host:port`.
    ///
    /// - Parameters:
    ///   - eventLoop: the loop the channel must live on (the device's loop: DESIGN principle 1).
    ///   - timeout: how long the TCP connect may take before the future fails
    ///     (with `ChannelError.connectTimeout`, as NIO's bootstraps do).
    ///   - initializer: run on `eventLoop` once the channel exists, before it connects; it adds
    ///     the transport's handlers.
    /// - Returns: the connected channel, or the connect error.
    func connect(
        host: String,
        port: Int,
        on eventLoop: any EventLoop,
        timeout: TimeAmount,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel>
}
