import ClickstreamSDK
import Foundation
import SwarmPrimitives

/// What surrounds one phone's app: its battery, its network's drops and offline windows, and
/// where the app is in its life (waiting to join, in front, in the background, gone). A pure value:
/// no event loop and no timers. The device asks `nextWakeup(now:)` for the time of the next change,
/// arms one timer for it and calls `advance(to:)` then, which says what changed.
///
/// Times are seconds since the run started. The random streams (battery, network, lifecycle) are
/// the profile's, and every draw happens in the same order as the device has always made it, so a
/// seed gives the same phone.
struct DeviceEnvironment {
    enum Phase: Sendable, Equatable {
        /// Not in the run yet.
        case waiting
        /// In a session: the app is in front.
        case foreground
        /// Between two sessions: the app is in the background (or killed).
        case background
        /// Out of the run: left (closed model) or its session ended (open model).
        case left
        /// The run is over.
        case finished
    }

    /// What `advance(to:)` found, in the order the device acts on it.
    enum Change: Sendable, Equatable {
        /// The SDK's view of the battery went below its minimum (and not charging).
        case batteryLowEntered
        case batteryLowLeft
        case pluggedIn
        case unplugged
        /// The network drops the open connection now (if there is one).
        case linkDropDue
        /// iOS: the battery's whole-percent level changed (a battery notification, on which the
        /// SDK recomputes "low").
        case batteryLevelChanged
        /// An offline window starts; it ends at `until`.
        case offline(until: Double)
        case online

        /// True when the SDK must be told the new conditions (a link drop it sees by itself).
        var changesConditions: Bool { self != .linkDropDue }
    }

    /// How long the app stays in the background after a session, and whether it is killed there.
    struct BackgroundStay: Sendable, Equatable {
        /// Until the next session (closed model).
        var gap: Double
        /// When the app is killed, after the session's end; nil: it is not.
        var killAfter: Double?
    }

    private(set) var phase = Phase.waiting
    /// What the SDK is told. Battery and network follow the wake-ups (`advance(to:)`), the
    /// foreground follows the session.
    private(set) var conditions: DeviceConditions
    /// The battery as of its last update; `batteryReading(at:)` brings it up to a time.
    private(set) var battery: BatteryModel
    private var batteryUpdatedAt = 0.0
    /// Joined the run: the battery counts and the network changes from then on.
    private(set) var isRunning = false
    private var nextDrop = Double.infinity
    private var offlineStart = Double.infinity
    private var offlineEnd = Double.infinity
    /// The whole-percent level last notified (iOS), rounded up: it changes as the level crosses
    /// a whole number.
    private var notifiedPercent = Double.nan

    private let spec: Spec
    private var networkRandom: SeededRandom
    private var lifecycleRandom: SeededRandom

    /// The fixed parts, shared by value.
    private struct Spec {
        var battery: Scenario.Battery
        var initialBattery: Double
        var chargingInitially: Bool
        /// The profile's battery stream from its start: the battery is built from it when the
        /// phone joins.
        var batteryRandom: SeededRandom
        var network: Scenario.NetworkProfile
        var minimumBattery: Double
        /// iOS hears every whole-percent change of the level (`SDKConfiguration.hearsBatteryNotifications`).
        var notifiesLevel: Bool
        var lifecycle: Scenario.Lifecycle
        var openModel: Bool
        /// No wake-up at or after this time (the end of the drain).
        var horizon: Double
    }

    /// The phone `profile` in `scenario`; `openModel`: sessions arrive (the arrival plan is open)
    /// instead of the phone joining and leaving.
    init(profile: DeviceProfile, scenario: Scenario, openModel: Bool) {
        spec = Spec(
            battery: scenario.battery, initialBattery: profile.initialBattery,
            chargingInitially: profile.chargingInitially, batteryRandom: profile.random(.battery),
            network: profile.network, minimumBattery: profile.configuration.minBatteryLevel,
            notifiesLevel: profile.configuration.hearsBatteryNotifications,
            lifecycle: scenario.lifecycle, openModel: openModel, horizon: scenario.duration + scenario.drain)
        conditions = DeviceConditions(
            batteryLevel: profile.initialBattery, charging: profile.chargingInitially, networkReachable: true,
            network: profile.network.kind, foreground: false)
        battery = BatteryModel(
            spec: scenario.battery, level: profile.initialBattery, charging: profile.chargingInitially, now: 0,
            random: profile.random(.battery))
        networkRandom = profile.random(.network)
        lifecycleRandom = profile.random(.lifecycle)
    }

    /// In the run: in a session or between two.
    var isOnline: Bool { phase == .foreground || phase == .background }

    // MARK: Lifecycle

    /// The phone joins the run (or its first open-model session lands): the battery starts
    /// counting now and the network draws its first drop and offline window. Only the first call
    /// does anything.
    mutating func start(at time: Double) {
        guard !isRunning else { return }
        isRunning = true
        battery = BatteryModel(
            spec: spec.battery, level: spec.initialBattery, charging: spec.chargingInitially, now: time,
            random: spec.batteryRandom)
        batteryUpdatedAt = time
        notifiedPercent = battery.level.rounded(.up)
        if spec.network.dropsPerMinute > 0 {
            nextDrop = time + Self.exponentialGap(perMinute: spec.network.dropsPerMinute, &networkRandom)
        }
        if let every = spec.network.offlineEvery {
            offlineStart = time + every.sample(using: &networkRandom)
        }
    }

    /// A session starts: the battery is brought up to `time` at the old rate, then drains at
    /// the foreground rate.
    mutating func enterForeground(at time: Double) {
        updateBattery(to: time)
        phase = .foreground
        conditions.foreground = true
    }

    /// The app goes to the background (a session's end, or the phone leaving the run).
    mutating func enterBackground(at time: Double) {
        updateBattery(to: time)
        phase = .background
        conditions.foreground = false
    }

    /// Out of the run: the phone left, or its open-model session ended. Its battery and network
    /// go on changing (it may come back).
    mutating func leave() { phase = .left }

    /// The run is over: no more wake-ups.
    mutating func finish() { phase = .finished }

    /// How long the session starting now lasts; nil: the app stays in front all run. An
    /// open-model session always ends (after a minute on average unless the scenario says).
    mutating func drawSessionLength() -> Double? {
        spec.openModel
            ? (spec.lifecycle.session ?? .exponential(mean: 60)).sample(using: &lifecycleRandom)
            : spec.lifecycle.session?.sample(using: &lifecycleRandom)
    }

    /// The background stay after the session that just ended: its length, then whether the app
    /// is killed (`kill_in_background`) and when within the stay.
    mutating func drawBackgroundStay() -> BackgroundStay {
        let gap = spec.lifecycle.background.sample(using: &lifecycleRandom)
        guard lifecycleRandom.nextUnit() < spec.lifecycle.killInBackground else {
            return BackgroundStay(gap: gap, killAfter: nil)
        }
        return BackgroundStay(gap: gap, killAfter: gap * lifecycleRandom.nextUnit())
    }

    // MARK: Battery and network

    /// The battery brought up to `time`, for an event's context. A switch of charging it passes
    /// is not a change: the wake-up due at it reads the switched state without reporting it (as
    /// the device always has).
    mutating func batteryReading(at time: Double) -> BatteryModel {
        updateBattery(to: time)
        return battery
    }

    /// The time of the next change: the battery crossing the SDK's minimum (computed, not polled:
    /// the level is linear between changes), plugging in or out, a network drop, an offline
    /// window's start or end. Never `now` itself (a wake-up that changes nothing must not run
    /// again at the same instant, which could spin the loop without time passing); nil when
    /// nothing changes before the drain ends, before the phone joins and after the run.
    func nextWakeup(now: Double) -> Double? {
        guard isRunning, phase != .finished else { return nil }
        let foreground = phase == .foreground
        let crossing = battery.crossing(of: spec.minimumBattery, after: batteryUpdatedAt, foreground: foreground)
        // iOS: the next whole number the level crosses, down while draining, up while charging.
        let percent =
            spec.notifiesLevel
            ? battery.crossing(
                of: battery.charging ? battery.level.rounded(.down) + 1 : battery.level.rounded(.up) - 1,
                after: batteryUpdatedAt, foreground: foreground)
            : .infinity
        let next = min(crossing, percent, nextDrop, offlineStart, offlineEnd, battery.nextChange)
        guard next.isFinite, next < spec.horizon else { return nil }
        return max(next, now + 0.001)
    }

    /// Moves battery and network to `time` and says what changed, in this order: the battery's
    /// low state, its charging, a link drop, the network going offline or back online. Draws the
    /// next drop and the next window as the due ones pass.
    mutating func advance(to time: Double) -> [Change] {
        var changes: [Change] = []
        let wasLow = conditions.batteryLow(minimum: spec.minimumBattery)
        let switched = battery.advance(from: batteryUpdatedAt, to: time, foreground: phase == .foreground)
        batteryUpdatedAt = time
        conditions.batteryLevel = battery.level
        conditions.charging = battery.charging
        let isLow = conditions.batteryLow(minimum: spec.minimumBattery)
        if isLow != wasLow { changes.append(isLow ? .batteryLowEntered : .batteryLowLeft) }
        if switched { changes.append(battery.charging ? .pluggedIn : .unplugged) }
        if spec.notifiesLevel {
            let percent = battery.level.rounded(.up)
            if !notifiedPercent.isNaN, percent != notifiedPercent { changes.append(.batteryLevelChanged) }
            notifiedPercent = percent
        }
        if time >= nextDrop {
            nextDrop = time + Self.exponentialGap(perMinute: spec.network.dropsPerMinute, &networkRandom)
            changes.append(.linkDropDue)
        }
        if time >= offlineStart {
            offlineStart = .infinity
            offlineEnd = time + (spec.network.offlineFor?.sample(using: &networkRandom) ?? 0)
            conditions.networkReachable = false
            changes.append(.offline(until: offlineEnd))
        } else if time >= offlineEnd {
            offlineEnd = .infinity
            offlineStart = time + (spec.network.offlineEvery?.sample(using: &networkRandom) ?? .infinity)
            conditions.networkReachable = true
            changes.append(.online)
        }
        return changes
    }

    private mutating func updateBattery(to time: Double) {
        battery.advance(from: batteryUpdatedAt, to: time, foreground: phase == .foreground)
        batteryUpdatedAt = time
    }

    /// The time to the next drop: a chance p per minute is a Poisson rate of -ln(1 - p) per
    /// minute; a certain drop comes every second.
    static func exponentialGap(perMinute probability: Double, _ random: inout SeededRandom) -> Double {
        guard probability < 1 else { return 1 }
        let rate = -Foundation.log(1 - probability) / 60
        return Distribution.exponential(mean: 1 / rate).sample(using: &random)
    }
}
