import ClickstreamSDK
import Dispatch
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A simulated partition's event loop: a virtual clock that moves only when `advanceTime(to:)`
/// says, with `EmbeddedEventLoop`'s exact order and a fraction of its cost per timer.
///
/// The order is `EmbeddedEventLoop`'s, so that a seed writes the same report byte for byte
/// whichever of the two runs it: timers run by deadline, then in the order they were armed;
/// the timers due at one instant are taken off the queue together and then run, so that one
/// cancelled by another of them while they run still runs, and one armed for that instant while
/// they run comes after them; the clock reads each batch's deadline while it runs, even one in the
/// past, and the target once no timer is due before it.
///
/// What it saves: `EmbeddedEventLoop` makes a promise and a future per timer and keeps a heap of
/// closures (each swap retains and releases); here a timer is its closure in a slot and an entry
/// of three integers in the heap. `SDKScheduler` is that path without a promise; the `EventLoop`
/// methods take it too.
///
/// Not thread-safe: it lives on the thread that made it, as `EmbeddedEventLoop` does.
final class VirtualClockLoop: EventLoop, SDKScheduler {
    private var clock = NIODeadline.uptimeNanoseconds(0)
    private var timers = TimerHeap()
    private var batch: [() -> Void] = []
    private var closed = false
    private let thread = pthread_self()

    init() {}

    /// Timers armed and not run yet (cancelled ones included until their deadline).
    var pendingTimers: Int { timers.count }

    // MARK: SDKScheduler

    func schedule(at deadline: NIODeadline, _ body: @escaping () -> Void) {
        _ = timers.arm(at: deadline.uptimeNanoseconds, body)
    }

    func scheduleCancellable(at deadline: NIODeadline, _ body: @escaping () -> Void) -> SDKTimerHandle {
        timers.arm(at: deadline.uptimeNanoseconds, body)
    }

    func cancel(_ timer: SDKTimerHandle) {
        timers.cancel(timer)
    }

    @discardableResult
    private func arm(_ deadline: NIODeadline, _ body: @escaping () -> Void) -> SDKTimerHandle {
        timers.arm(at: deadline.uptimeNanoseconds, body)
    }

    // MARK: The clock

    /// Runs every timer due by `deadline`, batch by batch, then reads `deadline` (or the current
    /// time, if that is later).
    func advanceTime(to deadline: NIODeadline) {
        let target = max(deadline, clock)
        while let first = timers.earliest, first <= target.uptimeNanoseconds {
            batch.removeAll(keepingCapacity: true)
            while timers.earliest == first {
                if let body = timers.takeEarliest() { batch.append(body) }
            }
            clock = .uptimeNanoseconds(first)
            var index = 0
            while index < batch.count {
                batch[index]()
                index += 1
            }
        }
        clock = target
    }

    // MARK: EventLoop

    var now: NIODeadline { clock }

    var inEventLoop: Bool { pthread_equal(thread, pthread_self()) != 0 }

    func execute(_ task: @escaping @Sendable () -> Void) {
        _ = arm(clock, task)
    }

    func _executeIsolatedUnsafeUnchecked(_ task: @escaping () -> Void) {
        _ = arm(clock, task)
    }

    @discardableResult
    func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        promisedTask(deadline: deadline, task)
    }

    @discardableResult
    func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        promisedTask(deadline: clock + delay, task)
    }

    @discardableResult
    func _scheduleTaskIsolatedUnsafeUnchecked<T>(deadline: NIODeadline, _ task: @escaping () throws -> T)
        -> Scheduled<T>
    {
        promisedTask(deadline: deadline, task)
    }

    @discardableResult
    func _scheduleTaskIsolatedUnsafeUnchecked<T>(in delay: TimeAmount, _ task: @escaping () throws -> T)
        -> Scheduled<T>
    {
        promisedTask(deadline: clock + delay, task)
    }

    func _submitIsolatedUnsafeUnchecked<T>(_ task: @escaping () throws -> T) -> EventLoopFuture<T> {
        promisedTask(deadline: clock, task).futureResult
    }

    @preconcurrency
    @discardableResult
    func scheduleCallback(in amount: TimeAmount, handler: some (NIOScheduledCallbackHandler & Sendable))
        -> NIOScheduledCallback
    {
        // The default would count from the wall clock's now.
        scheduleCallback(at: clock + amount, handler: handler)
    }

    /// The `EventLoop` path: a promise completed with the task's result, cancelled as the heap
    /// entry is (a timer already taken off for its batch still runs, as on `EmbeddedEventLoop`).
    private func promisedTask<T>(deadline: NIODeadline, _ task: @escaping () throws -> T) -> Scheduled<T> {
        let promise: EventLoopPromise<T> = makePromise()
        guard !closed else {
            promise.fail(EventLoopError.cancelled)
            return Scheduled(promise: promise, cancellationTask: {})
        }
        let handle = arm(deadline) {
            do {
                promise.assumeIsolated().succeed(try task())
            } catch {
                promise.fail(error)
            }
        }
        // Confined to the loop's thread like everything here (see `@unchecked Sendable` below).
        let loop = UnsafeTransfer(self)
        return Scheduled(promise: promise, cancellationTask: { loop.value.cancel(handle) })
    }

    func preconditionInEventLoop(file: StaticString, line: UInt) {
        precondition(inEventLoop, "VirtualClockLoop used off its thread", file: file, line: line)
    }

    func preconditionNotInEventLoop(file: StaticString, line: UInt) {
        precondition(!inEventLoop, "VirtualClockLoop waited on from its own thread", file: file, line: line)
    }

    func _preconditionSafeToWait(file: StaticString, line: UInt) {}

    #if canImport(Dispatch)
        func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
            closed = true
            advanceTime(to: clock)
            timers.removeAll()
            queue.async { callback(nil) }
        }
    #endif
}

/// Safe because the loop is confined to the thread that made it: every method but
/// `inEventLoop` checks or assumes that thread (as `EmbeddedEventLoop`, which NIO marks the same
/// way), and a partition's loop never leaves its thread; `EventLoop` requires `Sendable`.
extension VirtualClockLoop: @unchecked Sendable {}

/// A value carried into a `@Sendable` closure that only ever runs on the value's own thread.
private struct UnsafeTransfer<Value>: @unchecked Sendable {
    // Safe: see the one use above; the closure runs on the loop's thread or not at all.
    let value: Value
    init(_ value: Value) { self.value = value }
}
