import ClickstreamSDK
import ClickstreamTransports
import NIOCore
import NIOPosix

/// The live runner's connector: a real TCP connection with NIOPosix's `ClientBootstrap`, on the
/// device's event loop, through a `LinkConditioner` applying the device's link.
///
/// The conditioner goes first in the pipeline (next to the socket), before the transport's
/// handlers. The connection costs one simulated round trip on top of the real connect: the
/// returned future, and the `channelActive` the transport's handlers see, come `2 × latency`
/// later; when that would pass `timeout`, the connect fails with `ChannelError.connectTimeout`
/// at the timeout, as a slow real connect would.
///
/// The runner makes one connector per device, sharing the device's `LinkHandle`.
package struct ConditionedSocketConnector: ChannelConnector {
    package let link: LinkHandle

    /// The read buffers of a phone's socket (see `connect`).
    static let phoneReads = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)

    package init(link: LinkHandle) {
        self.link = link
    }

    package func connect(
        host: String,
        port: Int,
        on eventLoop: any EventLoop,
        timeout: TimeAmount,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        guard eventLoop === link.eventLoop else {
            return eventLoop.makeFailedFuture(WrongEventLoop())
        }
        let link = self.link
        return eventLoop.flatSubmit {
            let deadline = eventLoop.now + timeout
            let (profile, random) = link.nextConnection()
            let activation = eventLoop.makePromise(of: Void.self)
            guard let bootstrap = ClientBootstrap(validatingGroup: eventLoop) else {
                activation.fail(ChannelError.operationUnsupported)
                return eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
            }
            let connected =
                bootstrap
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                // The peer's FIN reaches the conditioner as an event it can hold back behind the
                // data before it; the conditioner then closes the channel.
                .channelOption(.allowRemoteHalfClosure, value: true)
                // A phone reads acks, pings and an upgrade answer, each well under 512 bytes: NIO's
                // default first read buffer of 2,048 bytes, kept by every channel, was an eighth of
                // an idle device's memory. It still grows when a read fills it (TLS records).
                .channelOption(.recvAllocator, value: Self.phoneReads)
                .channelInitializer { channel in
                    do {
                        let conditioner = LinkConditioner(
                            profile: profile, random: random, activation: activation, timers: link.timers)
                        try channel.pipeline.syncOperations.addHandler(conditioner)
                        link.attach(conditioner)
                    } catch {
                        activation.fail(error)
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                    return initializer(channel)
                }
                .connect(host: host, port: port)
            connected.whenFailure { activation.fail($0) }
            return connected.flatMap { channel in
                if LinkConditioner.time(profile.connectDelay) >= deadline - eventLoop.now {
                    // The handshake would end after the deadline: give up at the deadline.
                    eventLoop.scheduleTask(deadline: deadline) {
                        activation.fail(ChannelError.connectTimeout(timeout))
                        channel.close(promise: nil)
                    }
                }
                return activation.futureResult.map { channel }
            }
        }
    }

    /// The transport asked for a channel on another loop than the device's link is bound to.
    package struct WrongEventLoop: Error, CustomStringConvertible {
        package var description: String { "the connector's link belongs to another event loop" }
    }
}
