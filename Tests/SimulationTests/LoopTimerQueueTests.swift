import NIOCore
import NIOEmbedded
import Testing

@testable import Simulation

/// A live loop's device timers (`LoopTimerQueue`) on an embedded loop's virtual clock: their
/// order, never early, and a loop behind its timers still giving its sockets a turn.
@Suite("Live loop timer queue")
struct LoopTimerQueueTests {
    @Test("timers run by deadline, then in the order armed, never before their deadline")
    func order() {
        let loop = EmbeddedEventLoop()
        let queue = LoopTimerQueue(loop: loop)
        var ran: [String] = []
        let start = loop.now
        queue.schedule(at: start + .milliseconds(30)) { ran.append("c") }
        queue.schedule(at: start + .milliseconds(10)) { ran.append("a1") }
        queue.schedule(at: start + .milliseconds(10)) { ran.append("a2") }
        let cancelled = queue.scheduleCancellable(at: start + .milliseconds(20)) { ran.append("cancelled") }
        queue.schedule(at: start + .milliseconds(20)) { ran.append("b") }
        queue.cancel(cancelled)
        loop.advanceTime(by: .milliseconds(9))
        #expect(ran.isEmpty)
        loop.advanceTime(by: .milliseconds(2))
        #expect(ran == ["a1", "a2"])
        loop.advanceTime(by: .milliseconds(20))
        #expect(ran == ["a1", "a2", "b", "c"])
    }

    @Test("a loop behind its timers runs at most timersPerTurn of them before other work on the loop")
    func boundedTurn() {
        let loop = EmbeddedEventLoop()
        let queue = LoopTimerQueue(loop: loop)
        let count = LoopTimerQueue.timersPerTurn * 2 + 10
        var ran = 0
        var ranBeforeOtherWork: Int?
        let due = loop.now + .milliseconds(1)
        for index in 0..<count {
            queue.schedule(at: due) {
                ran += 1
                // What a socket's read would be: work queued on the loop while it is behind.
                if index == 0 { loop.assumeIsolated().execute { ranBeforeOtherWork = ran } }
            }
        }
        loop.advanceTime(by: .milliseconds(5))
        #expect(ran == count)
        #expect(ranBeforeOtherWork == LoopTimerQueue.timersPerTurn)
    }
}
