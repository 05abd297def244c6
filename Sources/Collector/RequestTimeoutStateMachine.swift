import NIOCore

/// Read timeouts of one HTTP connection, as a pure state machine: a request head must arrive
/// within `headTimeout` of the connection's start (or of the previous answer), and its body
/// within `bodyTimeout` of the head. While the collector itself is answering, no clock runs.
package struct RequestTimeoutStateMachine: Sendable {
    package enum Phase: Equatable, Sendable {
        case awaitingHead(deadline: NIODeadline)
        case readingBody(deadline: NIODeadline)
        /// The request is complete and the collector has not answered yet.
        case answering
        /// Closed, timed out or upgraded to WebSocket: nothing more to time.
        case done
    }

    package enum Expiry: Equatable, Sendable {
        /// Close without an answer: no request is in flight to answer.
        case head
        /// Answer 408 and close.
        case body
    }

    package let headTimeout: TimeAmount
    package let bodyTimeout: TimeAmount
    package private(set) var phase: Phase

    package init(now: NIODeadline, headTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        phase = .awaitingHead(deadline: now + headTimeout)
    }

    /// When the handler should call `timerFired`; `nil` when no clock runs.
    package var deadline: NIODeadline? {
        switch phase {
        case .awaitingHead(let deadline), .readingBody(let deadline): return deadline
        case .answering, .done: return nil
        }
    }

    package mutating func headReceived(now: NIODeadline) {
        guard case .awaitingHead = phase else { return }
        phase = .readingBody(deadline: now + bodyTimeout)
    }

    package mutating func requestEnded() {
        guard case .readingBody = phase else { return }
        phase = .answering
    }

    /// The answer went out; a kept-alive connection waits for its next head.
    package mutating func answered(now: NIODeadline, keepAlive: Bool) {
        guard phase != .done else { return }
        phase = keepAlive ? .awaitingHead(deadline: now + headTimeout) : .done
    }

    package mutating func stop() { phase = .done }

    package mutating func timerFired(now: NIODeadline) -> Expiry? {
        switch phase {
        case .awaitingHead(let deadline) where now >= deadline:
            phase = .done
            return .head
        case .readingBody(let deadline) where now >= deadline:
            phase = .done
            return .body
        default:
            return nil
        }
    }
}
