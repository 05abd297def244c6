import NIOCore

/// One connection's side of the ingest throttle: whether its reads pass or wait for the token
/// bucket, and how long each wait lasted. Pure: the handler (`ReadThrottleHandler`) feeds it the
/// channel's read requests, its wake-up timer and its close, each with the time and the bucket's
/// answer (`TokenBucket.openAt`), and does what it returns.
package struct ReadThrottleStateMachine: Sendable, Equatable {
    package enum State: Sendable, Equatable {
        /// Reads pass.
        case reading
        /// A read waits since `since`; the wake-up is armed for `wake`.
        case held(since: NIODeadline, wake: NIODeadline)
        /// The connection is gone; nothing more happens.
        case closed
    }

    package enum Action: Sendable, Equatable {
        /// Pass the read on; `waited` is how long it was held, nil when it was not.
        case read(waited: TimeAmount?)
        /// Hold the read and (re-)arm the wake-up at `wake`; `startsHold` when this read begins a
        /// hold (a throttled read, to count).
        case hold(wake: NIODeadline, startsHold: Bool)
        /// Nothing to do: a read asked for again while one waits, or a stale wake-up.
        case none
    }

    package private(set) var state = State.reading

    package init() {}

    /// The channel asks to read at `now`; `openAt` is the bucket's answer (nil: open).
    package mutating func readRequested(now: NIODeadline, openAt: NIODeadline?) -> Action {
        switch state {
        case .reading:
            guard let openAt else { return .read(waited: nil) }
            state = .held(since: now, wake: openAt)
            return .hold(wake: openAt, startsHold: true)
        case .held, .closed:
            return .none
        }
    }

    /// The wake-up armed by the last `hold` fired at `now`.
    package mutating func wakeUp(now: NIODeadline, openAt: NIODeadline?) -> Action {
        guard case .held(let since, _) = state else { return .none }
        guard let openAt else {
            state = .reading
            return .read(waited: now - since)
        }
        // Others read first and the debt grew again: wait on.
        state = .held(since: since, wake: openAt)
        return .hold(wake: openAt, startsHold: false)
    }

    /// The connection closed at `now`: how long the read it held waited, if one did.
    package mutating func closed(now: NIODeadline) -> TimeAmount? {
        defer { state = .closed }
        guard case .held(let since, _) = state else { return nil }
        return now - since
    }
}
