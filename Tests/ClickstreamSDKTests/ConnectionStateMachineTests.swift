import ClickstreamSDK
import NIOCore
import Testing

/// Drives a state machine on a virtual timeline: `advance` fires every wakeup up to a time.
struct Timeline {
    var machine: ConnectionStateMachine
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var log: [(seconds: Double, action: ConnectionStateMachine.Action)] = []
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    init(_ flavor: SDKFlavor, _ conditions: DeviceConditions = DeviceConditions()) {
        machine = ConnectionStateMachine(configuration: .defaults(for: flavor), conditions: conditions)
    }

    var seconds: Double { Double((now - start).nanoseconds) / 1e9 }

    mutating func record(_ actions: [ConnectionStateMachine.Action]) {
        for action in actions { log.append((seconds, action)) }
    }

    mutating func advance(to seconds: Double) {
        let target = start + .nanoseconds(Int64(seconds * 1e9))
        while let wakeup = machine.nextWakeup, wakeup <= target {
            now = wakeup
            record(machine.timerFired(now: now))
        }
        now = target
    }

    mutating func startMachine() { record(machine.start(now: now)) }
    mutating func failConnect() { record(machine.connectFailed(now: now)) }
    mutating func succeed() { record(machine.connected(now: now)) }
    mutating func drop() { record(machine.closedByPeer(now: now)) }
    mutating func change(_ change: (inout DeviceConditions) -> Void) {
        var conditions = machine.conditions
        change(&conditions)
        record(machine.conditionsChanged(conditions, now: now))
    }

    /// Times (in seconds from the start) at which the machine asked to connect.
    var connectTimes: [Double] { log.filter { $0.action == .connect }.map(\.seconds) }
    var closes: [(Double, String)] {
        log.compactMap { if case .close(_, let reason) = $0.action { ($0.seconds, reason) } else { nil } }
    }
}

@Suite("Connection state machine: Android")
struct AndroidConnectionTests {
    @Test("the exact backoff sequence: 1, 2, 4, 8, 16, 32, 60, 60 seconds")
    func exactBackoff() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        var attempts: [Double] = [0]
        for _ in 0..<8 {
            timeline.failConnect()
            let failedAt = timeline.seconds
            let wakeup = timeline.machine.nextWakeup!
            timeline.advance(to: failedAt + Double((wakeup - timeline.now).nanoseconds) / 1e9)
            attempts.append(timeline.connectTimes.last! - failedAt)
        }
        #expect(Array(attempts.dropFirst()) == [1, 2, 4, 8, 16, 32, 60, 60])
    }

    @Test("a success resets the backoff; a drop is retried after 1 s")
    func resetOnSuccess() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.failConnect()
        timeline.advance(to: 1)
        timeline.failConnect()
        timeline.advance(to: 3)
        #expect(timeline.connectTimes == [0, 1, 3])
        timeline.succeed()
        #expect(timeline.machine.failures == 0)
        timeline.advance(to: 100)
        timeline.drop()
        timeline.advance(to: 102)
        #expect(timeline.connectTimes == [0, 1, 3, 101])
    }

    @Test("a low battery does not close the socket (batches are skipped instead)")
    func lowBatteryKeepsSocket() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.succeed()
        timeline.change { $0.batteryLevel = 5 }
        timeline.advance(to: 600)
        #expect(timeline.closes.isEmpty)
        #expect(timeline.machine.state == .connected)
    }

    @Test("backgrounded: closes after the 10 s throttle with 'App is paused'; back in time, it stays")
    func background() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.succeed()
        timeline.advance(to: 20)
        timeline.change { $0.foreground = false }
        timeline.advance(to: 25)
        timeline.change { $0.foreground = true }
        timeline.advance(to: 60)
        #expect(timeline.closes.isEmpty)
        timeline.change { $0.foreground = false }
        timeline.advance(to: 69.9)
        #expect(timeline.closes.isEmpty)
        timeline.advance(to: 70)
        #expect(timeline.closes.map(\.0) == [70])
        #expect(timeline.closes.map(\.1) == ["App is paused"])
        timeline.advance(to: 500)
        #expect(timeline.connectTimes == [0])
        timeline.change { $0.foreground = true }
        #expect(timeline.connectTimes == [0, 500])
    }

    @Test("no network: no dialing; the network's return dials at once")
    func noNetwork() {
        var timeline = Timeline(.android, DeviceConditions(networkReachable: false))
        timeline.startMachine()
        timeline.advance(to: 300)
        #expect(timeline.connectTimes.isEmpty)
        timeline.change { $0.networkReachable = true }
        #expect(timeline.connectTimes == [300])
    }
}

@Suite("Connection state machine: iOS")
struct IOSConnectionTests {
    @Test("a failed connect is retried on the keepalive tick: 3 s times the network factor")
    func keepaliveTick() {
        for (network, tick) in [(NetworkKind.wifi, 3.0), (.cellular4G, 3.9), (.cellular3G, 4.8), (.cellular2G, 6.6)] {
            var timeline = Timeline(.ios, DeviceConditions(network: network))
            timeline.startMachine()
            timeline.failConnect()
            timeline.advance(to: tick - 0.001)
            #expect(timeline.connectTimes == [0], "\(network)")
            timeline.advance(to: tick + 0.001)
            #expect(timeline.connectTimes.count == 2, "\(network)")
            #expect(abs(timeline.connectTimes[1] - tick) < 1e-6, "\(network)")
        }
    }

    @Test("a low battery closes the socket; ticks do not reconnect until it recovers or charges")
    func lowBattery() {
        var timeline = Timeline(.ios)
        timeline.startMachine()
        timeline.succeed()
        timeline.advance(to: 10)
        timeline.change { $0.batteryLevel = 9 }
        #expect(timeline.closes.map(\.1) == ["low_battery"])
        timeline.advance(to: 60)
        #expect(timeline.connectTimes == [0])
        timeline.change { $0.charging = true }
        #expect(timeline.connectTimes == [0, 60])
    }

    @Test("losing the network closes the socket; its return reconnects")
    func network() {
        var timeline = Timeline(.ios)
        timeline.startMachine()
        timeline.succeed()
        timeline.change { $0.networkReachable = false }
        #expect(timeline.closes.map(\.1) == ["network_unavailable"])
        timeline.advance(to: 30)
        timeline.change { $0.networkReachable = true }
        #expect(timeline.connectTimes == [0, 30])
    }

    @Test("backgrounded: closes after 8 s")
    func background() {
        var timeline = Timeline(.ios)
        timeline.startMachine()
        timeline.succeed()
        timeline.advance(to: 4)
        timeline.change { $0.foreground = false }
        timeline.advance(to: 11.9)
        #expect(timeline.closes.isEmpty)
        timeline.advance(to: 12)
        #expect(timeline.closes.map(\.0) == [12])
        timeline.advance(to: 120)
        #expect(timeline.connectTimes == [0])
    }

    @Test("CODE_MAX_CONNECTION_LIMIT_REACHED forces a reconnect")
    func maxConnections() {
        var machine = ConnectionStateMachine(configuration: .defaults(for: .ios), conditions: DeviceConditions())
        let now = NIODeadline.uptimeNanoseconds(0)
        #expect(machine.start(now: now) == [.connect])
        #expect(machine.connected(now: now).isEmpty)
        #expect(
            machine.maxConnectionsAnswer(now: now) == [
                .close(code: 1000, reason: "max_connection_limit_reached"), .connect,
            ])
        #expect(machine.state == .connecting)
    }
}
