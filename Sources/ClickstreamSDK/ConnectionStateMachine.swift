import NIOCore

/// When the SDK opens, keeps and closes its socket, per flavor, as a pure state machine: the SDK
/// feeds it what happened and the time, and carries out the actions it returns (DESIGN
/// principle 3). It never sees a socket or a clock.
///
/// - Android keeps the socket while the app is in front; it does not close it for a low battery
///   (batches are skipped instead) and does not dial without a network. A failed or dropped
///   connection is retried after 1 s, 2 s, 4 s, ... up to 60 s; success resets the backoff.
/// - iOS keeps the socket only while the network is reachable and the battery is not low,
///   closing it otherwise; a keepalive tick every 3 s times the network factor reconnects a
///   socket that is down. `CODE_MAX_CONNECTION_LIMIT_REACHED` forces a reconnect.
/// - Both close the socket a while after the app goes to the background (iOS 8 s, Android 10 s
///   "App is paused") unless it comes back first.
public struct ConnectionStateMachine: Sendable {
    public enum State: Equatable, Sendable {
        case disconnected
        case connecting
        case connected
    }

    public enum Action: Equatable, Sendable {
        case connect
        case close(code: Int, reason: String)
    }

    public let configuration: SDKConfiguration
    public private(set) var state = State.disconnected
    public private(set) var conditions: DeviceConditions
    /// Consecutive failed or dropped connections since the last success (the backoff exponent).
    public private(set) var failures = 0
    private var retryAt: NIODeadline?
    private var nextTick: NIODeadline?
    private var backgroundCloseAt: NIODeadline?

    public init(configuration: SDKConfiguration, conditions: DeviceConditions) {
        self.configuration = configuration
        self.conditions = conditions
    }

    /// Whether this flavor wants a socket under the current conditions.
    public var wantsConnection: Bool {
        guard conditions.networkReachable else { return false }
        switch configuration.flavor {
        case .android:
            return conditions.foreground || backgroundCloseAt != nil
        case .ios:
            return (conditions.foreground || backgroundCloseAt != nil)
                && !conditions.batteryLow(minimum: configuration.minBatteryLevel)
        }
    }

    /// The next time `timerFired` has something to do.
    public var nextWakeup: NIODeadline? {
        [retryAt, nextTick, backgroundCloseAt].compactMap { $0 }.min()
    }

    /// The SDK starts (or the app is launched): connect at once when wanted.
    public mutating func start(now: NIODeadline) -> [Action] {
        scheduleTick(now: now)
        return connectIfWanted()
    }

    public mutating func conditionsChanged(_ new: DeviceConditions, now: NIODeadline) -> [Action] {
        let old = conditions
        conditions = new
        var actions: [Action] = []
        if old.foreground, !new.foreground {
            backgroundCloseAt = now + configuration.closeAfterBackground
        } else if !old.foreground, new.foreground {
            backgroundCloseAt = nil
        }
        if wantsConnection {
            if !old.foreground, new.foreground { scheduleTick(now: now) }
            if state == .disconnected, retryAt == nil || configuration.flavor == .ios || !old.networkReachable {
                retryAt = nil
                actions += connectIfWanted()
            }
        } else if configuration.flavor == .ios, state != .disconnected,
            !new.networkReachable || new.batteryLow(minimum: configuration.minBatteryLevel)
        {
            state = .disconnected
            actions.append(.close(code: 1000, reason: new.networkReachable ? "low_battery" : "network_unavailable"))
        }
        if !new.foreground, backgroundCloseAt == nil { nextTick = nil }
        return actions
    }

    public mutating func connected(now: NIODeadline) -> [Action] {
        guard state == .connecting else { return [] }
        state = .connected
        failures = 0
        retryAt = nil
        return []
    }

    public mutating func connectFailed(now: NIODeadline) -> [Action] {
        guard state == .connecting else { return [] }
        state = .disconnected
        return lost(now: now)
    }

    /// The connection ended without the SDK asking (a drop, a close frame from the server).
    public mutating func closedByPeer(now: NIODeadline) -> [Action] {
        guard state != .disconnected else { return [] }
        state = .disconnected
        return lost(now: now)
    }

    /// iOS: `CODE_MAX_CONNECTION_LIMIT_REACHED` forces a reconnect.
    public mutating func maxConnectionsAnswer(now: NIODeadline) -> [Action] {
        guard configuration.flavor == .ios, state == .connected else { return [] }
        state = .connecting
        return [.close(code: 1000, reason: "max_connection_limit_reached"), .connect]
    }

    public mutating func timerFired(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if let closeAt = backgroundCloseAt, now >= closeAt {
            backgroundCloseAt = nil
            nextTick = nil
            retryAt = nil
            if state != .disconnected {
                state = .disconnected
                actions.append(.close(code: 1000, reason: "App is paused"))
            }
        }
        if let retry = retryAt, now >= retry {
            retryAt = nil
            actions += connectIfWanted()
        }
        if let tick = nextTick, now >= tick {
            scheduleTick(now: now)
            actions += connectIfWanted()
        }
        return actions
    }

    private mutating func lost(now: NIODeadline) -> [Action] {
        failures += 1
        switch configuration.reconnect {
        case .backoff(let initial, let maximum):
            let shift = min(failures - 1, 30)
            let delay = min(maximum.nanoseconds, initial.nanoseconds << shift)
            retryAt = now + .nanoseconds(delay)
        case .keepaliveTick:
            break
        }
        return []
    }

    private mutating func connectIfWanted() -> [Action] {
        guard state == .disconnected, wantsConnection, retryAt == nil else { return [] }
        state = .connecting
        return [.connect]
    }

    private mutating func scheduleTick(now: NIODeadline) {
        guard case .keepaliveTick(let interval) = configuration.reconnect else { return }
        let scaled = Double(interval.nanoseconds) * conditions.network.keepaliveFactor
        nextTick = now + .nanoseconds(Int64(scaled))
    }
}
