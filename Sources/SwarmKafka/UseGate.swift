import Foundation

/// Counts the calls that are using a librdkafka handle, refuses new ones once the owner starts
/// closing, and lets the owner wait until none is left: the handle is destroyed only when no
/// call can touch it any more, without holding one lock across every call.
///
/// `@unchecked Sendable` is safe: `active` and `closing` are private and read or written only
/// between `condition.lock()` and `condition.unlock()`.
final class UseGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var active = 0
    private var closing = false

    /// Runs `body` as one use; throws `closed` without running it once closing has started.
    func use<Result>(
        role: KafkaHandle.Role, _ body: () throws(KafkaError) -> Result
    ) throws(KafkaError) -> Result {
        condition.lock()
        guard !closing else {
            condition.unlock()
            throw .closed(role: role.rawValue)
        }
        active += 1
        condition.unlock()
        defer {
            condition.lock()
            active -= 1
            if active == 0 { condition.broadcast() }
            condition.unlock()
        }
        return try body()
    }

    /// Starts closing: later `use` calls throw. Returns false if closing had already started.
    func close() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let first = !closing
        closing = true
        return first
    }

    /// Closing, and no use is in flight.
    var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closing && active == 0
    }

    /// Blocks until no use is in flight (call after `close()`, or new uses may keep it busy).
    func waitUntilIdle() {
        condition.lock()
        while active > 0 { condition.wait() }
        condition.unlock()
    }
}
