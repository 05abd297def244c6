import NIOCore

/// Holds back a connection's reads while the ingest throttle's bucket is in debt, so that the
/// collector takes at most `max_events_per_second` events a second: the connection stops being
/// read (its client's writes queue up in TCP, its pings wait too), as Raccoon's readers stop when
/// its publish buffer is full, and it is read again once the tokens have refilled. Next to the
/// slow-reader guard at the front of the pipeline; the decisions are `ReadThrottleStateMachine`'s
/// on the loop's clock.
final class ReadThrottleHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    /// The connection's loop's shard: its ledger says what was read, its counters what was held.
    private let shard: CollectorShard
    private let throttle: IngestThrottle
    private var machine = ReadThrottleStateMachine()
    private var wakeUp: Scheduled<Void>?

    init(shard: CollectorShard, throttle: IngestThrottle) {
        self.shard = shard
        self.throttle = throttle
    }

    /// The most a single socket read takes: a read may overdraw the bucket by this much at most.
    static let readBytes = 8 * 1024

    func handlerAdded(context: ChannelHandlerContext) {
        // One socket read of at most `readBytes` per read request: what a read takes is charged
        // before the next one, so no read overdraws the bucket by more than a few batches.
        context.channel.setOption(ChannelOptions.maxMessagesPerRead, value: 1).whenFailure { _ in }
        context.channel.setOption(
            ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.readBytes)
        ).whenFailure { _ in }
    }

    func read(context: ChannelHandlerContext) {
        let now = context.eventLoop.now
        act(machine.readRequested(now: now, openAt: throttle.charge(shard, now: now)), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop(now: context.eventLoop.now)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop(now: context.eventLoop.now)
    }

    private func stop(now: NIODeadline) {
        wakeUp?.cancel()
        wakeUp = nil
        if let waited = machine.closed(now: now) { count(waited: waited) }
    }

    private func act(_ action: ReadThrottleStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .read(let waited):
            if let waited { count(waited: waited) }
            wakeUp = nil
            context.read()
        case .hold(let wake, let startsHold):
            if startsHold {
                shard.protection.throttledReads += 1
                shard.protection.throttledReadsHeld += 1
            }
            wakeUp?.cancel()
            wakeUp = context.eventLoop.assumeIsolated().scheduleTask(deadline: wake) { [weak self] in
                self?.woke(context: context)
            }
        case .none:
            break
        }
    }

    private func woke(context: ChannelHandlerContext) {
        let now = context.eventLoop.now
        act(machine.wakeUp(now: now, openAt: throttle.charge(shard, now: now)), context: context)
    }

    /// A hold ended after `waited`.
    private func count(waited: TimeAmount) {
        shard.protection.throttledReadsHeld -= 1
        shard.protection.throttleWaitNanoseconds &+= UInt64(max(0, waited.nanoseconds))
    }
}
