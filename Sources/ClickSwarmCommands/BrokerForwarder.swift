import NIOCore
import NIOPosix

/// Forwards TCP connections from a port of our choosing to the mock broker's own port, which
/// librdkafka 2.0.2 picks itself. Kafka clients bootstrap through it: the broker's metadata
/// answer names its real address, where they then connect directly.
final class BrokerForwarder: Sendable {
    let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    /// Listens on `host:port` and forwards each connection to `target`.
    static func start(
        host: String, port: Int, target: SocketAddress, group: any EventLoopGroup
    ) async throws -> BrokerForwarder {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .channelOption(.autoRead, value: false)
                    .connect(to: target)
                    .flatMapThrowing { outbound in
                        let (front, back) = ForwardingHandler.pair()
                        try inbound.pipeline.syncOperations.addHandler(front)
                        try outbound.pipeline.syncOperations.addHandler(back)
                    }
            }
            .bind(host: host, port: port)
            .get()
        return BrokerForwarder(port: channel.localAddress?.port ?? port, channel: channel)
    }

    func close() async {
        try? await channel.close()
    }
}

/// One side of a forwarded connection: what it reads it writes to its partner, and it reads
/// again only while the partner can take more (so a slow side slows the other instead of
/// queueing without bound); when either side closes, both do. Both sides of a pair run on one
/// event loop (the outbound connection is made on the inbound one's), so they call each other
/// directly.
private final class ForwardingHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: ForwardingHandler?
    private var context: ChannelHandlerContext?
    /// A read is owed once the partner drains.
    private var readOwed = false

    static func pair() -> (ForwardingHandler, ForwardingHandler) {
        let first = ForwardingHandler()
        let second = ForwardingHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { context.read() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        context.read()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.context?.write(wrapOutboundOut(unwrapInboundIn(data)), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard let partnerContext = partner?.context else { return }
        partnerContext.flush()
        if partnerContext.channel.isWritable {
            context.read()
        } else {
            readOwed = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let partner, partner.readOwed {
            partner.readOwed = false
            partner.context?.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
