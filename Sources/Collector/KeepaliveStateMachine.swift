import NIOCore

/// Raccoon's WebSocket keepalive as a pure state machine: the server pings every `pingInterval`;
/// the read deadline starts at `pongTimeout` after the connection opens and only a pong pushes
/// it further. The handler asks for the next wakeup, and at that time for the actions to take.
package struct KeepaliveStateMachine: Sendable {
    package enum Action: Equatable, Sendable {
        case sendPing
        case closeForMissedPong
    }

    package let pingInterval: TimeAmount
    package let pongTimeout: TimeAmount
    package private(set) var nextPing: NIODeadline
    package private(set) var readDeadline: NIODeadline
    package private(set) var closed = false

    package init(now: NIODeadline, pingInterval: TimeAmount, pongTimeout: TimeAmount) {
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
        nextPing = now + pingInterval
        readDeadline = now + pongTimeout
    }

    /// When the handler should call `timerFired` next; `nil` once it has closed.
    package var nextWakeup: NIODeadline? { closed ? nil : min(nextPing, readDeadline) }

    package mutating func timerFired(now: NIODeadline) -> Action? {
        guard !closed else { return nil }
        if now >= readDeadline {
            closed = true
            return .closeForMissedPong
        }
        guard now >= nextPing else { return nil }
        // One ping per tick, however late the tick ran.
        while nextPing <= now { nextPing = nextPing + pingInterval }
        return .sendPing
    }

    package mutating func pongReceived(now: NIODeadline) {
        guard !closed else { return }
        readDeadline = now + pongTimeout
    }
}
