import ClickstreamSDK
import Collector
import Foundation
import NIOCore
import RaccoonWire
import Reports
import SwarmPrimitives

/// One simulated phone: its app walks the scenario's journeys and tracks events into a complete
/// `ClickstreamSDK` instance, while its battery, network and lifecycle change with time.
///
/// It lives on one event loop (DESIGN principle 1): every method runs there. Its
/// `DeviceObserver` records what the SDK reports into the loop's recorder shard.
final class SimulatedDevice {
    let profile: DeviceProfile
    private let context: RunContext
    private let loop: any EventLoop
    private let recorder: RecorderShard
    private let group: Int
    private let link: any DeviceConnection
    /// The phone's database: it outlives the app (a kill keeps it).
    let store: EventStore
    private(set) var sdk: ClickstreamSDK?
    private var conditions: DeviceConditions
    private var battery: BatteryModel
    private var batteryUpdatedAt = 0.0
    private var remoteConfig: RemoteConfig
    /// The next event guid's sequence; it survives app kills (guids stay unique per device).
    private var sequence: UInt64 = 0
    private var launches: UInt64 = 0

    private enum Phase { case waiting, foreground, background, left, finished }
    private var phase = Phase.waiting
    /// Bumped to invalidate the app's and the lifecycle's pending timers (cheaper than cancelling).
    private var appGeneration: UInt64 = 0
    private var lifeGeneration: UInt64 = 0
    private var killed = false

    private var journeyRandom: SeededRandom
    private var lifecycleRandom: SeededRandom
    private var networkRandom: SeededRandom
    private var eventContext = EventContext()
    private var sessionNumber: UInt32 = 0

    private var environmentRunning = false
    /// Bumped whenever the environment's next wakeup is recomputed; older wakeups do nothing.
    private var environmentGeneration: UInt64 = 0
    private var nextDrop = Double.infinity
    private var offlineStart = Double.infinity
    private var offlineEnd = Double.infinity

    private let observer: DeviceObserver
    private let log: DeviceLog

    /// Ack bitmap for the delivery check against the embedded collector.
    var ackedSequences: SequenceBitmap { observer.ackedSequences }

    /// Set for the device a replay (or a traced run) follows.
    var trace: TimelineRecorder? {
        get { log.trace }
        set { log.trace = newValue }
    }

    private var batteryDetails: [String: String] { battery.timelineDetails }

    init(
        profile: DeviceProfile, context: RunContext, loop: any EventLoop, recorder: RecorderShard,
        connection: any DeviceConnection
    ) {
        self.profile = profile
        self.context = context
        self.loop = loop
        self.recorder = recorder
        log = DeviceLog { [context, loop] in context.seconds(loop.now) }
        group = recorder.groupIndex(flavor: profile.flavor.rawValue, network: profile.networkName)
        link = connection
        store = EventStore(
            capacityEvents: profile.configuration.storeCapacityEvents,
            capacityBytes: profile.configuration.storeCapacityBytes)
        conditions = DeviceConditions(
            batteryLevel: profile.initialBattery, charging: profile.chargingInitially, networkReachable: true,
            network: profile.network.kind, foreground: false)
        battery = BatteryModel(
            spec: context.scenario.battery, level: profile.initialBattery, charging: profile.chargingInitially,
            now: 0, random: profile.random(.battery))
        remoteConfig = profile.remoteConfig
        journeyRandom = profile.random(.journeys)
        lifecycleRandom = profile.random(.lifecycle)
        networkRandom = profile.random(.network)
        eventContext.userID = profile.identity
        eventContext.device.deviceID = profile.identity
        eventContext.device.os = profile.flavor == .ios ? .ios : .android
        eventContext.device.network = Self.networkType(profile.network.kind)
        eventContext.app.appID = "clickswarm.simulated"
        eventContext.app.sdkFlavor = profile.flavor.rawValue
        eventContext.app.sdkVersion = "clickswarm"
        observer = DeviceObserver(
            recorder: recorder, group: group, flavor: profile.flavor, healthType: context.healthType,
            keepsAcks: context.checkDeliveries, log: log)
    }

    private var now: NIODeadline { loop.now }
    private var clock: Double { context.seconds(loop.now) }
    private var online: Bool { phase == .foreground || phase == .background }

    // MARK: Schedule

    /// Arms the device's arrival times; call once on its loop at the start of the run.
    func schedule() {
        if context.plan.isOpen {
            for start in context.plan.sessions(of: profile.index) {
                after(start) { $0.openSessionArrived() }
            }
        } else {
            let transitions = context.plan.transitions(of: profile.index)
            for (position, time) in transitions.enumerated() where time < context.scenario.duration {
                if position % 2 == 0 {
                    after(time) { $0.join() }
                } else {
                    after(time) { $0.leave() }
                }
            }
        }
    }

    /// Runs `body` at `seconds` from the start, unless the run is over by then.
    private func after(_ seconds: Double, _ body: @escaping (SimulatedDevice) -> Void) {
        loop.assumeIsolated().scheduleTask(deadline: context.deadline(seconds)) {
            guard self.phase != .finished else { return }
            body(self)
        }
    }

    // MARK: Lifecycle

    /// Closed model: the device enters the run; its app opens.
    private func join() {
        guard phase == .waiting || phase == .left else { return }
        recorder.deviceOnline(group: group, at: now.uptimeNanoseconds)
        observer.joined(at: now)
        log("lifecycle", "join", ["flavor": profile.flavor.rawValue, "network": profile.networkName])
        startEnvironment()
        startSession()
    }

    /// Closed model: the device leaves the run; its app goes to the background for good.
    private func leave() {
        guard online else { return }
        lifeGeneration &+= 1
        if phase == .foreground { enterBackground() }
        phase = .left
        recorder.deviceOffline(group: group, at: now.uptimeNanoseconds)
        log("lifecycle", "leave")
    }

    /// Open model: a new app session lands on this device.
    private func openSessionArrived() {
        guard phase != .foreground, !context.journeysOver(clock) else {
            recorder.note("arrivals_busy")
            log("lifecycle", "arrival while in a session (ignored)")
            return
        }
        recorder.deviceOnline(group: group, at: now.uptimeNanoseconds)
        observer.joined(at: now)
        startEnvironment()
        startSession()
    }

    private func startSession() {
        updateBattery()
        phase = .foreground
        scheduleEnvironment()
        sessionNumber += 1
        eventContext.session.sessionID = "\(profile.identity)-s\(sessionNumber)"
        eventContext.session.startedAt = ProtoTimestamp(date: context.wallClock(now))
        eventContext.session.sequence = sessionNumber
        conditions.foreground = true
        let coldStart = sdk == nil
        log("lifecycle", "session start (\(coldStart ? "cold" : "warm"))", batteryDetails)
        if let sdk {
            sdk.update(conditions)
        } else {
            launch()
        }
        if context.scenario.lifecycle.appOpenedEvent {
            var opened = AppOpened()
            opened.coldStart = coldStart
            track(opened, intendedAt: now)
        }
        appGeneration &+= 1
        startJourney(generation: appGeneration, at: now)
        let lifecycle = context.scenario.lifecycle
        let length: Double? =
            context.plan.isOpen
            ? (lifecycle.session ?? .exponential(mean: 60)).sample(using: &lifecycleRandom)
            : lifecycle.session?.sample(using: &lifecycleRandom)
        if let length {
            lifeGeneration &+= 1
            let generation = lifeGeneration
            after(clock + length) { device in
                guard device.lifeGeneration == generation else { return }
                device.endSession()
            }
        }
    }

    /// The session ends: background, maybe a kill, and (closed model) the next session later.
    private func endSession() {
        guard phase == .foreground else { return }
        enterBackground()
        log("lifecycle", "session end (background)", batteryDetails)
        let lifecycle = context.scenario.lifecycle
        let gap = lifecycle.background.sample(using: &lifecycleRandom)
        lifeGeneration &+= 1
        let generation = lifeGeneration
        if lifecycleRandom.nextUnit() < lifecycle.killInBackground {
            let killAt = clock + gap * lifecycleRandom.nextUnit()
            after(killAt) { device in
                guard device.lifeGeneration == generation else { return }
                device.killApp()
            }
        }
        if context.plan.isOpen {
            phase = .left
            recorder.deviceOffline(group: group, at: now.uptimeNanoseconds)
            return
        }
        after(clock + gap) { device in
            guard device.lifeGeneration == generation, device.phase == .background else { return }
            device.startSession()
        }
    }

    private func enterBackground() {
        updateBattery()
        phase = .background
        scheduleEnvironment()
        appGeneration &+= 1
        conditions.foreground = false
        sdk?.update(conditions)
    }

    private func killApp() {
        guard let sdk else { return }
        sdk.kill()
        self.sdk = nil
        recorder.note("apps_killed")
        log("lifecycle", "app killed", ["stored": "\(store.count)"])
    }

    private func launch() {
        launches += 1
        let configuration = profile.configuration
        let transport = link.makeTransport(configuration: configuration)
        var sampling = profile.random(.sampling)
        for _ in 1..<launches { _ = sampling.next() }
        let context = self.context
        let sdk = ClickstreamSDK(
            configuration: configuration, deviceID: profile.identity, store: store, transport: transport,
            headers: [("X-User-ID", profile.identity)], eventLoop: loop, conditions: conditions,
            remoteConfig: remoteConfig, seed: sampling.next(), observer: observer,
            wallClock: { context.wallClock($0) })
        self.sdk = sdk
        if launches > 1 { recorder.note("app_relaunches") }
        log("lifecycle", "app launched", ["launch": "\(launches)", "stored": "\(store.count)"])
        sdk.start()
    }

    /// A remote-config change for this device's cohort.
    func apply(_ config: RemoteConfig) {
        guard phase != .finished else { return }
        remoteConfig = config
        sdk?.apply(config)
        log("config", "remote config applied", ["cohort": profile.cohort])
    }

    // MARK: Journeys

    private func startJourney(generation: UInt64, at time: NIODeadline) {
        let journey = journeyRandom(context.library.pickJourney)
        enterScreen(journey: journey, screen: context.library.journeys[journey].start, generation: generation, at: time)
    }

    private func journeyRandom<T>(_ body: (inout SeededRandom) -> T) -> T { body(&journeyRandom) }

    /// Tracks the screen's events at their scripted times, then moves on after the think time.
    private func enterScreen(journey: Int, screen index: Int, generation: UInt64, at entered: NIODeadline) {
        let screen = context.library.journeys[journey].screens[index]
        for event in screen.events {
            let count = Int(event.count.sample(using: &journeyRandom).rounded())
            var offset = 0.0
            for _ in 0..<max(0, count) {
                let intended = entered + DeviceTime.amount(offset)
                if intended <= now {
                    track(event.template, intendedAt: intended)
                } else {
                    scheduleApp(at: intended, generation: generation) { $0.track(event.template, intendedAt: intended) }
                }
                offset += event.gap.sample(using: &journeyRandom)
            }
        }
        let leaveAt = entered + DeviceTime.amount(screen.think.sample(using: &journeyRandom))
        let next = context.library.nextScreen(after: screen, &journeyRandom)
        scheduleApp(at: leaveAt, generation: generation) { device in
            if let next {
                device.enterScreen(journey: journey, screen: next, generation: generation, at: leaveAt)
            } else {
                let pause = device.context.scenario.lifecycle.betweenJourneys.sample(using: &device.journeyRandom)
                let startAt = leaveAt + DeviceTime.amount(pause)
                device.scheduleApp(at: startAt, generation: generation) {
                    $0.startJourney(generation: generation, at: startAt)
                }
            }
        }
    }

    private func scheduleApp(at deadline: NIODeadline, generation: UInt64, _ body: @escaping (SimulatedDevice) -> Void)
    {
        guard context.seconds(deadline) < context.scenario.duration else { return }
        loop.assumeIsolated().scheduleTask(deadline: deadline) {
            guard self.appGeneration == generation, self.phase == .foreground else { return }
            body(self)
        }
    }

    private func track(_ template: any EventContract, intendedAt: NIODeadline) {
        guard let sdk, phase == .foreground, !context.journeysOver(context.seconds(intendedAt)) else { return }
        var message = template
        message.eventGuid = EventGUID(run: context.runID, device: UInt32(profile.index), sequence: sequence).description
        sequence += 1
        message.eventTimestamp = ProtoTimestamp(date: context.wallClock(intendedAt))
        updateBattery()
        eventContext.device.batteryLevel = UInt32(battery.level.rounded())
        eventContext.device.charging = battery.charging
        message.context = eventContext
        sdk.track(message, intendedAt: intendedAt)
    }

    // MARK: Environment: battery, network drops, offline windows

    private func startEnvironment() {
        guard !environmentRunning else { return }
        environmentRunning = true
        let start = clock
        // The phone's battery starts counting when it joins the run.
        battery = BatteryModel(
            spec: context.scenario.battery, level: profile.initialBattery, charging: profile.chargingInitially,
            now: start, random: profile.random(.battery))
        batteryUpdatedAt = start
        let network = profile.network
        if network.dropsPerMinute > 0 {
            nextDrop = start + Self.exponentialGap(perMinute: network.dropsPerMinute, &networkRandom)
        }
        if let every = network.offlineEvery {
            offlineStart = start + every.sample(using: &networkRandom)
        }
        scheduleEnvironment()
    }

    private static func exponentialGap(perMinute probability: Double, _ random: inout SeededRandom) -> Double {
        guard probability < 1 else { return 1 }
        let rate = -Foundation.log(1 - probability) / 60
        return Distribution.exponential(mean: 1 / rate).sample(using: &random)
    }

    /// Arms one wakeup at the environment's next change: the battery crossing the SDK's minimum
    /// (computed, not polled: the level is linear between changes), plugging in or out, a
    /// network drop, an offline window's start or end.
    private func scheduleEnvironment() {
        guard environmentRunning else { return }
        environmentGeneration &+= 1
        let generation = environmentGeneration
        let crossing = battery.crossing(
            of: profile.configuration.minBatteryLevel, after: batteryUpdatedAt, foreground: phase == .foreground)
        let next = min(crossing, nextDrop, offlineStart, offlineEnd, battery.nextChange)
        guard next.isFinite, next < context.scenario.duration + context.scenario.drain else { return }
        // Never at the same instant again: that could spin the loop without time passing.
        after(max(next, clock + 0.001)) { device in
            guard device.environmentGeneration == generation else { return }
            device.environmentFired()
        }
    }

    /// Brings the battery up to now (before the foreground changes, or to read its level).
    private func updateBattery() {
        battery.advance(from: batteryUpdatedAt, to: clock, foreground: phase == .foreground)
        batteryUpdatedAt = clock
    }

    private func environmentFired() {
        let time = clock
        let foreground = phase == .foreground
        let wasLow = conditions.batteryLow(minimum: profile.configuration.minBatteryLevel)
        let switched = battery.advance(from: batteryUpdatedAt, to: time, foreground: foreground)
        batteryUpdatedAt = time
        conditions.batteryLevel = battery.level
        conditions.charging = battery.charging
        var changed = switched
        let isLow = conditions.batteryLow(minimum: profile.configuration.minBatteryLevel)
        if isLow != wasLow {
            changed = true
            recorder.note(isLow ? "battery_low_entered" : "battery_low_left")
            log("battery", isLow ? "below the SDK's minimum" : "back above the SDK's minimum", batteryDetails)
        }
        if switched { log("battery", battery.charging ? "plugged in" : "unplugged", batteryDetails) }
        if time >= nextDrop {
            nextDrop = time + Self.exponentialGap(perMinute: profile.network.dropsPerMinute, &networkRandom)
            if link.isConnected {
                link.dropConnection()
                recorder.note("link_drops")
                log("network", "connection dropped by the network")
            }
        }
        if time >= offlineStart {
            offlineStart = .infinity
            offlineEnd = time + (profile.network.offlineFor?.sample(using: &networkRandom) ?? 0)
            conditions.networkReachable = false
            changed = true
            recorder.note("offline_windows")
            log("network", "offline", ["until": String(format: "%.3f", offlineEnd)])
            link.dropConnection()
        } else if time >= offlineEnd {
            offlineEnd = .infinity
            offlineStart = time + (profile.network.offlineEvery?.sample(using: &networkRandom) ?? .infinity)
            conditions.networkReachable = true
            changed = true
            log("network", "online")
        }
        if changed { sdk?.update(conditions) }
        scheduleEnvironment()
    }

    // MARK: End of run

    /// The journeys are over and the drain is done: stops everything and returns what is still
    /// pending, by event type (the SDK's health batches are not counted).
    func finish() -> [String: UInt64] {
        var pending: [String: UInt64] = [:]
        let events = sdk?.pendingEvents() ?? store.allRows.map { (guid: $0.guid, type: $0.event.type) }
        for event in events where event.type != context.healthType { pending[event.type, default: 0] += 1 }
        log("lifecycle", "run end", ["pending": "\(pending.values.reduce(0, +))"])
        phase = .finished
        observer.isFinished = true
        appGeneration &+= 1
        lifeGeneration &+= 1
        sdk?.kill()
        sdk = nil
        return pending
    }

    private static func networkType(_ kind: NetworkKind) -> Clickswarm_Events_V1_NetworkType {
        switch kind {
        case .wifi: return .wifi
        case .cellular4G: return .networkType4G
        case .cellular3G: return .networkType3G
        case .cellular2G: return .networkType2G
        }
    }
}
