import Foundation

/// Runs a blocking librdkafka call on a thread of its own, so that an async caller waits for it
/// without holding one of Swift concurrency's few cooperative threads (two on a 2-core machine)
/// for seconds. One thread per call: for the occasional request, not for every message.
enum BlockingCall {
    static func run<Value: Sendable, Failure: Error>(
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
