import NIOCore

/// Where an SDK instance (and the device around it) arms its timers: on its event loop, but
/// possibly through something cheaper than the loop's own `scheduleTask` (a promise, a future and
/// a heap entry of closures per timer). A simulated run gives its virtual-clock loop, a live run
/// a per-loop timer queue that keeps one loop timer for all of them; tests and tools get the
/// loop itself through `EventLoopScheduler`.
///
/// Every method is called on the loop, and every timer runs there, never before its deadline.
/// Timers due at the same instant run in the order they were armed.
public protocol SDKScheduler: AnyObject {
    /// Runs `body` at `deadline`.
    func schedule(at deadline: NIODeadline, _ body: @escaping () -> Void)
    /// Runs `body` at `deadline` unless `cancel` is called with the handle first.
    func scheduleCancellable(at deadline: NIODeadline, _ body: @escaping () -> Void) -> SDKTimerHandle
    /// Cancels a timer armed by `scheduleCancellable` (nothing if it ran already).
    func cancel(_ timer: SDKTimerHandle)
}

/// A cancellable timer of an `SDKScheduler`: what the scheduler that armed it needs to find it.
public struct SDKTimerHandle: Sendable {
    /// The loop's own handle (`EventLoopScheduler`).
    public let scheduled: Scheduled<Void>?
    /// The scheduler's own slot and arming number (the others).
    public let slot: UInt32
    public let order: UInt64

    public init(scheduled: Scheduled<Void>?, slot: UInt32 = 0, order: UInt64 = 0) {
        self.scheduled = scheduled
        self.slot = slot
        self.order = order
    }
}

/// The loop's own timers: `scheduleTask(deadline:)` for each.
public final class EventLoopScheduler: SDKScheduler {
    public let loop: any EventLoop

    public init(loop: any EventLoop) {
        self.loop = loop
    }

    /// The scheduler of `loop`: the loop itself when it is one, else its own timers.
    public static func of(_ loop: any EventLoop) -> any SDKScheduler {
        (loop as? any SDKScheduler) ?? EventLoopScheduler(loop: loop)
    }

    public func schedule(at deadline: NIODeadline, _ body: @escaping () -> Void) {
        loop.assumeIsolated().scheduleTask(deadline: deadline, body)
    }

    public func scheduleCancellable(at deadline: NIODeadline, _ body: @escaping () -> Void) -> SDKTimerHandle {
        SDKTimerHandle(scheduled: loop.assumeIsolated().scheduleTask(deadline: deadline, body))
    }

    public func cancel(_ timer: SDKTimerHandle) {
        timer.scheduled?.cancel()
    }
}
