import Foundation
import NIOCore
import RaccoonWire
import SwarmPrimitives

/// The SDK's delivery logic, both flavors, as a pure state machine: batching, sending, acks,
/// timeouts, retries, the background rules and health, decided from its `DeliveryPolicy` and
/// `HealthPolicy` (never from the flavor itself).
///
/// Every input takes the time and the phone's tables (`DeliveryTables`, the store that survives a
/// kill) and returns the actions for its owner to carry out: writes, timers, funnel steps for the
/// observer, health events, requests to the connection. It has no event loop, no clock and no
/// I/O: the owner (`ClickstreamSDK.run(_:)`) feeds the outcome of a write back through `written`.
public struct DeliveryStateMachine: Sendable {
    /// The app's side of the lifecycle; each case carries its timers.
    public enum State: Equatable, Sendable {
        /// Created, not started, or started in the background.
        case idle
        case foreground(Foreground)
        case background(since: NIODeadline)
        /// The app was killed: nothing more happens.
        case killed
    }

    public struct Foreground: Equatable, Sendable {
        /// Android's foreground session: its batches' acks reach the rows only while it lasts.
        public var session: UInt64
        public var since: NIODeadline
        /// Each batch timer's next deadline (Android: one ticker; iOS: one per priority).
        public var ticks: [NIODeadline]
    }

    /// What the SDK believes of its socket.
    public enum Socket: Equatable, Sendable {
        case down
        case up
        /// iOS after a drop with no close frame: still "connected" until a write fails.
        case upUntilWriteFails
    }

    public enum TimerID: Hashable, Sendable {
        /// A batch timer, by index (Android's single ticker is 0).
        case batch(Int)
        /// Android: one batch's 10 s ack timer.
        case ackTimeout(String)
        /// iOS: the staleness check.
        case sweep
        /// iOS: one spaced resend of a sweep, by ticket.
        case resend(UInt64)
    }

    public struct Write: Equatable, Sendable {
        public var requestGUID: String
        /// The events, each as its request keeps it (the SDK serializes them with a fresh
        /// `sent_time`).
        public var entries: [EventEntry]
        /// A QoS0 event: written once, never cached.
        public var instant: Bool

        public var count: Int { entries.count }
    }

    public enum Action: Equatable, Sendable {
        /// Write this request with a fresh `sent_time`, then report the outcome to `written`.
        case write(Write)
        /// Call `timerFired(id, scheduledFor: at, ...)` at `at`. Timers are never cancelled: a
        /// timer whose deadline is no longer the machine's finds nothing to do.
        case schedule(TimerID, at: NIODeadline)
        case funnel([EventRef], FunnelStep)
        case detail([EventRef], FunnelDetail)
        case health(HealthRecord)
        /// iOS `establishConnection()`: the background flush wants a socket.
        case requestConnection
        /// iOS `terminateConnection()`: a code-4 answer on a socket that carried a write.
        case terminateConnection
        /// iOS: a write on a socket believed open failed; the socket is gone.
        case socketFailed
    }

    /// iOS: the staleness check, from the connect on; `armedAt` only while the cache is not
    /// empty (an empty check does nothing, so it is not run).
    struct Sweep: Equatable, Sendable {
        var anchor: NIODeadline
        var armedAt: NIODeadline?
    }

    /// The request the socket's single write callback answers for (iOS `SocketHandler.swift:145-149`).
    struct LastWrite: Equatable, Sendable {
        var guid: String
        var count: Int
        var kind: PendingRequest.Kind
        var instant: Bool
    }

    public let policy: DeliveryPolicy
    public let healthPolicy: HealthPolicy
    let connectionDrop: ConnectionPolicy.Drop
    let deviceID: String
    public internal(set) var state = State.idle
    public internal(set) var socket = Socket.down
    /// Android's `isSocketConnected()` flag (updated only while its observer runs).
    public internal(set) var socketFlag = false
    var conditions: DeviceConditions
    var battery: BatteryWatch
    var sweep: Sweep?
    /// iOS regulator totals for this launch: serialized bytes and events stored.
    var regulatorBytes = 0
    var regulatorEvents = 0
    /// Instant writes not answered yet, in write order (observation only: the SDKs forget them).
    var instantWrites: [(guid: String, refs: [EventRef])] = []
    /// iOS: the copies a sweep scheduled for resending, by ticket (lost at a kill).
    var resends: [UInt64: PendingRequest] = [:]
    var nextTicket: UInt64 = 0
    var sessions: UInt64 = 0
    /// Android: the foreground session whose batches still reach the rows.
    var activeSession: UInt64?
    var skipNextTick = false
    var lastWrite: LastWrite?
    /// iOS: the background flush waits for the next connect.
    var flushOnConnect = false
    var connectAskedAt: NIODeadline?

    public init(configuration: SDKConfiguration, deviceID: String, conditions: DeviceConditions) {
        policy = configuration.delivery
        healthPolicy = configuration.health
        connectionDrop = configuration.connection.drop
        self.deviceID = deviceID
        self.conditions = conditions
        battery = BatteryWatch(
            rule: configuration.delivery.battery, minimum: configuration.minBatteryLevel, conditions: conditions)
    }

    /// Whether the battery counts as low, by the flavor's rule.
    public var batteryLow: Bool { battery.low }

    /// A timer armed by a `.schedule` action fired.
    public mutating func timerFired(
        _ id: TimerID, scheduledFor: NIODeadline, now: NIODeadline, wallTime: Date, tables: inout DeliveryTables
    ) -> [Action] {
        switch id {
        case .batch(let index): return tick(index, scheduledFor: scheduledFor, now: now, tables: &tables)
        case .ackTimeout(let guid): return ackTimedOut(guid, scheduledFor: scheduledFor, now: now, tables: &tables)
        case .sweep: return sweepFired(scheduledFor: scheduledFor, now: now, tables: &tables)
        case .resend(let ticket): return resend(ticket, now: now, tables: &tables)
        }
    }

    /// Every app event the SDK still holds and may yet deliver: the store's rows (in flight or
    /// not, the iOS retry cache's included) and the instant events written but not answered.
    public func pendingEvents(_ tables: DeliveryTables) -> [EventRef] {
        var pending = tables.appEventRefs
        for write in instantWrites { pending += write.refs }
        return pending
    }

    /// The instant events written and not answered.
    public var unansweredInstants: [EventRef] { instantWrites.flatMap(\.refs) }

    // MARK: Helpers shared by the inputs

    /// A new req_guid. The sequence lives in the store so that it never repeats across launches
    /// (the iOS retry cache keeps its req_guids through a kill).
    mutating func nextRequestGUID(_ tables: inout DeliveryTables) -> String {
        if tables.requestPrefix.isEmpty { tables.requestPrefix = "\(deviceID)-" }
        tables.requestSequence += 1
        return "\(deviceID)-\(tables.requestSequence)"
    }

    /// Records one health event if the flavor emits it, into the store and for the observer.
    mutating func record(
        _ event: HealthEventName, reason: String? = nil, events: Int = 0, batches: Int = 0,
        batchGUID: String? = nil, timeToConnection: TimeAmount? = nil, actions: inout [Action],
        _ tables: inout DeliveryTables
    ) {
        guard healthPolicy.enabled, let entry = healthPolicy.entries[event.ordinal] else { return }
        let record = HealthRecord(
            event: event, name: entry.name, kind: entry.kind, reason: reason, events: UInt64(max(0, events)),
            batches: UInt64(max(0, batches)), batchGUID: batchGUID, timeToConnection: timeToConnection)
        tables.health.record(record)
        actions.append(.health(record))
    }

    /// iOS `isAvailble`: reachable, connected and not low, recording "Batch Trigger Failed" for
    /// each reason it is not (`WebsocketRetryMechanism.swift:25-63`: a low battery with no
    /// socket records `low_battery` twice).
    mutating func available(_ actions: inout [Action], _ tables: inout DeliveryTables) -> Bool {
        let reachable = conditions.networkReachable
        let connected = socket != .down
        let low = battery.low
        if !reachable { record(.batchTriggerFailed, reason: "network_unavailable", actions: &actions, &tables) }
        if !connected {
            record(.batchTriggerFailed, reason: low ? "low_battery" : "socket_not_open", actions: &actions, &tables)
        }
        if low { record(.batchTriggerFailed, reason: "low_battery", actions: &actions, &tables) }
        return reachable && connected && !low
    }

    var isForeground: Bool {
        if case .foreground = state { return true }
        return false
    }

    var isKilled: Bool { state == .killed }
}
