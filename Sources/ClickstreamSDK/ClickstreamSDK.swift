import Foundation
import NIOCore
import RaccoonWire
import SwarmPrimitives
import SwiftProtobuf

/// One Clickstream SDK instance, as a phone's app runs it: the app tracks typed contracts; the
/// SDK samples, classifies, stores, batches on per-class timers, sends over its transport,
/// matches acks by req_guid, retries per flavor, and obeys battery, network and lifecycle.
///
/// It lives on one event loop (DESIGN principle 1): every method must be called there, and its
/// timers run there. Time comes from the loop (`EmbeddedEventLoop` gives tests and simulated
/// runs a virtual clock), I/O from the transport (principle 2).
public final class ClickstreamSDK {
    public let configuration: SDKConfiguration
    public let store: EventStore
    public private(set) var remoteConfig: RemoteConfig
    public private(set) var health = HealthTracker()
    public var connectionState: ConnectionStateMachine.State { connection.state }
    /// The battery, network and lifecycle the SDK last heard of.
    public var conditions: DeviceConditions { connection.conditions }
    /// Batches sent and not yet answered (the iOS retry cache).
    public var batchesInFlight: Int { inFlight.count }

    private let eventLoop: any EventLoop
    private let transport: any SDKTransport
    private let headers: [(String, String)]
    private weak var observer: (any SDKObserver)?
    private let wallClock: (NIODeadline) -> Date
    private var random: SeededRandom
    private let deviceID: String
    private var connection: ConnectionStateMachine
    private var connectionTimer: Scheduled<Void>?
    private var connectionTimerDeadline: NIODeadline?
    private var connectStartedAt: NIODeadline?
    private var batchTimers: [EventClass: Scheduled<Void>] = [:]
    private var inFlight: [String: InFlightBatch] = [:]
    private var requestCounter: UInt64 = 0
    private var stopped = false
    /// The iOS periodic resend check, every ack timeout while connected.
    private var retryTimer: Scheduled<Void>?

    /// A batch on its way: the rows it carries, the serialized request and its history.
    struct InFlightBatch {
        var ids: [UInt64]
        var guids: [(guid: String, type: String, intendedAt: NIODeadline)]
        var request: SendEventRequest
        var attempts: Int
        var lastSent: NIODeadline
        /// Instant (QoS0) batches are sent once and never stored or retried.
        var instant: Bool
        /// The request counter when it was cut: orders batches sent at the same instant.
        var sequence: UInt64 = 0
    }

    /// - Parameters:
    ///   - store: the device's store; pass the same one to the next instance after an app kill.
    ///   - headers: the identity headers (`X-User-ID`, ...) for the transport.
    ///   - seed: the device's own seed, for sampling (principle 4).
    ///   - wallClock: wall time for a loop deadline (event timestamps, `sent_time`).
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
        wallClock: @escaping (NIODeadline) -> Date = { _ in Date() }
    ) {
        self.configuration = configuration
        self.deviceID = deviceID
        self.store = store
        self.transport = transport
        self.headers = headers
        self.eventLoop = eventLoop
        self.remoteConfig = remoteConfig
        self.random = SeededRandom(seed: seed)
        self.observer = observer
        self.wallClock = wallClock
        self.connection = ConnectionStateMachine(configuration: configuration, conditions: conditions)
        store.reattach()
    }

    private var now: NIODeadline { eventLoop.now }

    /// Launches the SDK: connects when the conditions allow and starts the batch timers.
    public func start() {
        eventLoop.preconditionInEventLoop()
        perform(connection.start(now: now))
        if connection.conditions.foreground { startBatchTimers() }
    }

    // MARK: Tracking

    /// The app tracks one typed contract; its guid and timestamp come with it. `intendedAt` is
    /// when the app's script meant it to happen (defaults to now).
    public func track(_ contract: some EventContract, intendedAt: NIODeadline? = nil) {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        let name = type(of: contract).contractName
        let eventType = EventContracts.eventType(for: type(of: contract), appPrefix: configuration.appPrefix)
        let intended = intendedAt ?? now
        let guid = contract.eventGuid
        observer?.event(guid: guid, type: eventType, step: .generated, intendedAt: intended, at: now)
        health.recordReceived()
        if remoteConfig.dropList.contains(name) {
            observer?.event(
                guid: guid, type: eventType, step: .dropped(reason: "drop_list"), intendedAt: intended, at: now)
            return
        }
        if let rate = remoteConfig.samplingRates[name], random.nextUnit() * 100 >= rate {
            observer?.event(guid: guid, type: eventType, step: .sampledOut, intendedAt: intended, at: now)
            return
        }
        var event = RaccoonEvent()
        // Serializing a message the app built in memory cannot fail.
        event.eventBytes = (try? contract.serializedData()) ?? Data()
        event.type = eventType
        event.eventName = name
        event.platform = configuration.flavor == .ios ? .ios : .android
        let eventClass = remoteConfig.eventClass(of: name)
        if eventClass == .instant {
            sendInstant(event, guid: guid, intendedAt: intended)
            return
        }
        switch store.insert(guid: guid, eventClass: eventClass, event: event, intendedAt: intended) {
        case .stored:
            health.recordCached()
            observer?.event(guid: guid, type: eventType, step: .stored, intendedAt: intended, at: now)
        case .dropped(let reason):
            observer?.event(guid: guid, type: eventType, step: .dropped(reason: reason), intendedAt: intended, at: now)
        }
    }

    private func sendInstant(_ event: RaccoonEvent, guid: String, intendedAt: NIODeadline) {
        guard connection.state == .connected else {
            observer?.event(
                guid: guid, type: event.type, step: .dropped(reason: "socket_not_open"), intendedAt: intendedAt, at: now
            )
            return
        }
        let requestGUID = nextRequestGUID()
        var batch = InFlightBatch(
            ids: [], guids: [(guid, event.type, intendedAt)], request: makeRequest(requestGUID, [event]), attempts: 0,
            lastSent: now, instant: true, sequence: requestCounter)
        observer?.event(
            guid: guid, type: event.type, step: .batched(requestGUID: requestGUID), intendedAt: intendedAt, at: now)
        send(&batch, requestGUID: requestGUID)
        inFlight[requestGUID] = batch
    }

    // MARK: Remote config and device conditions

    /// Applies a new remote config while running (classification, sampling, drop list).
    public func apply(_ config: RemoteConfig) {
        eventLoop.preconditionInEventLoop()
        remoteConfig = config
        if connection.conditions.foreground { startBatchTimers() }
    }

    /// Battery, network or lifecycle changed.
    public func update(_ conditions: DeviceConditions) {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        let old = connection.conditions
        perform(connection.conditionsChanged(conditions, now: now))
        if old.foreground, !conditions.foreground {
            enterBackground()
        } else if !old.foreground, conditions.foreground {
            recordHealth("Flush On Foreground")
            startBatchTimers()
        }
    }

    private func enterBackground() {
        stopBatchTimers()
        // The health funnel goes out as an internal batch when the app leaves the front.
        storeHealthBatch()
        if configuration.flushOnBackground {
            recordHealth("Flush On Background")
            // Sorted: a Set's order changes between processes, and simulated runs must repeat exactly.
            for eventClass in store.classesWaiting.sorted(by: { $0.description < $1.description }) {
                flush(eventClass, force: true)
            }
        }
    }

    /// The app is killed: in-memory work is lost, the store survives for the next instance.
    public func kill() {
        eventLoop.preconditionInEventLoop()
        stopped = true
        stopBatchTimers()
        connectionTimer?.cancel()
        retryTimer?.cancel()
        // Stored rows survive in the store; an instant batch lived only in memory and is lost.
        for batch in inFlight.values where batch.instant {
            for event in batch.guids {
                observer?.event(
                    guid: event.guid, type: event.type, step: .dropped(reason: "app_killed"),
                    intendedAt: event.intendedAt, at: now)
            }
        }
        inFlight.removeAll()
        transport.close(code: 1001, reason: "app killed")
    }

    /// Every event the SDK still holds and may yet deliver: the store's rows (in flight or not)
    /// and the instant events sent but not answered. A run counts these as pending at its end.
    public func pendingEvents() -> [(guid: String, type: String)] {
        eventLoop.preconditionInEventLoop()
        var pending = store.allRows.map { (guid: $0.guid, type: $0.event.type) }
        for batch in inFlight.values where batch.instant {
            pending.append(contentsOf: batch.guids.map { (guid: $0.guid, type: $0.type) })
        }
        return pending
    }

    // MARK: Batching

    private func startBatchTimers() {
        var classes: Set<EventClass> = [.realTime, .standard, .internal]
        for eventClass in remoteConfig.classification.values where eventClass.isStored { classes.insert(eventClass) }
        for eventClass in classes.sorted(by: { $0.description < $1.description })
        where batchTimers[eventClass] == nil {
            scheduleBatchTimer(eventClass)
        }
    }

    private func stopBatchTimers() {
        for timer in batchTimers.values { timer.cancel() }
        batchTimers.removeAll()
    }

    private func scheduleBatchTimer(_ eventClass: EventClass) {
        batchTimers[eventClass] = eventLoop.assumeIsolated().scheduleTask(in: configuration.batchPeriod) {
            self.batchTimers[eventClass] = nil
            guard !self.stopped, self.connection.conditions.foreground else { return }
            self.flush(eventClass, force: false)
            self.scheduleBatchTimer(eventClass)
        }
    }

    /// Cuts and sends batches of one class. `force` sends everything (flush on background).
    private func flush(_ eventClass: EventClass, force: Bool) {
        guard !store.newest(eventClass, limit: 1).isEmpty else { return }
        let conditions = connection.conditions
        if conditions.batteryLow(minimum: configuration.minBatteryLevel) {
            recordHealth("Batch Trigger Failed", reason: "low_battery", batches: 1)
            return
        }
        if !conditions.networkReachable {
            recordHealth("Batch Trigger Failed", reason: "network_unavailable", batches: 1)
            return
        }
        guard connection.state == .connected else {
            recordHealth("Batch Trigger Failed", reason: "socket_not_open", batches: 1)
            return
        }
        repeat {
            let rows: [StoredEvent]
            switch configuration.batchRule {
            case .eventsPerBatch(let count): rows = store.newest(eventClass, limit: count)
            case .maxBatchBytes(let bytes): rows = store.fitting(eventClass, maxBytes: bytes)
            }
            guard !rows.isEmpty else { return }
            sendBatch(rows)
        } while force
    }

    private func sendBatch(_ rows: [StoredEvent]) {
        let requestGUID = nextRequestGUID()
        store.markInFlight(rows.map(\.id), requestGUID: requestGUID)
        var batch = InFlightBatch(
            ids: rows.map(\.id), guids: rows.map { ($0.guid, $0.event.type, $0.intendedAt) },
            request: makeRequest(requestGUID, rows.map(\.event)), attempts: 0, lastSent: now, instant: false,
            sequence: requestCounter)
        recordHealth("Event Batch Created", events: UInt64(rows.count), batches: 1)
        for row in rows {
            observer?.event(
                guid: row.guid, type: row.event.type, step: .batched(requestGUID: requestGUID),
                intendedAt: row.intendedAt, at: now)
        }
        send(&batch, requestGUID: requestGUID)
        inFlight[requestGUID] = batch
        if configuration.flavor == .ios { scheduleRetryCheck() }
    }

    private func makeRequest(_ requestGUID: String, _ events: [RaccoonEvent]) -> SendEventRequest {
        var request = SendEventRequest()
        request.reqGuid = requestGUID
        request.events = events
        return request
    }

    private func nextRequestGUID() -> String {
        requestCounter += 1
        return "\(deviceID)-\(requestCounter)"
    }

    /// Writes (or rewrites, with a fresh `sent_time`) one batch and arms its ack timeout.
    private func send(_ batch: inout InFlightBatch, requestGUID: String) {
        batch.attempts += 1
        batch.lastSent = now
        batch.request.sentTime = ProtoTimestamp(date: wallClock(now))
        let bytes: [UInt8] = (try? batch.request.serializedBytes()) ?? []
        guard transport.send(ByteBuffer(bytes: bytes)) else {
            recordHealth("Write to Socket Failed", batches: 1)
            return
        }
        recordHealth("Batch Sent", events: UInt64(batch.guids.count), batches: 1)
        for event in batch.guids {
            observer?.event(
                guid: event.guid, type: event.type, step: .sent(requestGUID: requestGUID, attempt: batch.attempts),
                intendedAt: event.intendedAt, at: now)
        }
        // Android (and instant events) time each send; iOS sweeps its retry cache instead. The
        // timer is never cancelled (cancelling is linear in the loop's timers): an ack or a later
        // send makes it find nothing to do.
        if configuration.flavor == .android || batch.instant {
            let attempt = batch.attempts
            eventLoop.assumeIsolated().scheduleTask(in: configuration.ackTimeout) {
                self.ackTimedOut(requestGUID, attempt: attempt)
            }
        }
    }

    // MARK: Answers, timeouts and retries

    private func received(_ buffer: ByteBuffer) {
        guard let response = try? SendEventResponse(serializedBytes: Array(buffer.readableBytesView)) else { return }
        let requestGUID = response.data["req_guid"] ?? ""
        if response.code == .maxConnectionLimitReached {
            recordHealth("Connection Failure", reason: "max_connection_limit_reached")
            perform(connection.maxConnectionsAnswer(now: now))
        }
        guard var batch = inFlight[requestGUID] else { return }
        if response.status == .success, response.code == .ok {
            inFlight[requestGUID] = nil
            store.delete(batch.ids)
            recordHealth("Event Batch Success Ack", events: UInt64(batch.guids.count), batches: 1)
            for event in batch.guids {
                observer?.event(
                    guid: event.guid, type: event.type, step: .acked(requestGUID: requestGUID),
                    intendedAt: event.intendedAt, at: now)
            }
            return
        }
        recordHealth("Batch Error Response", reason: "\(response.code.rawValue)", batches: 1)
        for event in batch.guids {
            observer?.event(
                guid: event.guid, type: event.type,
                step: .errorAnswer(requestGUID: requestGUID, code: response.code.rawValue),
                intendedAt: event.intendedAt, at: now)
        }
        // Android resends at once; iOS leaves it to its periodic resend.
        if configuration.flavor == .android, !batch.instant {
            retry(&batch, requestGUID: requestGUID)
            if inFlight[requestGUID] != nil { inFlight[requestGUID] = batch }
        }
    }

    private func ackTimedOut(_ requestGUID: String, attempt: Int) {
        guard !stopped, var batch = inFlight[requestGUID], batch.attempts == attempt else { return }
        recordHealth("Batch Timeout", batches: 1)
        for event in batch.guids {
            observer?.event(
                guid: event.guid, type: event.type, step: .timedOut(requestGUID: requestGUID),
                intendedAt: event.intendedAt, at: now)
        }
        if batch.instant {
            inFlight[requestGUID] = nil
            for event in batch.guids {
                observer?.event(
                    guid: event.guid, type: event.type, step: .dropped(reason: "instant_unacked"),
                    intendedAt: event.intendedAt, at: now)
            }
            return
        }
        retry(&batch, requestGUID: requestGUID)
        if inFlight[requestGUID] != nil { inFlight[requestGUID] = batch }
    }

    /// Sends a batch again, or gives it up after `maxRetriesPerBatch` sends: Android releases
    /// its rows into a later batch, iOS drops them ("Batch Dropped").
    private func retry(_ batch: inout InFlightBatch, requestGUID: String) {
        guard batch.attempts < configuration.maxRetriesPerBatch, connection.state == .connected else {
            giveUp(batch, requestGUID: requestGUID)
            return
        }
        send(&batch, requestGUID: requestGUID)
    }

    private func giveUp(_ batch: InFlightBatch, requestGUID: String) {
        inFlight[requestGUID] = nil
        switch configuration.flavor {
        case .android:
            store.release(batch.ids)
            for event in batch.guids {
                observer?.event(
                    guid: event.guid, type: event.type, step: .released(requestGUID: requestGUID),
                    intendedAt: event.intendedAt, at: now)
            }
        case .ios:
            guard batch.attempts >= configuration.maxRetriesPerBatch else {
                // Not connected: keep the rows for a later batch.
                store.release(batch.ids)
                return
            }
            store.delete(batch.ids)
            recordHealth("Batch Dropped", events: UInt64(batch.guids.count), batches: 1)
            for event in batch.guids {
                observer?.event(
                    guid: event.guid, type: event.type, step: .dropped(reason: "retries_exhausted"),
                    intendedAt: event.intendedAt, at: now)
            }
        }
    }

    /// iOS: every ack timeout while connected, resend each cached request older than that,
    /// spaced out over the interval.
    private func scheduleRetryCheck() {
        guard retryTimer == nil else { return }
        retryTimer = eventLoop.assumeIsolated().scheduleTask(in: configuration.ackTimeout) {
            self.retryTimer = nil
            self.resendStale()
        }
    }

    private func resendStale() {
        guard !stopped else { return }
        let stale = inFlight.filter { !$0.value.instant && now - $0.value.lastSent >= configuration.ackTimeout }
            .sorted { ($0.value.lastSent, $0.value.sequence) < ($1.value.lastSent, $1.value.sequence) }.map(\.key)
        if connection.state == .connected {
            let spacing = stale.isEmpty ? 0 : configuration.ackTimeout.nanoseconds / Int64(stale.count)
            for (index, requestGUID) in stale.enumerated() {
                eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(spacing * Int64(index))) {
                    guard var batch = self.inFlight[requestGUID], !self.stopped else { return }
                    self.recordHealth("Batch Timeout", batches: 1)
                    for event in batch.guids {
                        self.observer?.event(
                            guid: event.guid, type: event.type, step: .timedOut(requestGUID: requestGUID),
                            intendedAt: event.intendedAt, at: self.now)
                    }
                    self.retry(&batch, requestGUID: requestGUID)
                    if self.inFlight[requestGUID] != nil { self.inFlight[requestGUID] = batch }
                }
            }
        }
        if !inFlight.isEmpty { scheduleRetryCheck() }
    }

    // MARK: Health

    /// Records a health event in the SDK's own tracker and tells the observer.
    private func recordHealth(
        _ name: String, reason: String? = nil, events: UInt64 = 0, batches: UInt64 = 0,
        timeToConnect: TimeAmount = .zero
    ) {
        health.record(name, reason: reason, events: events, batches: batches, timeToConnect: timeToConnect)
        observer?.health(name: name, reason: reason, at: now)
    }

    private func storeHealthBatch() {
        let aggregates = health.drain()
        guard !aggregates.isEmpty else { return }
        for (key, counts) in aggregates.sorted(by: { ($0.0.name, $0.0.reason ?? "") < ($1.0.name, $1.0.reason ?? "") })
        {
            var event = HealthEvent()
            requestCounter += 1
            event.eventGuid = "\(deviceID)-health-\(requestCounter)"
            event.eventTimestamp = ProtoTimestamp(date: wallClock(now))
            event.eventName = key.name
            event.failureReason = key.reason ?? ""
            // Connection events count occurrences; funnel events count the events they concern.
            event.eventCount = counts.events > 0 ? counts.events : counts.occurrences
            event.batchCount = counts.batches
            event.timeToConnectionMs = UInt32(min(counts.meanTimeToConnectMilliseconds.rounded(), Double(UInt32.max)))
            var wrapped = RaccoonEvent()
            wrapped.eventBytes = (try? event.serializedData()) ?? Data()
            wrapped.type = EventContracts.eventType(for: HealthEvent.self, appPrefix: configuration.appPrefix)
            wrapped.eventName = HealthEvent.contractName
            _ = store.insert(guid: event.eventGuid, eventClass: .internal, event: wrapped, intendedAt: now)
        }
        flush(.internal, force: true)
    }

    // MARK: Connection

    private func perform(_ actions: [ConnectionStateMachine.Action]) {
        for action in actions {
            switch action {
            case .connect:
                connectStartedAt = now
                recordHealth("Connection Attempt")
                observer?.connection(.attempt, at: now)
                transport.connect(headers: headers) { [weak self] event in self?.transportEvent(event) }
            case .close(let code, let reason):
                transport.close(code: code, reason: reason)
                recordHealth("Connection Dropped", reason: reason)
                observer?.connection(.closed(code: nil, reason: reason), at: now)
            }
        }
        scheduleConnectionTimer()
    }

    /// Keeps one timer at the state machine's next wakeup; an unchanged wakeup keeps its timer
    /// (cancelling is linear in the loop's timers, and this runs on every connection event).
    private func scheduleConnectionTimer() {
        let wakeup = stopped ? nil : connection.nextWakeup
        guard wakeup != connectionTimerDeadline else { return }
        connectionTimer?.cancel()
        connectionTimer = nil
        connectionTimerDeadline = wakeup
        guard let wakeup else { return }
        connectionTimer = eventLoop.assumeIsolated().scheduleTask(deadline: wakeup) {
            self.connectionTimer = nil
            self.connectionTimerDeadline = nil
            self.perform(self.connection.timerFired(now: self.now))
        }
    }

    private func transportEvent(_ event: TransportEvent) {
        guard !stopped else { return }
        switch event {
        case .connected:
            let took = connectStartedAt.map { now - $0 } ?? .zero
            recordHealth("Connection Success", timeToConnect: took)
            observer?.connection(.connected(timeToConnect: took), at: now)
            perform(connection.connected(now: now))
        case .connectFailed(let failure):
            recordHealth("Connection Failure", reason: failure.description)
            observer?.connection(.failed(reason: failure.description), at: now)
            perform(connection.connectFailed(now: now))
        case .received(let buffer):
            received(buffer)
        case .closed(let code, let reason):
            if code == 1008 { recordHealth("Connection Failure", reason: "max_user_limit_reached") }
            recordHealth("Connection Dropped", reason: reason)
            observer?.connection(.closed(code: code, reason: reason), at: now)
            perform(connection.closedByPeer(now: now))
        }
    }
}
