import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP client that writes raw bytes and collects every byte the server sends until it closes:
/// for requests no well-behaved HTTP client would send. With `reading: false` it never reads
/// (a slow reader), until `startReading()`. `sending` is written the moment the connection is up,
/// on its event loop: a collector's request-head timeout counts from there, and a task on a busy
/// cooperative pool could otherwise be scheduled seconds later.
final class RawTCPClient: Sendable {
    let channel: any Channel
    private let collector: NIOLoopBound<ByteCollector>

    private init(channel: any Channel, collector: NIOLoopBound<ByteCollector>) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(
        port: Int, reading: Bool = true, receiveBuffer: Int? = nil, sending: String? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RawTCPClient {
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.autoRead, value: reading)
        if let receiveBuffer { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: receiveBuffer) }
        // The collector is bound in the initializer: a server that closes at once (a timeout
        // under a loaded machine) must not leave it unfindable.
        let (channel, collector) = try await bootstrap.connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                let collector = ByteCollector(greeting: sending)
                try channel.pipeline.syncOperations.addHandler(collector)
                return (channel, NIOLoopBound(collector, eventLoop: channel.eventLoop))
            }
        }
        return RawTCPClient(channel: channel, collector: collector)
    }

    func write(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    func write(bytes: [UInt8]) {
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    func startReading() async throws {
        try await channel.setOption(.autoRead, value: true).get()
        channel.read()
    }

    /// Every byte received until the server closes; throws after `timeout` (a runaway bound).
    func bytesUntilClosed(timeout: TimeAmount = .seconds(20)) async throws -> [UInt8] {
        let collector = self.collector
        return try await channel.eventLoop.flatSubmit { collector.value.untilClosed(timeout: timeout) }.get()
    }

    /// Bytes received so far.
    func received() async throws -> Int {
        let collector = self.collector
        return try await channel.eventLoop.submit { collector.value.bytes.count }.get()
    }

    func close() async { try? await channel.close() }
}

struct StillOpen: Error, CustomStringConvertible {
    var description: String { "the server did not close the connection in time" }
}

final class ByteCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private(set) var bytes: [UInt8] = []
    private var closed = false
    private var waiter: EventLoopPromise<[UInt8]>?
    private let greeting: String?

    init(greeting: String? = nil) { self.greeting = greeting }

    func channelActive(context: ChannelHandlerContext) {
        if let greeting { context.writeAndFlush(NIOAny(ByteBuffer(string: greeting)), promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bytes.append(contentsOf: unwrapInboundIn(data).readableBytesView)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        waiter?.succeed(bytes)
        waiter = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func untilClosed(timeout: TimeAmount) -> EventLoopFuture<[UInt8]> {
        guard let context else { preconditionFailure("collector used before it was added") }
        if closed { return context.eventLoop.makeSucceededFuture(bytes) }
        let promise = context.eventLoop.makePromise(of: [UInt8].self)
        waiter = promise
        context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.waiter?.fail(StillOpen())
            self.waiter = nil
        }
        return promise.futureResult
    }
}
