import ClickstreamSDK
import Foundation
import NIOCore
import RaccoonWire
import Reports
import SwarmPrimitives

/// One simulated phone: its app walks the scenario's journeys and tracks events into a complete
/// `ClickstreamSDK` instance, while its battery, network and lifecycle change with time.
///
/// The coordinator of the device's parts: it owns the SDK instance, the store and the connection,
/// and arms the timers: the arrivals, the sessions' ends, kills and returns, one timer for the
/// environment's next wake-up (`DeviceEnvironment`) and the app's timers for the screens the
/// `JourneyWalker` walks. `DeviceObserver` records what the SDK reports, `EventStamper` stamps
/// the events, `DeviceLog` writes the timeline.
///
/// It lives on one event loop (DESIGN principle 1): every method runs there.
final class SimulatedDevice {
    let profile: DeviceProfile
    private let context: RunContext
    private let loop: any EventLoop
    /// The loop's timers (the device's, its SDK's).
    private let scheduler: any SDKScheduler
    private let recorder: RecorderShard
    private let group: Int
    private let link: any DeviceConnection
    /// The phone's database: it outlives the app (a kill keeps it).
    let store: EventStore
    private(set) var sdk: ClickstreamSDK?
    private var remoteConfig: RemoteConfig
    private var launches: UInt64 = 0

    private var environment: DeviceEnvironment
    private var walker: JourneyWalker
    /// Stamps the app's events and rebuilds their bytes for the store (its payload source).
    private let recipes: EventRecipes
    private let observer: DeviceObserver
    private let log: DeviceLog

    /// Each bumped to invalidate one kind of pending timer (cheaper than cancelling them on the
    /// loop's timer heap): the app's (screens), the lifecycle's (session end, kill, return) and
    /// the environment's wake-up.
    private var appGeneration: UInt64 = 0
    private var lifeGeneration: UInt64 = 0
    private var wakeupGeneration: UInt64 = 0
    /// What the SDK believes of the foreground: Android hears of a background 700 ms late
    /// (`SDKConfiguration.lifecycleStopDelay`), so for that while it still thinks it is in front.
    private var sdkForeground = false
    /// Bumped by every session start, so a delayed stop of an earlier session does nothing.
    private var stopGeneration: UInt64 = 0

    /// The conditions as the SDK is told them.
    private var sdkConditions: DeviceConditions {
        var conditions = environment.conditions
        conditions.foreground = sdkForeground
        return conditions
    }

    /// Set for the device a replay (or a traced run) follows.
    var trace: TimelineRecorder? {
        get { log.trace }
        set { log.trace = newValue }
    }

    /// Ack bitmap for the delivery check against the embedded collector.
    var ackedSequences: SequenceBitmap { observer.ackedSequences }

    /// Built on `loop`, where it lives; `scheduler` runs its timers and its SDK's (by default
    /// the loop's own).
    init(
        profile: DeviceProfile, context: RunContext, loop: any EventLoop, scheduler: (any SDKScheduler)? = nil,
        recorder: RecorderShard, connection: any DeviceConnection
    ) {
        loop.preconditionInEventLoop()
        self.profile = profile
        self.context = context
        self.loop = loop
        self.scheduler = scheduler ?? EventLoopScheduler.of(loop)
        self.recorder = recorder
        group = recorder.groupIndex(flavor: profile.flavor.rawValue, network: profile.networkName)
        link = connection
        store = EventStore(
            capacityEvents: profile.configuration.storeCapacityEvents,
            capacityBytes: profile.configuration.storeCapacityBytes)
        remoteConfig = profile.remoteConfig
        environment = DeviceEnvironment(profile: profile, scenario: context.scenario, openModel: context.plan.isOpen)
        walker = JourneyWalker(
            library: context.library, betweenJourneys: context.scenario.lifecycle.betweenJourneys,
            random: profile.random(.journeys))
        recipes = EventRecipes(
            templates: context.library.templates, stamper: EventStamper(profile: profile, runID: context.runID))
        log = DeviceLog { [context, loop] in context.seconds(loop.now) }
        store.payloadSource = recipes
        observer = DeviceObserver(
            recorder: recorder, group: group, flavor: profile.flavor, healthType: SDKConfiguration.healthEventType,
            keepsAcks: context.checkDeliveries, log: log)
    }

    private var now: NIODeadline { loop.now }
    private var clock: Double { context.seconds(loop.now) }

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
        scheduler.schedule(at: context.deadline(seconds)) {
            guard self.environment.phase != .finished else { return }
            body(self)
        }
    }

    // MARK: Lifecycle

    /// Closed model: the device enters the run; its app opens.
    private func join() {
        guard environment.phase == .waiting || environment.phase == .left else { return }
        recorder.deviceOnline(group: group, at: now.uptimeNanoseconds)
        observer.joined(at: now)
        log("lifecycle", "join", ["flavor": profile.flavor.rawValue, "network": profile.networkName])
        environment.start(at: clock)
        startSession()
    }

    /// Closed model: the device leaves the run; its app goes to the background for good.
    private func leave() {
        guard environment.isOnline else { return }
        lifeGeneration &+= 1
        if environment.phase == .foreground { enterBackground() }
        environment.leave()
        recorder.deviceOffline(group: group, at: now.uptimeNanoseconds)
        log("lifecycle", "leave")
    }

    /// Open model: a new app session lands on this device.
    private func openSessionArrived() {
        guard environment.phase != .foreground, !context.journeysOver(clock) else {
            recorder.note("arrivals_busy")
            log("lifecycle", "arrival while in a session (ignored)")
            return
        }
        recorder.deviceOnline(group: group, at: now.uptimeNanoseconds)
        observer.joined(at: now)
        environment.start(at: clock)
        startSession()
    }

    private func startSession() {
        environment.enterForeground(at: clock)
        sdkForeground = true
        stopGeneration &+= 1
        armWakeup()
        recipes.startSession(at: context.wallClock(now))
        let coldStart = sdk == nil
        log("lifecycle", "session start (\(coldStart ? "cold" : "warm"))", environment.battery.timelineDetails)
        if let sdk {
            sdk.update(sdkConditions)
        } else {
            launch()
        }
        if context.scenario.lifecycle.appOpenedEvent {
            let templates = context.library.appOpenedTemplate
            track(template: coldStart ? templates.cold : templates.warm, intendedAt: now)
        }
        appGeneration &+= 1
        startJourney(generation: appGeneration, at: now)
        if let length = environment.drawSessionLength() {
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
        guard environment.phase == .foreground else { return }
        enterBackground()
        log("lifecycle", "session end (background)", environment.battery.timelineDetails)
        let stay = environment.drawBackgroundStay()
        lifeGeneration &+= 1
        let generation = lifeGeneration
        if let killAfter = stay.killAfter {
            after(clock + killAfter) { device in
                guard device.lifeGeneration == generation else { return }
                device.killApp()
            }
        }
        if context.plan.isOpen {
            environment.leave()
            recorder.deviceOffline(group: group, at: now.uptimeNanoseconds)
            return
        }
        after(clock + stay.gap) { device in
            guard device.lifeGeneration == generation, device.environment.phase == .background else { return }
            device.startSession()
        }
    }

    private func enterBackground() {
        environment.enterBackground(at: clock)
        armWakeup()
        appGeneration &+= 1
        let delay = profile.configuration.lifecycleStopDelay
        guard delay > .zero else { return stopped() }
        let generation = stopGeneration
        scheduler.schedule(at: now + delay) {
            guard self.stopGeneration == generation, self.environment.phase != .finished else { return }
            self.stopped()
        }
    }

    /// The SDK hears that the app went to the background.
    private func stopped() {
        sdkForeground = false
        sdk?.update(sdkConditions)
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
        // Launch n seeds its sampler with the stream's n-th number.
        var sampling = profile.random(.sampling)
        for _ in 1..<launches { _ = sampling.next() }
        let context = self.context
        let sdk = ClickstreamSDK(
            configuration: configuration, deviceID: profile.identity, store: store, transport: transport,
            headers: [("X-User-ID", profile.identity)] + profile.headers.map { ($0.name, $0.value) }, eventLoop: loop,
            conditions: sdkConditions,
            remoteConfig: remoteConfig, seed: sampling.next(), observer: observer,
            wallClock: { context.wallClock($0) }, scheduler: scheduler)
        self.sdk = sdk
        if launches > 1 { recorder.note("app_relaunches") }
        log("lifecycle", "app launched", ["launch": "\(launches)", "stored": "\(store.count)"])
        sdk.start()
    }

    /// A remote-config change for this device's cohort.
    func apply(_ config: RemoteConfig) {
        guard environment.phase != .finished else { return }
        remoteConfig = config
        sdk?.apply(config)
        log("config", "remote config applied", ["cohort": profile.cohort])
    }

    // MARK: Journeys

    private func startJourney(generation: UInt64, at time: NIODeadline) {
        enterScreen(walker.startJourney(at: time), generation: generation)
    }

    /// Tracks the screen's events at their scripted times (those already due at once), then
    /// moves on when the screen is left: to the next screen, or after a pause to the next journey.
    private func enterScreen(_ visit: JourneyWalker.ScreenVisit, generation: UInt64) {
        for event in visit.events {
            let template = event.templateID
            let intended = event.intendedAt
            if intended <= now {
                track(template: template, intendedAt: intended)
            } else {
                scheduleApp(at: intended, generation: generation) { $0.track(template: template, intendedAt: intended) }
            }
        }
        let (journey, next, leaveAt) = (visit.journey, visit.next, visit.leaveAt)
        scheduleApp(at: leaveAt, generation: generation) { device in
            if let next {
                device.enterScreen(
                    device.walker.enter(journey: journey, screen: next, at: leaveAt), generation: generation)
            } else {
                let startAt = device.walker.nextJourneyStart(after: leaveAt)
                device.scheduleApp(at: startAt, generation: generation) {
                    $0.startJourney(generation: generation, at: startAt)
                }
            }
        }
    }

    /// Runs `body` at `deadline` if the app is still in the same session in front by then; not
    /// at all when the journeys are over by then.
    private func scheduleApp(at deadline: NIODeadline, generation: UInt64, _ body: @escaping (SimulatedDevice) -> Void)
    {
        guard context.seconds(deadline) < context.scenario.duration else { return }
        scheduler.schedule(at: deadline) {
            guard self.appGeneration == generation, self.environment.phase == .foreground else { return }
            body(self)
        }
    }

    /// The app tracks an event of library template `template`: prepared as a recipe, or (for a
    /// template whose bytes cannot be rebuilt) stamped whole.
    private func track(template: Int, intendedAt: NIODeadline) {
        guard let sdk, environment.phase == .foreground, !context.journeysOver(context.seconds(intendedAt)) else {
            return
        }
        let battery = environment.batteryReading(at: clock)
        let wall = context.wallClock(intendedAt)
        if recipes.rebuilds(template) {
            sdk.track(prepared: recipes.prepare(template, intendedAt: intendedAt, wall: wall, battery: battery))
        } else {
            let message = recipes.stamp(context.library.templates[template].message, intendedAt: wall, battery: battery)
            sdk.track(message, intendedAt: intendedAt)
        }
    }

    // MARK: Environment: battery, network drops, offline windows

    /// Arms the one wake-up at the environment's next change (the one armed before does nothing).
    private func armWakeup() {
        wakeupGeneration &+= 1
        guard let next = environment.nextWakeup(now: clock) else { return }
        let generation = wakeupGeneration
        after(next) { device in
            guard device.wakeupGeneration == generation else { return }
            device.wake()
        }
    }

    /// The environment's wake-up: acts on what changed, tells the SDK, arms the next one.
    private func wake() {
        let changes = environment.advance(to: clock)
        for change in changes {
            switch change {
            case .batteryLowEntered:
                recorder.note("battery_low_entered")
                log("battery", "below the SDK's minimum", environment.battery.timelineDetails)
            case .batteryLowLeft:
                recorder.note("battery_low_left")
                log("battery", "back above the SDK's minimum", environment.battery.timelineDetails)
            case .pluggedIn:
                log("battery", "plugged in", environment.battery.timelineDetails)
            case .unplugged:
                log("battery", "unplugged", environment.battery.timelineDetails)
            case .linkDropDue:
                if link.isConnected {
                    link.dropConnection()
                    recorder.note("link_drops")
                    log("network", "connection dropped by the network")
                }
            case .offline(let until):
                recorder.note("offline_windows")
                log("network", "offline", ["until": String(format: "%.3f", until)])
                link.dropConnection()
            case .online:
                log("network", "online")
            case .batteryLevelChanged:
                break
            }
        }
        if changes.contains(where: \.changesConditions) { sdk?.update(sdkConditions) }
        armWakeup()
    }

    // MARK: End of run

    /// The journeys are over and the drain is done: stops everything and returns what is still
    /// pending, by event type (the SDK's health batches are not counted).
    func finish() -> [String: UInt64] {
        var pending = sdk?.pendingCounts() ?? store.tables.appEventCounts
        pending[SDKConfiguration.healthEventType] = nil
        log("lifecycle", "run end", ["pending": "\(pending.values.reduce(0, +))"])
        environment.finish()
        observer.finish()
        appGeneration &+= 1
        lifeGeneration &+= 1
        sdk?.kill()
        sdk = nil
        return pending
    }
}
