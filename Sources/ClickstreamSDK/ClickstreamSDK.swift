import Foundation
import NIOCore
import RaccoonWire
import SwarmPrimitives

/// One Clickstream SDK instance, as a phone's app runs it: the app tracks typed contracts; the
/// SDK samples, wraps, classifies and stores them, and two pure state machines decide the rest
/// per flavor policy: `DeliveryStateMachine` (batches, acks, retries, the background rules,
/// health) and `ConnectionStateMachine` (when the socket opens and closes). This class owns
/// them, feeds them inputs and carries out their actions (`run(_:)`): writes, timers, the
/// observer's funnel.
///
/// It lives on one event loop (DESIGN principle 1): every method must be called there, and its
/// timers run there. Time comes from the loop (`EmbeddedEventLoop` gives tests and simulated
/// runs a virtual clock), I/O from the transport (principle 2).
public final class ClickstreamSDK {
    public let configuration: SDKConfiguration
    public let store: EventStore
    public private(set) var remoteConfig: RemoteConfig
    /// The health table (it lives in the store and survives a kill).
    public var health: HealthTracker { store.tables.health }
    public var connectionState: ConnectionStateMachine.State { connection.state }
    /// The battery, network and lifecycle the SDK last heard of.
    public private(set) var conditions: DeviceConditions
    /// Requests sent and not done with (Android's live callbacks, the iOS retry cache).
    public var batchesInFlight: Int { store.tables.requests.count }

    let eventLoop: any EventLoop
    /// Where its timers run (on `eventLoop`).
    let scheduler: any SDKScheduler
    let transport: any SDKTransport
    let headers: [(String, String)]
    weak var observer: (any SDKObserver)?
    let wallClock: (NIODeadline) -> Date
    var random: SeededRandom
    var delivery: DeliveryStateMachine
    var connection: ConnectionStateMachine
    var connectionTimer: SDKTimerHandle?
    var connectionTimerDeadline: NIODeadline?
    var connectStartedAt: NIODeadline?
    var stopped = false
    /// Per contract type, what prepared events of it need (cleared when the config changes).
    var contractFacts: [ContractFacts] = []

    /// - Parameters:
    ///   - store: the device's store; pass the same one to the next instance after an app kill.
    ///   - headers: the identity headers (`X-User-ID`, ...) for the transport.
    ///   - seed: the device's own seed, for sampling (principle 4).
    ///   - wallClock: wall time for a loop deadline (event timestamps, `sent_time`).
    ///   - scheduler: where the timers run; by default the loop's own (`EventLoopScheduler.of`).
    public init(
        configuration: SDKConfiguration,
        deviceID: String,
        store: EventStore,
        transport: any SDKTransport,
        headers: [(String, String)],
        eventLoop: any EventLoop,
        conditions: DeviceConditions = DeviceConditions(),
        remoteConfig: RemoteConfig = RemoteConfig(),
        seed: UInt64 = 0,
        observer: (any SDKObserver)? = nil,
        wallClock: @escaping (NIODeadline) -> Date = { _ in Date() },
        scheduler: (any SDKScheduler)? = nil
    ) {
        self.configuration = configuration
        self.store = store
        self.transport = transport
        self.headers = headers
        self.eventLoop = eventLoop
        self.scheduler = scheduler ?? EventLoopScheduler.of(eventLoop)
        self.remoteConfig = remoteConfig
        self.conditions = conditions
        self.random = SeededRandom(seed: seed)
        self.observer = observer
        self.wallClock = wallClock
        delivery = DeliveryStateMachine(configuration: configuration, deviceID: deviceID, conditions: conditions)
        connection = ConnectionStateMachine(configuration: configuration, conditions: conditions)
    }

    var now: NIODeadline { eventLoop.now }

    /// The delivery machine's state (for tests and tools).
    public var deliveryState: DeliveryStateMachine.State { delivery.state }

    /// Launches the SDK: its connection and, in the foreground, its batch timers.
    public func start() {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        run(delivery.start(now: now, tables: &store.tables))
        run(connection.start(now: now))
    }

    // MARK: Tracking

    /// The app tracks one typed contract; its guid and timestamp come with it. `intendedAt` is
    /// when the app's script meant it to happen (defaults to now).
    public func track(_ contract: some EventContract, intendedAt: NIODeadline? = nil) {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        let name = type(of: contract).contractName
        let wrapping = configuration.wrapping
        let eventType = EventContracts.eventType(
            for: type(of: contract), appPrefix: wrapping.prefixesType ? configuration.appPrefix : "")
        let intended = intendedAt ?? now
        let identity = EventIdentity(contract.eventGuid)
        let ref = EventRef(
            identity: identity, typeIndex: store.tables.types.index(of: eventType, contractName: name),
            intendedAt: intended)
        guard admits(ref, name: name) else { return }
        var event = RaccoonEvent()
        // Serializing a message the app built in memory cannot fail.
        event.eventBytes = (try? contract.serializedData()) ?? Data()
        event.type = eventType
        if wrapping.setsOptionalFields {
            event.eventName = name
            event.product = configuration.product
            event.eventTimestamp = contract.eventTimestamp
            event.isExclusive = true
            event.appVersion = configuration.appVersion
            event.platform = .ios
        }
        let bytes: [UInt8] = (try? event.serializedBytes()) ?? []
        let tracked = TrackedEvent(
            identity: identity, eventClass: remoteConfig.eventClass(of: name), type: eventType, contractName: name,
            typeIndex: ref.typeIndex, intendedAt: intended,
            timestamp: EventEntry.nanoseconds(
                seconds: contract.eventTimestamp.seconds, nanos: contract.eventTimestamp.nanos),
            payload: .encoded(ByteBuffer(bytes: bytes)), contractSize: event.eventBytes.count, eventSize: bytes.count)
        run(delivery.track(tracked, now: now, tables: &store.tables))
    }

    /// The first steps of every tracked event: generated, then the drop list and the sampler
    /// (`Int.random(in: 1...100) <= Int(sampleRate)`, `EventSampler.swift:24-26`). False when the
    /// event goes no further.
    func admits(_ ref: EventRef, name: String) -> Bool {
        let observer = self.observer
        observer?.event(ref, types: store.tables.types, step: .generated, at: now)
        if !remoteConfig.dropList.isEmpty, remoteConfig.dropList.contains(name) {
            observer?.event(ref, types: store.tables.types, step: .dropped(reason: "drop_list"), at: now)
            return false
        }
        let wrapping = configuration.wrapping
        if wrapping.samples || configuration.knobs.samplesOnAndroid, !remoteConfig.samplingRates.isEmpty,
            let rate = remoteConfig.samplingRates[name]
        {
            let draw = Int(random.next() % 100) + 1
            guard draw <= Int(rate) else {
                observer?.event(ref, types: store.tables.types, step: .sampledOut, at: now)
                return false
            }
        }
        return true
    }

    // MARK: Remote config and device conditions

    /// Applies a new config while running: classification, sampling and the drop list for the
    /// events tracked from now on (not in the upstream SDKs, which fix them at init).
    public func apply(_ config: RemoteConfig) {
        eventLoop.preconditionInEventLoop()
        remoteConfig = config
        contractFacts.removeAll()
    }

    /// Battery, network or lifecycle changed.
    public func update(_ conditions: DeviceConditions) {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        let goingBack = self.conditions.foreground && !conditions.foreground
        self.conditions = conditions
        // To the background, the delivery side flushes before the connection starts closing;
        // to the front, the connection is asked for first.
        if goingBack {
            run(delivery.conditionsChanged(conditions, now: now, wallTime: wallClock(now), tables: &store.tables))
            run(connection.conditionsChanged(conditions, now: now))
        } else {
            run(connection.conditionsChanged(conditions, now: now))
            run(delivery.conditionsChanged(conditions, now: now, wallTime: wallClock(now), tables: &store.tables))
        }
    }

    /// The app is killed: in-memory work is lost, the OS drops the socket without a close frame
    /// (the collector sees 1006), the store survives for the next instance.
    public func kill() {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        run(delivery.kill(now: now, tables: &store.tables))
        run(connection.kill())
        stopped = true
        if let connectionTimer { scheduler.cancel(connectionTimer) }
        connectionTimer = nil
    }

    /// Every app event the SDK still holds and may yet deliver: the store's rows (in flight or
    /// not, the iOS retry cache's included) and the instant events written but not answered. A
    /// run counts these as pending at its end; the SDK's own health rows are not among them.
    /// How many events `pendingEvents()` holds, by type, without listing them.
    public func pendingCounts() -> [String: UInt64] {
        eventLoop.preconditionInEventLoop()
        var counts = store.tables.appEventCounts
        for ref in delivery.unansweredInstants { counts[store.tables.types[ref.typeIndex], default: 0] += 1 }
        return counts
    }

    public func pendingEvents() -> [(guid: String, type: String)] {
        eventLoop.preconditionInEventLoop()
        let types = store.tables.types
        return delivery.pendingEvents(store.tables).map { (guid: $0.guid, type: types[$0.typeIndex]) }
    }
}
