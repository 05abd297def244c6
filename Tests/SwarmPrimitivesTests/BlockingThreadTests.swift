import Dispatch
import Foundation
import SwarmPrimitives
import Synchronization
import Testing

@Suite("Blocking work on a thread of its own")
struct BlockingThreadTests {
    /// What a push relies on: its transfer runs even when every thread of Dispatch's global queue
    /// is blocked (by child processes a test waits for, say). The blocked items are released by
    /// the work itself. Were it queued behind them, it would wait for Dispatch's monitor, which
    /// adds about one thread a second when the pool is stuck (measured: 8 blockers on 2 cores
    /// held such an item for 7 s), so for 128 blockers about two minutes; the fallback release
    /// after 30 s would come first and `ranFirst` would be false.
    @Test("runs while every Dispatch global thread is blocked")
    func runsBesideABlockedDispatchPool() async throws {
        let release = DispatchSemaphore(value: 0)
        let blockers = max(128, ProcessInfo.processInfo.activeProcessorCount * 64)
        for _ in 0..<blockers {
            DispatchQueue.global().async {
                release.wait()
            }
        }
        let released = Mutex(false)
        let releaseAll: @Sendable () -> Bool = {
            let first = released.withLock { state in
                defer { state = true }
                return !state
            }
            if first { for _ in 0..<blockers { release.signal() } }
            return first
        }
        let fallback = Thread {
            Thread.sleep(forTimeInterval: 30)
            _ = releaseAll()
        }
        fallback.start()
        let ranFirst = await BlockingThread.run("test") { releaseAll() }
        #expect(ranFirst)
    }

    @Test("a thrown error reaches the caller with its type; a value comes back")
    func throwsThrough() async {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await BlockingThread.run("test") { () throws -> Int in throw Boom() }
        }
        let value = await BlockingThread.run("test") { 7 * 6 }
        #expect(value == 42)
    }
}
