import Foundation

/// Runs blocking work (a libcurl transfer, a librdkafka flush, waiting for a child process) on a
/// thread of its own and awaits it without holding a thread of the caller's.
///
/// Not Swift concurrency's pool: it has one thread per core, and a run's devices need them. Not
/// `DispatchQueue.global()` either: on Linux that queue also gets about one thread per core, so
/// work that blocks there for seconds starves every other user of it (a 0.5 s push timeout once
/// took 34 s on a loaded two-core machine). A thread per call costs tens of microseconds, nothing
/// beside the transfer or process it waits for: for occasional calls, not for every event.
package enum BlockingThread {
    package static func run<Value: Sendable, Failure: Error>(
        _ name: String, _ body: @escaping @Sendable () throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        let result: Result<Value, Failure> = await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: Result(catching: body)) }
            thread.name = name
            thread.start()
        }
        return try result.get()
    }
}
