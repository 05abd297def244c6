import NIOCore

/// A token bucket of events: the collector's known-answer limit (`max_events_per_second`).
///
/// It fills at `ratePerSecond` up to `capacity` tokens and starts full. Every event the collector
/// reads takes a token; a read cannot be cut in parts once it is read, so the bucket may go into
/// debt. While it is in debt the collector reads nothing more (backpressure, as Raccoon's readers
/// block on a full publish buffer); it is open again once the debt is paid back. Over any long
/// stretch the collector therefore takes at most `ratePerSecond` events a second, plus the one
/// burst of `capacity` it starts with.
///
/// Pure: time comes in as `NIODeadline`s on whatever clock the caller runs (NIO's, or a
/// virtual one), so it is tested without I/O or sleeps.
package struct TokenBucket: Sendable, Equatable {
    /// Events a second the bucket refills with.
    package let ratePerSecond: Double
    /// The most tokens it holds: what a quiet collector takes at once.
    package let capacity: Double
    /// Negative while in debt.
    package private(set) var tokens: Double
    /// When `tokens` was last brought up to date; nil until the first use (so the bucket starts
    /// on the clock of whoever uses it first).
    package private(set) var updatedAt: NIODeadline?

    /// The burst a bucket holds unless told otherwise: a tenth of a second of its rate, at least
    /// one event.
    package static func defaultCapacity(ratePerSecond: Double) -> Double { max(1, ratePerSecond / 10) }

    package init(ratePerSecond: Double, capacity: Double? = nil) {
        precondition(ratePerSecond > 0 && ratePerSecond.isFinite, "a token bucket needs a positive rate")
        self.ratePerSecond = ratePerSecond
        self.capacity = capacity ?? Self.defaultCapacity(ratePerSecond: ratePerSecond)
        tokens = self.capacity
    }

    /// Takes `events` tokens at `now` (after refilling); the bucket may go into debt.
    package mutating func take(_ events: UInt64, now: NIODeadline) {
        refill(now: now)
        guard events > 0 else { return }
        tokens -= Double(events)
    }

    /// Nil when the collector may read at `now`; else the deadline at which the debt is paid back.
    package mutating func openAt(now: NIODeadline) -> NIODeadline? {
        refill(now: now)
        // A debt of a millionth of an event is the rounding of refills summed over many small
        // steps, not a debt: without this, a bucket paid back exactly stays closed a nanosecond more.
        guard tokens < -1e-6 else { return nil }
        let nanoseconds = (-tokens / ratePerSecond * 1e9).rounded(.up)
        return now + .nanoseconds(Int64(min(nanoseconds, Double(Int64.max / 2))))
    }

    /// Takes `events` and says whether reading may go on: `take` then `openAt`.
    package mutating func admit(taking events: UInt64, now: NIODeadline) -> NIODeadline? {
        take(events, now: now)
        return openAt(now: now)
    }

    private mutating func refill(now: NIODeadline) {
        defer { updatedAt = max(updatedAt ?? now, now) }
        guard let updatedAt, now > updatedAt else { return }
        let seconds = Double((now - updatedAt).nanoseconds) / 1e9
        tokens = min(capacity, tokens + seconds * ratePerSecond)
    }
}
