import ClickstreamSDK
import NIOCore
import Testing

/// Drives a connection state machine on a virtual timeline, with no loop and no socket:
/// `advance` fires every wakeup up to a time.
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
        let target = start + .nanoseconds(Int64((seconds * 1e9).rounded()))
        while let wakeup = machine.nextWakeup, wakeup <= target {
            now = wakeup
            record(machine.timerFired(now: now))
        }
        now = target
    }

    mutating func startMachine() { record(machine.start(now: now)) }
    mutating func failConnect() { record(machine.connectFailed(now: now)) }
    mutating func succeed() { record(machine.connected(now: now)) }
    mutating func drop(code: Int? = nil) { record(machine.closedByPeer(code: code, now: now)) }
    mutating func change(_ change: (inout DeviceConditions) -> Void) {
        var conditions = machine.conditions
        change(&conditions)
        record(machine.conditionsChanged(conditions, now: now))
    }

    /// Times (in seconds from the start) at which the machine asked to connect.
    var connectTimes: [Double] {
        log.filter { if case .connect = $0.action { true } else { false } }.map(\.seconds)
    }
    var closes: [(Double, String)] {
        log.compactMap { if case .close(_, _, let label) = $0.action { ($0.seconds, label) } else { nil } }
    }
    var aborts: [(Double, String)] {
        log.compactMap { if case .abort(let label) = $0.action { ($0.seconds, label) } else { nil } }
    }
}

@Suite("Connection state machine: Android (Scarlet 0.1.10 under the SDK's lifecycle)")
struct AndroidConnectionTests {
    @Test("DefaultCServiceLocator.kt:98-104: nothing dials until the foreground held for 10 s")
    func debounce() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.advance(to: 9.999)
        #expect(timeline.connectTimes.isEmpty)
        timeline.advance(to: 10)
        #expect(timeline.connectTimes == [10])
    }

    @Test("a 9 s session never connects; a 9 s background never closes (a true debounce)")
    func shortStates() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.advance(to: 9)
        timeline.change { $0.foreground = false }
        timeline.advance(to: 200)
        #expect(timeline.connectTimes.isEmpty)
        timeline.change { $0.foreground = true }
        timeline.advance(to: 210)
        #expect(timeline.connectTimes == [210])
        timeline.succeed()
        timeline.change { $0.foreground = false }
        timeline.advance(to: 219)
        timeline.change { $0.foreground = true }
        timeline.advance(to: 300)
        #expect(timeline.closes.isEmpty)
        timeline.change { $0.foreground = false }
        timeline.advance(to: 310)
        #expect(timeline.closes.map(\.0) == [310])
        #expect(timeline.closes.map(\.1) == ["App is paused"])
    }

    @Test("ExponentialBackoffStrategy.kt:17-23: 1, 2, 4, 8, 16, 32, 60, 60 s, no jitter")
    func exactBackoff() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.advance(to: 10)
        var gaps: [Double] = []
        for _ in 0..<8 {
            timeline.failConnect()
            let failedAt = timeline.seconds
            let wakeup = timeline.machine.nextWakeup!
            timeline.advance(to: failedAt + Double((wakeup - timeline.now).nanoseconds) / 1e9)
            gaps.append(timeline.connectTimes.last! - failedAt)
        }
        #expect(gaps == [1, 2, 4, 8, 16, 32, 60, 60])
    }

    @Test("Connection.kt:137-146: a success resets the backoff; a drop after an open waits 1 s, then 2 s")
    func dropAfterOpen() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.advance(to: 10)
        timeline.failConnect()
        timeline.advance(to: 11)
        timeline.succeed()
        timeline.advance(to: 100)
        timeline.drop(code: 1008)
        timeline.advance(to: 101)
        timeline.failConnect()
        timeline.advance(to: 103)
        #expect(timeline.connectTimes == [10, 11, 101, 103])
    }

    @Test("a lifecycle change during a connect is taken when the connect resolves")
    func noChangeWhileConnecting() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.advance(to: 10)
        timeline.change { $0.foreground = false }
        timeline.advance(to: 25)
        #expect(timeline.closes.isEmpty)
        timeline.succeed()
        #expect(timeline.closes.map(\.0) == [25])
    }

    @Test("a low battery does not close the socket (batches are skipped instead)")
    func lowBatteryKeepsSocket() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.advance(to: 10)
        timeline.succeed()
        timeline.change { $0.batteryLevel = 5 }
        timeline.advance(to: 600)
        #expect(timeline.closes.isEmpty && timeline.aborts.isEmpty)
        #expect(timeline.machine.isConnected)
    }

    @Test("CSConnectivityOnLifecycle.kt:46-54: no network aborts the socket, no close frame; its return dials at once")
    func network() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.advance(to: 10)
        timeline.succeed()
        timeline.advance(to: 20)
        timeline.change { $0.networkReachable = false }
        #expect(timeline.aborts.map(\.1) == ["network_unavailable"])
        timeline.advance(to: 300)
        timeline.change { $0.networkReachable = true }
        #expect(timeline.connectTimes == [10, 300])
    }

    @Test("the connect asks for the sample app's client: 5 s connect timeout, 1 s pings")
    func options() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.advance(to: 10)
        #expect(
            timeline.log.first?.action
                == .connect(ConnectOptions(connectTimeout: .seconds(5), ping: PingPolicy(interval: .seconds(1)))))
    }

    @Test("a kill drops the open socket without a close frame")
    func kill() {
        var timeline = Timeline(.android)
        timeline.startMachine()
        timeline.advance(to: 10)
        timeline.succeed()
        #expect(timeline.machine.kill() == [.abort(label: "app_killed")])
        #expect(timeline.machine.nextWakeup == nil)
    }
}

@Suite("Connection state machine: iOS (WebsocketRetryMechanism, 2.0.92)")
struct IOSConnectionTests {
    @Test("KeepAliveService.swift:37,64-65: a failed connect is redialled on the 3 s × factor keepalive")
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

    @Test("WebsocketRetryMechanism.swift:142-144: a connect slower than the keepalive is abandoned and redialled")
    func abandonsSlowConnect() {
        var timeline = Timeline(.ios)
        timeline.startMachine()
        timeline.advance(to: 10)
        #expect(timeline.connectTimes == [0, 3, 6, 9])
        timeline.succeed()
        timeline.advance(to: 60)
        #expect(timeline.connectTimes.count == 4)
    }

    @Test("DeviceStatusNotifier.swift:42-53: a low battery closes; recovering waits for the keepalive")
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
        #expect(timeline.connectTimes == [0], "establishConnection is a no-op while the object lingers")
        timeline.advance(to: 63)
        #expect(timeline.connectTimes == [0, 63])
    }

    @Test("an app launched below 10% connects: the low flag starts false until a battery change")
    func launchedLow() {
        var timeline = Timeline(.ios, DeviceConditions(batteryLevel: 5))
        timeline.startMachine()
        #expect(timeline.connectTimes == [0])
        timeline.succeed()
        timeline.change { $0.network = .cellular4G }
        #expect(timeline.closes.isEmpty, "no battery notification yet")
        timeline.change { $0.batteryLevel = 4.5 }
        #expect(timeline.closes.map(\.1) == ["low_battery"])
    }

    @Test("WebsocketRetryMechanism.swift:104-118: losing the network closes (1000); its return waits for the keepalive")
    func network() {
        var timeline = Timeline(.ios)
        timeline.startMachine()
        timeline.succeed()
        timeline.change { $0.networkReachable = false }
        #expect(timeline.closes.map(\.1) == ["network_unavailable"])
        timeline.advance(to: 30.5)
        timeline.change { $0.networkReachable = true }
        timeline.advance(to: 33)
        #expect(timeline.connectTimes == [0, 33])
    }

    @Test("resign-active suspends the keepalive and closes after 8 s; back in time, nothing closes")
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
        timeline.change { $0.foreground = true }
        #expect(timeline.connectTimes == [0, 120])
        timeline.succeed()
        timeline.change { $0.foreground = false }
        timeline.advance(to: 127)
        timeline.change { $0.foreground = true }
        timeline.advance(to: 200)
        #expect(timeline.closes.count == 1)
    }

    @Test("SocketHandler.swift:213-233: a drop with no close frame stays connected; a close frame does not")
    func drops() {
        var timeline = Timeline(.ios)
        timeline.startMachine()
        timeline.succeed()
        timeline.drop()
        timeline.advance(to: 30)
        #expect(timeline.machine.isConnected)
        #expect(timeline.connectTimes == [0])
        timeline.record(timeline.machine.socketFailed(now: timeline.now))
        timeline.advance(to: 33)
        #expect(timeline.connectTimes == [0, 33])
        timeline.succeed()
        timeline.drop(code: 1008)
        #expect(!timeline.machine.isConnected)
        timeline.advance(to: 36)
        #expect(timeline.connectTimes == [0, 33, 36])
    }

    @Test("code 4: terminate, then establishConnection is a no-op; the keepalive redials")
    func codeFour() {
        var timeline = Timeline(.ios)
        timeline.startMachine()
        timeline.succeed()
        timeline.advance(to: 1)
        timeline.record(timeline.machine.terminate(now: timeline.now, label: "max_connection_limit_reached"))
        timeline.record(timeline.machine.establish(now: timeline.now))
        #expect(timeline.connectTimes == [0])
        timeline.advance(to: 3)
        #expect(timeline.connectTimes == [0, 3])
    }
}
