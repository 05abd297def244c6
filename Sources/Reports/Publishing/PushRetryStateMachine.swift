/// How many times a push is retried and how long it waits in between.
package struct PushRetryPolicy: Sendable, Equatable {
    /// Attempts after the first (0: no retry).
    package var retries: Int
    /// The wait before the first retry; each later wait doubles.
    package var initialBackoff: Double

    package init(retries: Int = 3, initialBackoff: Double = 0.5) {
        self.retries = max(0, retries)
        self.initialBackoff = max(0, initialBackoff)
    }

    /// The wait before retry number `retry` (1-based): 0.5 s, 1 s, 2 s, ... by default.
    package func backoff(beforeRetry retry: Int) -> Double {
        initialBackoff * Double(1 << min(max(0, retry - 1), 30))
    }
}

/// What one attempt of a push came to.
enum PushAttemptOutcome: Sendable, Equatable {
    enum FailureKind: Sendable, Equatable {
        /// No connection, or it broke: refused, unresolvable host, reset, TLS handshake failure.
        case connection
        /// The connect timeout or the total timeout ran out.
        case timeout
        /// Anything retrying cannot fix: a malformed URL, a certificate that fails verification.
        case other
    }

    /// The server answered with this HTTP status.
    case status(Int)
    /// No answer; `message` is libcurl's text.
    case failed(FailureKind, message: String)
}

/// The retry and backoff decisions of one push, as a pure state machine: feed it the outcome of
/// each attempt and carry out the action it returns. 2xx succeeds; connection errors, timeouts
/// and 5xx are retried with exponential backoff until the retries run out; anything else (4xx,
/// 3xx, a bad URL, a TLS verification failure) fails at once.
struct PushRetryStateMachine: Sendable {
    enum Action: Sendable, Equatable {
        /// Make attempt number `attempt` (1-based) now.
        case attempt(Int)
        /// Wait `seconds`, then make attempt number `attempt`.
        case waitThenAttempt(seconds: Double, attempt: Int)
        /// Done: the server accepted the push.
        case succeeded(status: Int, attempts: Int)
        /// Done: the push failed for good, because of the last outcome.
        case failed(PushAttemptOutcome, attempts: Int, retriable: Bool)
    }

    private enum State: Sendable {
        case idle
        case waitingForOutcome(attempt: Int)
        case done
    }

    let policy: PushRetryPolicy
    private var state = State.idle

    init(policy: PushRetryPolicy) { self.policy = policy }

    /// The first action; call once.
    mutating func start() -> Action {
        guard case .idle = state else { preconditionFailure("a push state machine starts once") }
        state = .waitingForOutcome(attempt: 1)
        return .attempt(1)
    }

    /// The action after an attempt ends with `outcome`.
    mutating func attemptEnded(_ outcome: PushAttemptOutcome) -> Action {
        guard case .waitingForOutcome(let attempt) = state else {
            preconditionFailure("an attempt ended while none was running")
        }
        if case .status(let status) = outcome, (200..<300).contains(status) {
            state = .done
            return .succeeded(status: status, attempts: attempt)
        }
        let retriable = Self.isRetriable(outcome)
        guard retriable, attempt <= policy.retries else {
            state = .done
            return .failed(outcome, attempts: attempt, retriable: retriable)
        }
        state = .waitingForOutcome(attempt: attempt + 1)
        return .waitThenAttempt(seconds: policy.backoff(beforeRetry: attempt), attempt: attempt + 1)
    }

    /// Connection errors, timeouts and 5xx answers may go away on their own.
    static func isRetriable(_ outcome: PushAttemptOutcome) -> Bool {
        switch outcome {
        case .status(let status): return (500..<600).contains(status)
        case .failed(let kind, _): return kind != .other
        }
    }
}
