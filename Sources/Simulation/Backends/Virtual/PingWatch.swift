import ClickstreamSDK

/// When a pinging client's pong comes too late on the in-memory link, computed from the link's
/// queues and the collector's stall instead of sending a ping every interval (a day of 1 s pings
/// for thousands of phones would cost more than their events).
///
/// Pings go at `openedAt + k × interval` (k ≥ 1, OkHttp's schedule); a ping fails the socket when
/// its pong has not come `pongDeadline` after it. A ping and its pong are a few bytes and take the
/// base latency each way, no jitter (which keeps the data's jitter streams as they are), behind
/// whatever queues on the lane before them; the collector answers at once unless it is stalled.
/// Each event that can delay a pong gives at most one check: the earliest ping it delays.
struct PingWatch: Sendable {
    enum Event: Sendable {
        case opened
        /// Data was queued up the link at `since`; the sender is busy until `freeAt`.
        case upQueue(since: Double, freeAt: Double)
        /// An answer was queued down the link at `since`; busy until `freeAt`.
        case downQueue(since: Double, freeAt: Double)
        /// The collector stopped reading this socket (it held a message during a stall).
        case stallStarted(at: Double)
    }

    struct Check: Sendable {
        enum Kind: Sendable {
            /// The pong is late whatever happens: fail then.
            case fail
            /// Late only if the stall still holds at the check: fail at `failAt`.
            case failIfStillStalled(failAt: Double)
        }

        var at: Double
        var kind: Kind
        /// Which ping is late (the first is 1).
        var ping: Int
    }

    let policy: PingPolicy
    let openedAt: Double
    let interval: Double
    let deadline: Double

    init(policy: PingPolicy, openedAt: Double) {
        self.policy = policy
        self.openedAt = openedAt
        interval = Double(policy.interval.nanoseconds) / 1e9
        deadline = Double(policy.pongDeadline.nanoseconds) / 1e9
    }

    /// The first ping at or after `time`.
    func ping(atOrAfter time: Double) -> (index: Int, at: Double) {
        let index = max(1, Int(((time - openedAt) / interval).rounded(.up)))
        return (index, openedAt + Double(index) * interval)
    }

    func check(_ event: Event, latency: Double) -> Check? {
        switch event {
        case .opened:
            // A round trip longer than the deadline fails the very first ping.
            guard 2 * latency >= deadline else { return nil }
            return Check(at: openedAt + interval + deadline, kind: .fail, ping: 1)
        case .upQueue(let since, let freeAt):
            let (index, time) = ping(atOrAfter: since)
            guard time < freeAt, freeAt + 2 * latency > time + deadline else { return nil }
            return Check(at: time + deadline, kind: .fail, ping: index)
        case .downQueue(let since, let freeAt):
            let (index, time) = ping(atOrAfter: since - latency)
            guard time + latency < freeAt, freeAt + latency > time + deadline else { return nil }
            return Check(at: time + deadline, kind: .fail, ping: index)
        case .stallStarted(let start):
            // The first ping to reach the stalled collector; its pong can come back in time
            // only if the stall ends a latency before the deadline.
            let (index, time) = ping(atOrAfter: start - latency)
            let failAt = time + deadline
            return Check(
                at: max(start, failAt - latency), kind: .failIfStillStalled(failAt: failAt), ping: index)
        }
    }
}
