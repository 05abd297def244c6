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
    private struct Entry {
        var deadline: UInt64
        var order: UInt64
        var slot: UInt32

        @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : order < other.order
        }
    }

    private var clock = NIODeadline.uptimeNanoseconds(0)
    private var heap: [Entry] = []
    /// Each slot's timer and its arming number (`UInt64.max` when the slot is free).
    private var bodies: [(() -> Void)?] = []
    private var orders: [UInt64] = []
    private var freeSlots: [UInt32] = []
    private var nextOrder: UInt64 = 0
    private var batch: [() -> Void] = []
    private var closed = false
    private let thread = pthread_self()

    init() {}

    /// Timers armed and not run yet (cancelled ones included until their deadline).
    var pendingTimers: Int { heap.count }

    // MARK: SDKScheduler

    func schedule(at deadline: NIODeadline, _ body: @escaping () -> Void) {
        _ = arm(deadline, body)
    }

    func scheduleCancellable(at deadline: NIODeadline, _ body: @escaping () -> Void) -> SDKTimerHandle {
        arm(deadline, body)
    }

    func cancel(_ timer: SDKTimerHandle) {
        let slot = Int(timer.slot)
        guard slot < orders.count, orders[slot] == timer.order else { return }
        bodies[slot] = nil
    }

    @discardableResult
    private func arm(_ deadline: NIODeadline, _ body: @escaping () -> Void) -> SDKTimerHandle {
        let order = nextOrder
        nextOrder += 1
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
            bodies[Int(slot)] = body
            orders[Int(slot)] = order
        } else {
            slot = UInt32(bodies.count)
            bodies.append(body)
            orders.append(order)
        }
        push(Entry(deadline: deadline.uptimeNanoseconds, order: order, slot: slot))
        return SDKTimerHandle(scheduled: nil, slot: slot, order: order)
    }

    // MARK: The clock

    /// Runs every timer due by `deadline`, batch by batch, then reads `deadline` (or the current
    /// time, if that is later).
    func advanceTime(to deadline: NIODeadline) {
        let target = max(deadline, clock)
        while let first = heap.first, first.deadline <= target.uptimeNanoseconds {
            batch.removeAll(keepingCapacity: true)
            while let top = heap.first, top.deadline == first.deadline {
                popFirst()
                let slot = Int(top.slot)
                if let body = bodies[slot] { batch.append(body) }
                bodies[slot] = nil
                orders[slot] = .max
                freeSlots.append(top.slot)
            }
            clock = .uptimeNanoseconds(first.deadline)
            var index = 0
            while index < batch.count {
                batch[index]()
                index += 1
            }
        }
        clock = target
    }

    // MARK: The heap (a binary min-heap by deadline, then arming order)

    private func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entry.precedes(heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    private func popFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        var parent = 0
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let child = right < count && heap[right].precedes(heap[left]) ? right : left
            guard heap[child].precedes(last) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = last
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
            heap.removeAll()
            bodies.removeAll()
            orders.removeAll()
            freeSlots.removeAll()
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
