import ClickstreamSDK
import Foundation
import NIOCore
import SwarmPrimitives

/// Applies a device's `LinkProfile` to its real socket: the first handler of the pipeline (the
/// one next to the socket) holds each outbound write and each inbound read back by the link's
/// latency plus a jitter sample, and serialises messages by the link's bandwidth.
///
/// Each direction is a FIFO queue with at most one timer: a message never overtakes the one
/// before it, so the head of a queue is always due first and a timer is never cancelled on the
/// hot path. A transparent profile (no latency, jitter or bandwidth limit) passes everything
/// straight through without a timer.
///
/// The connection itself costs one round trip: `channelActive` reaches the handlers behind it
/// `2 × latency` after the real connect, and `activation` (when given) completes then. The peer's
/// FIN travels like data when the channel allows remote half-closure (as
/// `ConditionedSocketConnector` sets up): the conditioner closes the channel once the data before
/// it was delivered. A local close, a reset or `dropConnection()` take effect at once: queued
/// writes fail, queued reads are dropped.
///
/// Event-loop bound like every handler: use it on its channel's loop only.
package final class LinkConditioner: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = ByteBuffer
    package typealias OutboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    /// A write waiting for its deadline (unflushed writes have none yet).
    private struct PendingWrite {
        var data: ByteBuffer
        var promise: EventLoopPromise<Void>?
        var deadline: NIODeadline
    }

    /// A read waiting for its deadline.
    private struct PendingRead {
        var data: ByteBuffer
        var deadline: NIODeadline
    }

    package let profile: LinkProfile
    /// `profile.isTransparent`, kept because every message asks.
    private let transparent: Bool
    private var context: ChannelHandlerContext?
    /// Completed when the handlers behind see `channelActive`; failed if the channel goes first.
    private var activation: EventLoopPromise<Void>?

    private var writes = CircularBuffer<PendingWrite>(initialCapacity: 2)
    /// How many of `writes`, from the front, were flushed and so have a deadline.
    private var flushedWrites = 0
    private var outbound: LinkLane
    private var outboundTimer: SDKTimerHandle?
    /// A `close(mode: .output)` waiting for the queued writes: its promise, if any.
    private var outputClose: EventLoopPromise<Void>??

    private var reads = CircularBuffer<PendingRead>(initialCapacity: 2)
    private var inbound: LinkLane
    private var inboundTimer: SDKTimerHandle?
    /// Where both directions' timers are armed (the loop's own unless given).
    private var timers: (any SDKScheduler)?
    /// When the held-back `channelActive` is due.
    private var activeAt: NIODeadline?
    /// When the peer's FIN, behind the queued reads, is due.
    private var inputClosedAt: NIODeadline?
    /// `channelActive` went through and the channel did not close since.
    private var linkUp = false
    /// Closed locally, dropped, or inactive: nothing is queued any more.
    private var closed = false

    /// - Parameters:
    ///   - profile: the device's link.
    ///   - random: the device's generator for this connection, drawn on for each message's jitter.
    ///   - activation: completed when the delayed `channelActive` goes through, failed when the
    ///     channel closes before (a connector waits on it).
    ///   - timers: where the delays are timed, on the channel's loop: a live run's device timer
    ///     queue (a loop's own heap of thousands of phones' timers cost a tenth of its time);
    ///     the loop's own timers when nil.
    package init(
        profile: LinkProfile, random: SeededRandom, activation: EventLoopPromise<Void>? = nil,
        timers: (any SDKScheduler)? = nil
    ) {
        self.timers = timers
        self.profile = profile
        self.transparent = profile.isTransparent
        var random = random
        self.inbound = LinkLane(random: SeededRandom(seed: random.next()))
        self.outbound = LinkLane(random: random)
        self.activation = activation
    }

    /// True once the connection is up, as the handlers behind see it, until it closes.
    package var isConnected: Bool { linkUp && context?.channel.isActive == true }

    /// Drops the connection abruptly, as when the device loses its network: the socket closes
    /// with a reset (SO_LINGER 0) where the channel supports it, queued data is lost and the
    /// handlers behind see the channel go inactive without a close handshake.
    package func dropConnection() {
        guard let context, !closed else { return }
        if let sockets = context.channel as? any SocketOptionProvider {
            _ = sockets.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        }
        abort(ChannelError.ioOnClosedChannel)
        // The handlers behind learn why first: the transport calls the ending `dropped`.
        context.fireErrorCaught(NetworkDrop())
        context.close(promise: nil)
    }

    /// The error the handlers behind see when the link drops the connection on purpose.
    package struct NetworkDrop: DeliberateDrop, CustomStringConvertible {
        package var description: String { "the network dropped the connection" }
    }

    // MARK: Lifecycle

    package func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if timers == nil { timers = EventLoopScheduler.of(context.eventLoop) }
        if context.channel.isActive {
            linkUp = true
            completeActivation()
        }
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        abort(ChannelError.ioOnClosedChannel)
        for timer in [outboundTimer, inboundTimer] {
            if let timer { timers?.cancel(timer) }
        }
        outboundTimer = nil
        inboundTimer = nil
        self.context = nil
    }

    package func channelActive(context: ChannelHandlerContext) {
        let delay = profile.connectDelay
        guard delay > 0 else {
            linkUp = true
            completeActivation()
            context.fireChannelActive()
            return
        }
        let at = context.eventLoop.now + Self.time(delay)
        activeAt = at
        // Nothing crosses the link before the handshake is over.
        inbound.holdArrivals(until: Self.seconds(at))
        outbound.holdSending(until: Self.seconds(at))
        armInbound(context)
    }

    package func channelInactive(context: ChannelHandlerContext) {
        abort(ChannelError.ioOnClosedChannel)
        // Also when the handshake had not finished: the handlers behind learn the attempt failed.
        context.fireChannelInactive()
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case ChannelEvent.inputClosed = event, !closed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // The peer's FIN: it arrives after the data sent before it, then the channel closes as
        // it would without remote half-closure.
        if transparent || activeAt != nil {
            closeFromLink(context)
            return
        }
        let now = context.eventLoop.now
        inputClosedAt = Swift.max(now + Self.time(profile.latency), Self.deadline(inbound.lastArrival))
        armInbound(context)
    }

    // MARK: Inbound

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !transparent, !closed else {
            context.fireChannelRead(data)
            return
        }
        let bytes = unwrapInboundIn(data)
        let deadline = arrival(&inbound, bytes: bytes.readableBytes, now: context.eventLoop.now)
        reads.append(PendingRead(data: bytes, deadline: deadline))
        armInbound(context)
    }

    package func channelReadComplete(context: ChannelHandlerContext) {
        // Delayed reads end with a read-complete of their own when their timer fires.
        if transparent || closed { context.fireChannelReadComplete() }
    }

    private func armInbound(_ context: ChannelHandlerContext) {
        guard inboundTimer == nil, let timers,
            let deadline = activeAt ?? reads.first?.deadline ?? inputClosedAt
        else { return }
        inboundTimer = timers.scheduleCancellable(at: deadline) {
            self.inboundTimer = nil
            self.deliverInbound(context)
        }
    }

    private func deliverInbound(_ context: ChannelHandlerContext) {
        let now = context.eventLoop.now
        if let at = activeAt {
            guard at <= now else { return armInbound(context) }
            activeAt = nil
            linkUp = true
            completeActivation()
            context.fireChannelActive()
        }
        var delivered = false
        while let first = reads.first, first.deadline <= now {
            reads.removeFirst()
            delivered = true
            context.fireChannelRead(wrapInboundOut(first.data))
        }
        if delivered { context.fireChannelReadComplete() }
        if reads.isEmpty, let at = inputClosedAt, at <= now {
            inputClosedAt = nil
            return closeFromLink(context)
        }
        armInbound(context)
    }

    // MARK: Outbound

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !transparent, !closed else {
            context.write(data, promise: promise)
            return
        }
        guard outputClose == nil else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        writes.append(PendingWrite(data: unwrapOutboundIn(data), promise: promise, deadline: .distantFuture))
    }

    package func flush(context: ChannelHandlerContext) {
        guard !transparent, !closed else {
            context.flush()
            return
        }
        scheduleUnflushed(context)
    }

    package func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch mode {
        case .output where !writes.isEmpty && !closed:
            // A FIN follows the data queued before it.
            guard outputClose == nil else {
                promise?.fail(ChannelError.outputClosed)
                return
            }
            outputClose = .some(promise)
            scheduleUnflushed(context)
        case .output:
            context.close(mode: mode, promise: promise)
        case .input:
            reads.removeAll()
            inputClosedAt = nil
            context.close(mode: mode, promise: promise)
        case .all:
            abort(ChannelError.ioOnClosedChannel)
            context.close(mode: mode, promise: promise)
        }
    }

    /// Gives the writes since the last flush their deadlines, in order.
    private func scheduleUnflushed(_ context: ChannelHandlerContext) {
        guard flushedWrites < writes.count else { return }
        let now = context.eventLoop.now
        var index = writes.index(writes.startIndex, offsetBy: flushedWrites)
        while index != writes.endIndex {
            writes[index].deadline = arrival(&outbound, bytes: writes[index].data.readableBytes, now: now)
            index = writes.index(after: index)
        }
        flushedWrites = writes.count
        armOutbound(context)
    }

    private func armOutbound(_ context: ChannelHandlerContext) {
        guard outboundTimer == nil, flushedWrites > 0, let timers, let first = writes.first else { return }
        outboundTimer = timers.scheduleCancellable(at: first.deadline) {
            self.outboundTimer = nil
            self.deliverOutbound(context)
        }
    }

    private func deliverOutbound(_ context: ChannelHandlerContext) {
        let now = context.eventLoop.now
        var wrote = false
        while flushedWrites > 0, let first = writes.first, first.deadline <= now {
            writes.removeFirst()
            flushedWrites -= 1
            wrote = true
            context.write(wrapOutboundOut(first.data), promise: first.promise)
        }
        if wrote { context.flush() }
        if writes.isEmpty, let pending = outputClose {
            outputClose = nil
            context.close(mode: .output, promise: pending)
            return
        }
        armOutbound(context)
    }

    // MARK: Ending

    /// Closes the channel because the peer's FIN came through the link.
    private func closeFromLink(_ context: ChannelHandlerContext) {
        abort(ChannelError.eof)
        context.close(promise: nil)
    }

    /// Forgets everything queued: writes and a pending output close fail with `error`, reads
    /// are dropped, a connection not yet announced fails its activation. Timers find nothing
    /// to do when they fire.
    private func abort(_ error: any Error) {
        closed = true
        linkUp = false
        activeAt = nil
        inputClosedAt = nil
        reads.removeAll()
        flushedWrites = 0
        let failed = writes
        writes.removeAll()
        let pendingClose = outputClose
        outputClose = nil
        let activation = self.activation
        self.activation = nil
        // Promises last: their callbacks may call back into this handler.
        activation?.fail(error)
        for write in failed { write.promise?.fail(error) }
        pendingClose??.fail(error)
    }

    private func completeActivation() {
        let activation = self.activation
        self.activation = nil
        activation?.succeed()
    }

    /// When a message handed to `lane` now comes out at the other end (the shared `LinkLane`
    /// formula, on the loop's clock in seconds).
    private func arrival(_ lane: inout LinkLane, bytes: Int, now: NIODeadline) -> NIODeadline {
        Self.deadline(
            lane.arrival(
                bytes: bytes, now: Self.seconds(now), latency: profile.latency, jitter: profile.jitter,
                bandwidth: profile.bandwidth))
    }

    /// A deadline of the loop's clock in seconds.
    static func seconds(_ deadline: NIODeadline) -> Double { Double(deadline.uptimeNanoseconds) / 1e9 }

    /// Seconds of the loop's clock as a deadline, rounded to the nanosecond.
    static func deadline(_ seconds: Double) -> NIODeadline {
        .uptimeNanoseconds(UInt64(Swift.max(0, (seconds * 1e9).rounded())))
    }

    /// Seconds as a `TimeAmount`, capped at a million seconds so a wild sample cannot overflow.
    static func time(_ seconds: Double) -> TimeAmount {
        guard seconds > 0 else { return .zero }
        return .nanoseconds(Int64((Swift.min(seconds, 1e6) * 1e9).rounded()))
    }
}
