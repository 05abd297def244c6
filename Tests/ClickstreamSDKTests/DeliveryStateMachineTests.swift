import ClickstreamSDK
import Foundation
import NIOCore
import RaccoonWire
import Testing

/// The delivery state machine on its own: inputs in, actions out, no loop, no transport.
struct DeliveryBench {
    var machine: DeliveryStateMachine
    var tables = DeliveryTables()
    var now = NIODeadline.uptimeNanoseconds(0)
    var sequence: UInt64 = 0

    init(_ flavor: SDKFlavor, change: (inout SDKConfiguration) -> Void = { _ in }) {
        var configuration = SDKConfiguration.defaults(for: flavor)
        change(&configuration)
        machine = DeliveryStateMachine(configuration: configuration, deviceID: "bench", conditions: DeviceConditions())
    }

    var wall: Date { Date(timeIntervalSince1970: 1_767_225_600 + Double(now.uptimeNanoseconds) / 1e9) }

    mutating func at(_ seconds: Double) { now = .uptimeNanoseconds(UInt64((seconds * 1e9).rounded())) }

    mutating func start() -> [DeliveryStateMachine.Action] { machine.start(now: now, tables: &tables) }

    mutating func track(_ eventClass: EventClass = .realTime, timestamp: Int64 = 0) -> [DeliveryStateMachine.Action] {
        var event = RaccoonEvent()
        event.eventBytes = Data("event \(sequence)".utf8)
        event.type = "buttonclick"
        let tracked = TrackedEvent(
            guid: "g\(sequence)", eventClass: eventClass, event: event, intendedAt: now, timestamp: timestamp)
        sequence += 1
        return machine.track(tracked, now: now, tables: &tables)
    }

    mutating func fire(_ id: DeliveryStateMachine.TimerID, at seconds: Double) -> [DeliveryStateMachine.Action] {
        at(seconds)
        return machine.timerFired(id, scheduledFor: now, now: now, wallTime: wall, tables: &tables)
    }

    mutating func opened() -> [DeliveryStateMachine.Action] {
        machine.socketOpened(now: now, wallTime: wall, tables: &tables)
    }

    mutating func written(_ write: DeliveryStateMachine.Write, ok: Bool = true) -> [DeliveryStateMachine.Action] {
        machine.written(write, ok: ok, now: now, tables: &tables)
    }

    static func writes(_ actions: [DeliveryStateMachine.Action]) -> [DeliveryStateMachine.Write] {
        actions.compactMap { if case .write(let write) = $0 { write } else { nil } }
    }

    static func schedules(_ actions: [DeliveryStateMachine.Action]) -> [(DeliveryStateMachine.TimerID, NIODeadline)] {
        actions.compactMap { if case .schedule(let id, let at) = $0 { (id, at) } else { nil } }
    }

    static func healthNames(_ actions: [DeliveryStateMachine.Action]) -> [String] {
        actions.compactMap { if case .health(let record) = $0 { record.name } else { nil } }
    }
}

@Suite("Delivery state machine: pure inputs and actions")
struct DeliveryStateMachineTests {
    @Test("Android start: Connection Attempt and the ticker at +10 ms (CSForegroundEventScheduler.kt:196)")
    func androidStart() {
        var bench = DeliveryBench(.android)
        let actions = bench.start()
        #expect(DeliveryBench.healthNames(actions) == ["Clickstream Connection Attempt"])
        #expect(DeliveryBench.schedules(actions).map(\.1) == [.uptimeNanoseconds(10_000_000)])
    }

    @Test("Android tick: Batch Created, batched, one write of the 20 newest; the outcome arms the 10 s timer")
    func androidTick() throws {
        var bench = DeliveryBench(.android)
        _ = bench.start()
        for second in 0..<22 { _ = bench.track(timestamp: Int64(second)) }
        _ = bench.fire(.batch(0), at: 0.01)  // a launch's first tick sees no rows
        _ = bench.opened()
        let actions = bench.fire(.batch(0), at: 10.01)
        #expect(DeliveryBench.healthNames(actions) == ["Clickstream Event Batch Created"])
        let write = try #require(DeliveryBench.writes(actions).first)
        #expect(write.count == 20 && !write.instant)
        #expect(
            bench.tables.allRows.filter { $0.inFlight == write.requestGUID }.map(\.guid) == (2..<22).map { "g\($0)" })
        let outcome = bench.written(write)
        #expect(DeliveryBench.healthNames(outcome) == ["ClickStream Batch Sent"])
        #expect(DeliveryBench.schedules(outcome).map(\.0) == [.ackTimeout(write.requestGUID)])
        #expect(DeliveryBench.schedules(outcome).map(\.1) == [.uptimeNanoseconds(20_010_000_000)])
        // A write that reached no socket: no Batch Sent, and the timer all the same.
        let silent = bench.written(write, ok: false)
        #expect(DeliveryBench.healthNames(silent).isEmpty)
        #expect(DeliveryBench.schedules(silent).count == 1)
    }

    @Test("Android background: every row re-stamped in flight under one new guid, nothing written")
    func androidRestamp() {
        var bench = DeliveryBench(.android)
        _ = bench.start()
        for _ in 0..<3 { _ = bench.track() }
        bench.at(2)
        var conditions = DeviceConditions()
        conditions.foreground = false
        let actions = bench.machine.conditionsChanged(
            conditions, now: bench.now, wallTime: bench.wall, tables: &bench.tables)
        #expect(DeliveryBench.writes(actions).isEmpty)
        let restamped = actions.compactMap {
            if case .detail(let refs, .restamped(let guid, nil, false)) = $0 { (refs.count, guid) } else { nil }
        }
        #expect(restamped.map(\.0) == [3])
        let guid = restamped.first?.1
        #expect(bench.tables.allRows.filter { !$0.isHealth }.allSatisfy { $0.inFlight == guid })
        // Health rows are built now, in flight under one more guid and unsent.
        let health = bench.tables.allRows.filter(\.isHealth)
        #expect(!health.isEmpty && health.allSatisfy { $0.inFlight != nil && $0.inFlight != guid })
        #expect(health.allSatisfy { $0.event.type == "health" && $0.timestamp == 1_767_225_602 })
    }

    @Test("iOS instant: one write and no timer, ever (WebsocketRetryMechanism.swift:165-167)")
    func iosInstant() throws {
        var bench = DeliveryBench(.ios)
        _ = bench.start()
        _ = bench.opened()
        let actions = bench.track(.instant)
        let write = try #require(DeliveryBench.writes(actions).first)
        #expect(write.instant)
        #expect(DeliveryBench.schedules(actions + bench.written(write)).isEmpty)
        #expect(bench.tables.requests.isEmpty && bench.tables.count == 0)
    }

    @Test("iOS check: n stale requests are resent (6 / n) / 2 s apart")
    func iosSpacing() {
        var bench = DeliveryBench(.ios)
        _ = bench.start()
        _ = bench.opened()
        var writes: [DeliveryStateMachine.Write] = []
        for second in [1.0, 2.0, 3.0, 4.0] {
            bench.at(second)
            writes += DeliveryBench.writes(bench.track(.priority("P0")))
        }
        for write in writes { _ = bench.written(write) }
        #expect(DeliveryBench.writes(bench.fire(.sweep, at: 6)).isEmpty, "5 s old at most: none stale")
        let actions = bench.fire(.sweep, at: 12)
        let resends = DeliveryBench.schedules(actions).filter { if case .resend = $0.0 { true } else { false } }
        #expect(resends.map { Double($0.1.uptimeNanoseconds) / 1e9 } == [12, 12.75, 13.5, 14.25])
        #expect(
            DeliveryBench.schedules(actions).contains { $0.0 == .sweep && $0.1 == .uptimeNanoseconds(18_000_000_000) })
    }

    @Test("iOS: an answer before any write on the socket reaches no one (SocketHandler.swift:145-149)")
    func iosNoWriteCallback() {
        var bench = DeliveryBench(.ios)
        _ = bench.start()
        _ = bench.opened()
        let response = SendEventResponse.make(
            status: .error, code: .maxConnectionLimitReached, sentTime: 0, reqGUID: "")
        #expect(bench.machine.answer(response, now: bench.now, tables: &bench.tables).isEmpty)
    }

    @Test("a kill: Android's retries die with the app, iOS's retry cache stays")
    func kill() {
        for flavor in SDKFlavor.allCases {
            var bench = DeliveryBench(flavor)
            _ = bench.start()
            _ = bench.opened()
            _ = bench.track(flavor == .ios ? .priority("P0") : .realTime)
            if flavor == .android {
                _ = bench.fire(.batch(0), at: 0.01)
                _ = bench.fire(.batch(0), at: 10.01)
            }
            #expect(bench.tables.requests.count == 1, "\(flavor)")
            _ = bench.machine.kill(now: bench.now, tables: &bench.tables)
            #expect(bench.tables.requests.count == (flavor == .ios ? 1 : 0), "\(flavor)")
            #expect(bench.tables.allRows.count == 1, "\(flavor): the row survives, in flight")
        }
    }
}
