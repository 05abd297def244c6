import ClickstreamSDK
import NIOCore

/// A live event loop's timers for its devices (their apps' screens and events, their SDKs' batch,
/// ack and connection timers): one heap of plain entries, and one timer on the loop, armed at
/// the earliest deadline rounded up to the next millisecond.
///
/// Why: on a `SelectableEventLoop` every `scheduleTask` is a promise, a future and a heap entry of
/// closures, and every distinct deadline is a wakeup of the loop; thousands of phones tracking
/// events 10 ms apart spent a third of their time there. Here a timer is its closure in a slot
/// and three integers in the heap, and the deadlines of one millisecond share one wakeup. A timer
/// never runs before its deadline, at most about a millisecond after it (plus whatever the busy
/// loop adds, as with its own timers); event latency is measured from the intended time, so that
/// delay is in the figures. Timers due together run by deadline, then in the order they were
/// armed.
///
/// Lives on its loop: every method must be called there.
final class LoopTimerQueue: SDKScheduler {
    /// Wakeups are rounded up to this many nanoseconds.
    static let granularity: UInt64 = 1_000_000

    let loop: any EventLoop
    private var timers = TimerHeap()
    /// The loop timer's deadline and handle, while one is armed.
    private var wakeup: (deadline: UInt64, timer: Scheduled<Void>)?
    private var running = false

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Timers armed and not run yet (cancelled ones included until their deadline).
    var pendingTimers: Int { timers.count }

    func schedule(at deadline: NIODeadline, _ body: @escaping () -> Void) {
        _ = arm(deadline, body)
    }

    func scheduleCancellable(at deadline: NIODeadline, _ body: @escaping () -> Void) -> SDKTimerHandle {
        arm(deadline, body)
    }

    func cancel(_ timer: SDKTimerHandle) {
        timers.cancel(timer)
    }

    private func arm(_ deadline: NIODeadline, _ body: @escaping () -> Void) -> SDKTimerHandle {
        let handle = timers.arm(at: deadline.uptimeNanoseconds, body)
        if !running { armWakeup() }
        return handle
    }

    /// Keeps the loop timer at the earliest deadline, rounded up to the granularity, and never at
    /// or before now: NIO runs every task already due before it reads a socket again, so a
    /// wakeup for a timer that is past due is the next millisecond's, after the loop's I/O.
    private func armWakeup() {
        guard let first = timers.earliest else { return }
        let rounded = (max(first, loop.now.uptimeNanoseconds) / Self.granularity + 1) * Self.granularity
        if let wakeup {
            guard rounded < wakeup.deadline else { return }
            wakeup.timer.cancel()
        }
        let timer = loop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(rounded)) { [weak self] in
            guard let self else { return }
            self.fire()
        }
        wakeup = (rounded, timer)
    }

    /// At most this many timers run in one turn of the loop before its sockets get theirs.
    static let timersPerTurn = 1_024

    /// Runs the timers due by now (those armed for now while running too), at most
    /// `timersPerTurn` of them, then re-arms: when the loop is behind, the rest run in its next
    /// millisecond, after its I/O. Without the bound, a loop behind its timers ran nothing else:
    /// no socket was read or written, and a saturated generator delivered nothing at all
    /// (connects timed out, pongs were late).
    private func fire() {
        wakeup = nil
        running = true
        let now = loop.now.uptimeNanoseconds
        var budget = Self.timersPerTurn
        while budget > 0, let first = timers.earliest, first <= now {
            timers.takeEarliest()?()
            budget -= 1
        }
        running = false
        armWakeup()
    }
}
