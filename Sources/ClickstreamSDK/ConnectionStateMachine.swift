import NIOCore

/// When the SDK opens, keeps and closes its socket, as a pure state machine following its
/// flavor's `ConnectionPolicy`: the owner feeds it what happened and the time, and carries out
/// the actions it returns (DESIGN principle 3). It never sees a socket or a clock; its one timer
/// is `nextWakeup`, which the owner arms and reports through `timerFired`.
///
/// - Android (`ConnectionPolicy.Dialing.debouncedLifecycle`, Scarlet 0.1.10): the app lifecycle
///   passes a 10 s true debounce, so a session shorter than that never connects and a background
///   shorter than that never closes; connectivity is not debounced and a lost network aborts the
///   socket. Failed connects back off 1, 2, 4 ... 60 s with no jitter; a drop waits 1 s.
/// - iOS (`.keepalive`): connects at once when no connection object exists; a keepalive tick
///   (3 s × the network factor) redials, abandoning a connect still pending; resign-active
///   suspends the keepalive and starts the 8 s close countdown.
public struct ConnectionStateMachine: Sendable {
    public enum State: Equatable, Sendable {
        /// No socket. `retryAt` is Android's `WaitingToRetry` and `retries` its backoff exponent;
        /// `lingering` is iOS's connection object outliving a terminate or a failed connect,
        /// which makes `establishConnection` a no-op until the keepalive flushes it.
        case disconnected(retryAt: NIODeadline?, retries: Int, lingering: Bool)
        case connecting(since: NIODeadline, retries: Int)
        /// `stale`: iOS after a drop without a close frame, until a write fails.
        case connected(since: NIODeadline, stale: Bool)

        static let idle = State.disconnected(retryAt: nil, retries: 0, lingering: false)
    }

    public enum Action: Equatable, Sendable {
        case connect(ConnectOptions)
        /// A close handshake: `code` and `reason` go on the wire, `label` tells the observer why.
        case close(code: Int, reason: String, label: String)
        /// A drop without a close frame.
        case abort(label: String)
    }

    /// Android: the app lifecycle state waiting out its debounce.
    struct PendingLifecycle: Equatable, Sendable {
        var foreground: Bool
        var at: NIODeadline
    }

    /// iOS: the keepalive `RepeatingTimer`, phased from its creation at init. It is armed only
    /// while a tick would act (reachable, not connected, battery not low, not suspended): a tick
    /// that does nothing is not run.
    struct Keepalive: Equatable, Sendable {
        var anchor: NIODeadline
        var period: TimeAmount
        var suspendedSince: NIODeadline?
        var armedAt: NIODeadline?

        /// The first phase point strictly after `time`.
        func phase(after time: NIODeadline) -> NIODeadline {
            let elapsed = max(0, (time - anchor).nanoseconds)
            return anchor + .nanoseconds((elapsed / period.nanoseconds + 1) * period.nanoseconds)
        }
    }

    public let policy: ConnectionPolicy
    public internal(set) var state = State.idle
    public internal(set) var conditions: DeviceConditions
    var battery: BatteryWatch
    /// Android: the lifecycle after its debounce; `nil` until the first state passed it.
    var debounced: Bool?
    var pending: PendingLifecycle?
    var keepalive: Keepalive?
    /// iOS: the countdown to the close after resign-active.
    var closeAt: NIODeadline?
    var started = false
    var killed = false

    public init(configuration: SDKConfiguration, conditions: DeviceConditions) {
        policy = configuration.connection
        self.conditions = conditions
        battery = BatteryWatch(
            rule: configuration.delivery.battery, minimum: configuration.minBatteryLevel, conditions: conditions)
    }

    /// True while a socket is open (iOS: also a dropped one not yet noticed).
    public var isConnected: Bool {
        if case .connected = state { return true }
        return false
    }

    /// The next time `timerFired` has something to do.
    public var nextWakeup: NIODeadline? {
        guard !killed else { return nil }
        var retryAt: NIODeadline?
        if case .disconnected(let at, _, _) = state { retryAt = at }
        return [pending?.at, retryAt, closeAt, keepalive?.armedAt].compactMap { $0 }.min()
    }

    var options: ConnectOptions { ConnectOptions(connectTimeout: policy.connectTimeout, ping: policy.ping) }

    /// The SDK starts (the app is launched).
    public mutating func start(now: NIODeadline) -> [Action] {
        guard !started, !killed else { return [] }
        started = true
        switch policy.dialing {
        case .debouncedLifecycle(let debounce, _, _, _, _):
            if conditions.foreground { pending = PendingLifecycle(foreground: true, at: now + debounce) }
            return applyLifecycle(now: now)
        case .keepalive(let interval, _, _):
            // The factor is read once, when the keepalive is made (`KeepAliveService.swift:37,64-65`).
            let period = TimeAmount.nanoseconds(
                Int64(Double(interval.nanoseconds) * conditions.network.keepaliveFactor))
            keepalive = Keepalive(anchor: now, period: period)
            let actions = establish(now: now)
            if !conditions.foreground { resignActive(now: now) }
            rearmKeepalive(now: now)
            return actions
        }
    }

    public mutating func conditionsChanged(_ new: DeviceConditions, now: NIODeadline) -> [Action] {
        guard started, !killed else {
            conditions = new
            _ = battery.update(new)
            return []
        }
        let old = conditions
        conditions = new
        let lowChanged = battery.update(new)
        switch policy.dialing {
        case .debouncedLifecycle(let debounce, _, _, _, _):
            if old.foreground != new.foreground {
                // `throttleWithTimeout`: each change restarts the wait.
                pending = PendingLifecycle(foreground: new.foreground, at: now + debounce)
            }
            return old.networkReachable != new.networkReachable ? applyLifecycle(now: now) : []
        case .keepalive:
            return keepaliveConditionsChanged(old: old, lowChanged: lowChanged, now: now)
        }
    }

    public mutating func timerFired(now: NIODeadline) -> [Action] {
        guard !killed else { return [] }
        switch policy.dialing {
        case .debouncedLifecycle: return lifecycleTimerFired(now: now)
        case .keepalive: return keepaliveTimerFired(now: now)
        }
    }

    public mutating func connected(now: NIODeadline) -> [Action] {
        guard case .connecting = state else { return [] }
        state = .connected(since: now, stale: false)
        switch policy.dialing {
        case .debouncedLifecycle: return applyLifecycle(now: now)
        case .keepalive:
            rearmKeepalive(now: now)
            return []
        }
    }

    public mutating func connectFailed(now: NIODeadline) -> [Action] {
        guard case .connecting(_, let retries) = state else { return [] }
        switch policy.dialing {
        case .debouncedLifecycle:
            state = .disconnected(retryAt: now + backoff(retries), retries: retries, lingering: false)
            return applyLifecycle(now: now)
        case .keepalive:
            state = .disconnected(retryAt: nil, retries: 0, lingering: true)
            rearmKeepalive(now: now)
            return []
        }
    }

    /// The peer ended the socket: with a close frame (`code`) or without (`nil`).
    public mutating func closedByPeer(code: Int?, now: NIODeadline) -> [Action] {
        guard case .connected = state else { return [] }
        switch policy.dialing {
        case .debouncedLifecycle:
            // Scarlet: `Connected` + terminate waits `backoff(0)`, then `Connecting(1)`.
            state = .disconnected(retryAt: now + backoff(0), retries: 0, lingering: false)
            return applyLifecycle(now: now)
        case .keepalive:
            if code == nil, policy.drop == .connectedUntilWriteFails {
                state = .connected(since: now, stale: true)
            } else {
                // `.disconnected` then `.cancelled`: `flushConnectable()` (`:333-335`).
                state = .idle
            }
            rearmKeepalive(now: now)
            return []
        }
    }

    /// The app is killed: the OS drops the socket without a close frame.
    public mutating func kill() -> [Action] {
        guard !killed else { return [] }
        killed = true
        let open: Bool
        switch state {
        case .connected, .connecting: open = true
        case .disconnected: open = false
        }
        state = .idle
        return open ? [.abort(label: "app_killed")] : []
    }

    func backoff(_ retries: Int) -> TimeAmount {
        guard case .debouncedLifecycle(_, let initial, let maximum, _, _) = policy.dialing else { return .zero }
        let shift = min(max(retries, 0), 30)
        return .nanoseconds(min(maximum.nanoseconds, initial.nanoseconds << shift))
    }
}
