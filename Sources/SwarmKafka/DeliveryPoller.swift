internal import CRdKafka
import Foundation
import NIOConcurrencyHelpers

/// The producer's delivery thread. It serves the handle's main queue, where librdkafka puts the
/// delivery reports (as `RD_KAFKA_EVENT_DR` events, so that `rd_kafka_flush` never serves them
/// on the caller's thread) and its errors, and runs each message's callback on this thread.
///
/// It also closes the handle: once asked to stop, it keeps serving until no producer call is in
/// flight, purges what is still queued or in flight (each of those gets its report, with a purge
/// error), serves those reports, and destroys the handle. Every callback has therefore run when
/// the thread exits, even when `close` was called from a callback, on this very thread.
///
/// `@unchecked Sendable` is safe: `queue` is an immutable pointer to a `rd_kafka_queue_t`, whose
/// `rd_kafka_queue_poll` and `rd_kafka_queue_yield` librdkafka makes thread safe; only this
/// thread polls it and destroys it, and `stop` yields it under `drainTime`'s lock, which the
/// thread must take (and see the time set) before it can destroy the queue.
final class DeliveryPoller: @unchecked Sendable {
    private let handle: KafkaHandle
    private let gate: UseGate
    private let queue: OpaquePointer
    private let messageTimeout: Duration
    /// Set by `stop`: how long the thread may wait for purged messages' reports before destroying.
    private let drainTime = NIOLockedValueBox<Duration?>(nil)
    private let exited = ConditionLock(value: false)
    private let thread = NIOLockedValueBox<Thread?>(nil)
    /// Messages handed to librdkafka whose report has not been passed to their callback yet.
    private let pending = NIOLockedValueBox(0)

    init(handle: KafkaHandle, gate: UseGate, messageTimeout: Duration) {
        self.handle = handle
        self.gate = gate
        self.messageTimeout = messageTimeout
        queue = rd_kafka_queue_get_main(handle.pointer)
        let thread = Thread { [self] in run() }
        thread.name = "clickswarm-kafka-delivery"
        self.thread.withLockedValue { $0 = thread }
        thread.start()
    }

    /// Messages queued whose report has not been passed to their callback yet.
    var pendingCount: Int { pending.withLockedValue { $0 } }

    /// Counts a message about to be queued; `queued: false` takes it back if it was not.
    func count(queued: Bool) { pending.withLockedValue { $0 += queued ? 1 : -1 } }

    /// Whether the caller is running on the delivery thread (in a delivery callback).
    var isCurrentThread: Bool { thread.withLockedValue { $0 } === Thread.current }

    /// Asks the thread to close the handle (see the type's comment) and waits until it has,
    /// unless called on the delivery thread itself, which finishes once the callback returns.
    /// Call once, after the gate is closed.
    func stop(drainingFor drain: Duration) {
        drainTime.withLockedValue { time in
            time = drain
            rd_kafka_queue_yield(queue)
        }
        guard !isCurrentThread else { return }
        exited.lock(whenValue: true)
        exited.unlock()
    }

    private func run() {
        while drainTime.withLockedValue({ $0 }) == nil {
            serve(timeoutMilliseconds: 500)
        }
        // Producer calls that entered before the gate closed may still be queuing messages.
        while !gate.isIdle { serve(timeoutMilliseconds: 10) }
        gate.waitUntilIdle()
        rd_kafka_purge(handle.pointer, cs_rd_kafka_purge_all_flags(0))
        let deadline = ContinuousClock.now + (drainTime.withLockedValue { $0 } ?? .zero)
        while rd_kafka_outq_len(handle.pointer) > 0, ContinuousClock.now < deadline {
            serve(timeoutMilliseconds: 10)
        }
        while serve(timeoutMilliseconds: 0) {}
        rd_kafka_queue_destroy(queue)
        handle.destroy()
        exited.lock()
        exited.unlock(withValue: true)
    }

    /// Serves one event of the main queue (a batch of delivery reports, or an error), waiting up
    /// to `timeoutMilliseconds` for it. Returns whether there was an event.
    @discardableResult
    private func serve(timeoutMilliseconds: Int32) -> Bool {
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds) else { return false }
        defer { rd_kafka_event_destroy(event) }
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_DR:
            while let message = rd_kafka_event_message_next(event) { deliver(message.pointee) }
        case RD_KAFKA_EVENT_ERROR:
            // Error ops come as events on this queue too, not through the error callback.
            let reason = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            handle.context.record(KafkaErrorCode(rd_kafka_event_error(event)), reason: reason)
        default:
            break
        }
        return true
    }

    private func deliver(_ message: rd_kafka_message_t) {
        guard let opaque = message._private else { return }
        let box = Unmanaged<DeliveryBox>.fromOpaque(opaque).takeRetainedValue()
        // Before the callback: whoever it wakes (an awaiting `send`) sees the message done.
        count(queued: false)
        guard message.err != RD_KAFKA_RESP_ERR_NO_ERROR else {
            box.callback(
                .success(KafkaDeliveryReport(topic: box.topic, partition: message.partition, offset: message.offset)))
            return
        }
        let code = KafkaErrorCode(message.err)
        let error = KafkaDeliveryError(
            topic: box.topic, partition: message.partition >= 0 ? message.partition : nil, code: code,
            bootstrapServers: handle.context.bootstrapServers, messageTimeout: messageTimeout,
            lastBrokerError: code == .purgedInFlight ? nil : handle.context.lastBrokerError)
        box.callback(.failure(error))
    }
}
