import NIOCore

/// Stops reading a connection whose answers queue up unsent, as Raccoon's blocking writer does:
/// a client that sends and never reads would otherwise make the collector buffer answers without
/// bound. First in the pipeline, it holds back `read()` while the channel is not writable (its
/// outbound buffer is over the high water mark) and reads again once it drains below the low one.
final class SlowReaderGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    /// The shard of the connection's loop, where pauses are counted; same loop as this handler.
    private let shard: CollectorShard
    private var readHeld = false

    init(shard: CollectorShard) {
        self.shard = shard
    }

    func read(context: ChannelHandlerContext) {
        guard !context.channel.isWritable else {
            context.read()
            return
        }
        if !readHeld {
            readHeld = true
            shard.protection.slowReaderPauses += 1
            shard.protection.slowReadersPaused += 1
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readHeld {
            release()
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if readHeld { release() }
        context.fireChannelInactive()
    }

    private func release() {
        readHeld = false
        shard.protection.slowReadersPaused -= 1
    }
}
