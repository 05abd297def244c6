import ClickstreamSDK
import Foundation
import SwarmPrimitives
import Testing

@testable import Simulation

/// The device's environment without an event loop: battery, network windows, lifecycle state.
@Suite("Device environment")
struct DeviceEnvironmentTests {
    typealias Change = DeviceEnvironment.Change

    /// Wakes `environment` up at each of its wake-ups until `limit` wake-ups or none is left.
    static func walk(_ environment: inout DeviceEnvironment, from start: Double, limit: Int) -> [(
        time: Double, changes: [Change]
    )] {
        var wakeups: [(time: Double, changes: [Change])] = []
        var now = start
        while wakeups.count < limit, let next = environment.nextWakeup(now: now) {
            now = next
            wakeups.append((now, environment.advance(to: now)))
        }
        return wakeups
    }

    @Test("the battery crosses the SDK's minimum at the computed time, at the foreground or background rate")
    func batteryCrossing() throws {
        var scenario = DeviceFixtures.scenario()
        scenario.battery.drainForeground = 10
        scenario.battery.drainBackground = 1
        let profile = DeviceFixtures.profile(scenario, battery: 10.5)
        #expect(profile.configuration.minBatteryLevel == 10)

        var foreground = DeviceEnvironment(profile: profile, scenario: scenario, openModel: false)
        foreground.start(at: 100)
        foreground.enterForeground(at: 100)
        let crossing = try #require(foreground.nextWakeup(now: 100))
        // 0.5 points at 10 points an hour is 180 s; a millisecond past it, the level is below.
        #expect(abs(crossing - 280.001) < 1e-9)
        var early = foreground
        #expect(early.advance(to: crossing - 0.002).isEmpty)
        #expect(!early.conditions.batteryLow(minimum: 10))
        #expect(foreground.advance(to: crossing) == [.batteryLowEntered])
        #expect(foreground.conditions.batteryLow(minimum: 10))
        #expect(foreground.battery.level < 10 && foreground.battery.level > 9.999)
        // Below the minimum and draining, the level never crosses it again.
        #expect(foreground.nextWakeup(now: crossing) == nil)

        var background = DeviceEnvironment(profile: profile, scenario: scenario, openModel: false)
        background.start(at: 100)
        background.enterForeground(at: 100)
        background.enterBackground(at: 100)
        let slower = try #require(background.nextWakeup(now: 100))
        #expect(abs(slower - (100 + 1_800.001)) < 1e-9)
    }

    @Test("plugging in and out at the charge plan's times; charging ends the low state, unplugging below starts it")
    func chargingSwitch() {
        var scenario = DeviceFixtures.scenario()
        scenario.battery.drainForeground = 10
        scenario.battery.chargeStartPerHour = 1
        scenario.battery.chargeRate = 60
        scenario.battery.chargeDuration = .constant(30)
        var environment = DeviceEnvironment(
            profile: DeviceFixtures.profile(scenario, battery: 9), scenario: scenario, openModel: false)
        environment.start(at: 0)
        environment.enterForeground(at: 0)
        #expect(environment.conditions.batteryLow(minimum: 10))

        let wakeups = Self.walk(&environment, from: 0, limit: 4)
        // A certain start waits a second; plugged in, the phone is not low any more.
        #expect(wakeups.map(\.time) == [1, 31, 32, 62])
        #expect(
            wakeups.map(\.changes) == [
                [.batteryLowLeft, .pluggedIn], [.batteryLowEntered, .unplugged],
                [.batteryLowLeft, .pluggedIn], [.batteryLowEntered, .unplugged],
            ])
        // Two charges of 30 s at 60 points an hour and two seconds of drain: still below the minimum.
        #expect(abs(environment.battery.level - (9 + 1 - 20.0 / 3_600)) < 1e-9)
        #expect(environment.conditions.charging == false)
    }

    @Test("a charge that lifts the battery over the minimum wakes the device at the crossing")
    func chargingCrossing() {
        var scenario = DeviceFixtures.scenario()
        scenario.battery.chargeStartPerHour = 1
        scenario.battery.chargeRate = 36
        scenario.battery.chargeDuration = .constant(600)
        var environment = DeviceEnvironment(
            profile: DeviceFixtures.profile(scenario, battery: 9), scenario: scenario, openModel: false)
        environment.start(at: 0)
        environment.enterBackground(at: 0)
        let wakeups = Self.walk(&environment, from: 0, limit: 3)
        // One point at 36 points an hour takes 100 s after the plug-in at 1 s.
        #expect(wakeups.count == 3)
        #expect(abs(wakeups[1].time - 101.001) < 1e-9)
        #expect(wakeups.map(\.changes) == [[.batteryLowLeft, .pluggedIn], [], [.unplugged]])
        #expect(wakeups[2].time == 601)
        #expect(!environment.conditions.batteryLow(minimum: 10))
    }

    @Test("drops and offline windows follow the network stream: first drop, first window, then as they pass")
    func networkWindows() {
        let scenario = DeviceFixtures.scenario(seed: 17)
        let offlineEvery = Distribution.exponential(mean: 300)
        let offlineFor = Distribution.uniform(5, 30)
        let network = Scenario.NetworkProfile(
            kind: .cellular3G, latency: .constant(0.1), jitter: .zero, bandwidth: nil, dropsPerMinute: 0.3,
            offlineEvery: offlineEvery, offlineFor: offlineFor)
        let profile = DeviceFixtures.profile(scenario, network: network)
        var environment = DeviceEnvironment(profile: profile, scenario: scenario, openModel: false)
        let start = 40.0
        environment.start(at: start)
        environment.enterForeground(at: start)
        let wakeups = Self.walk(&environment, from: start, limit: 10_000)

        // The same numbers in the same order from a fresh copy of the stream.
        var random = profile.random(.network)
        var nextDrop = start + DeviceEnvironment.exponentialGap(perMinute: 0.3, &random)
        var offlineStart = start + offlineEvery.sample(using: &random)
        var offlineEnd = Double.infinity
        var expected: [(time: Double, changes: [Change])] = []
        while true {
            let time = min(nextDrop, offlineStart, offlineEnd)
            guard time < scenario.duration + scenario.drain else { break }
            var changes: [Change] = []
            if time >= nextDrop {
                nextDrop = time + DeviceEnvironment.exponentialGap(perMinute: 0.3, &random)
                changes.append(.linkDropDue)
            }
            if time >= offlineStart {
                offlineStart = .infinity
                offlineEnd = time + offlineFor.sample(using: &random)
                changes.append(.offline(until: offlineEnd))
            } else if time >= offlineEnd {
                offlineEnd = .infinity
                offlineStart = time + offlineEvery.sample(using: &random)
                changes.append(.online)
            }
            expected.append((time, changes))
        }
        #expect(wakeups.map(\.time) == expected.map(\.time))
        #expect(wakeups.map(\.changes) == expected.map(\.changes))

        // About -ln(0.7) drops a minute over the hour, and windows that end where they said.
        let drops = wakeups.filter { $0.changes.contains(.linkDropDue) }.count
        #expect((10...35).contains(drops))
        let windows = wakeups.compactMap { wakeup -> Double? in
            for case .offline(let until) in wakeup.changes { return until }
            return nil
        }
        let onlines = wakeups.filter { $0.changes.contains(.online) }.map(\.time)
        #expect(!windows.isEmpty)
        #expect(Array(windows.prefix(onlines.count)) == onlines)
    }

    @Test("the SDK's conditions follow the offline window and the foreground")
    func conditionsFollow() {
        let network = Scenario.NetworkProfile(
            kind: .cellular4G, latency: .constant(0.1), jitter: .zero, bandwidth: nil, dropsPerMinute: 0,
            offlineEvery: .constant(60), offlineFor: .constant(10))
        let scenario = DeviceFixtures.scenario()
        var environment = DeviceEnvironment(
            profile: DeviceFixtures.profile(scenario, network: network), scenario: scenario, openModel: false)
        #expect(environment.nextWakeup(now: 0) == nil)
        environment.start(at: 0)
        environment.enterForeground(at: 0)
        #expect(environment.conditions.foreground && environment.conditions.network == .cellular4G)
        let wakeups = Self.walk(&environment, from: 0, limit: 2)
        #expect(wakeups.map(\.time) == [60, 70])
        #expect(wakeups.map(\.changes) == [[.offline(until: 70)], [.online]])
        #expect(environment.conditions.networkReachable)
        var offline = environment
        _ = offline.advance(to: 130)
        #expect(!offline.conditions.networkReachable)
        #expect(!Change.linkDropDue.changesConditions && Change.online.changesConditions)
        environment.enterBackground(at: 75)
        #expect(!environment.conditions.foreground)
    }

    @Test("the next wake-up is never at the same instant twice, even when changes are due at once")
    func neverTheSameInstant() throws {
        let network = Scenario.NetworkProfile(
            kind: .wifi, latency: .constant(0.005), jitter: .zero, bandwidth: nil, dropsPerMinute: 1,
            offlineEvery: .constant(0), offlineFor: .constant(0))
        var scenario = DeviceFixtures.scenario()
        scenario.battery.chargeStartPerHour = 1
        scenario.battery.chargeDuration = .constant(0)
        var environment = DeviceEnvironment(
            profile: DeviceFixtures.profile(scenario, network: network), scenario: scenario, openModel: false)
        environment.start(at: 0)
        // A session starting late finds the window's start already passed.
        environment.enterForeground(at: 5)
        #expect(abs(try #require(environment.nextWakeup(now: 5)) - 5.001) < 1e-9)

        let wakeups = Self.walk(&environment, from: 5, limit: 500)
        #expect(wakeups.count == 500)
        var previous = 5.0
        for wakeup in wakeups {
            #expect(wakeup.time - previous >= 0.001 - 1e-9)
            previous = wakeup.time
        }
    }

    @Test("lifecycle: phases, session lengths and background stays from the lifecycle stream")
    func lifecycle() {
        var scenario = DeviceFixtures.scenario()
        scenario.lifecycle.background = .exponential(mean: 90)
        scenario.lifecycle.killInBackground = 1
        let profile = DeviceFixtures.profile(scenario)
        var environment = DeviceEnvironment(profile: profile, scenario: scenario, openModel: false)
        #expect(environment.phase == .waiting && !environment.isOnline)
        environment.start(at: 1)
        environment.enterForeground(at: 1)
        #expect(environment.phase == .foreground && environment.isOnline)
        // Closed model, no session length: the app stays in front.
        #expect(environment.drawSessionLength() == nil)
        environment.enterBackground(at: 2)
        #expect(environment.phase == .background && environment.isOnline)

        var random = profile.random(.lifecycle)
        let gap = Distribution.exponential(mean: 90).sample(using: &random)
        _ = random.nextUnit()
        let stay = environment.drawBackgroundStay()
        #expect(stay == .init(gap: gap, killAfter: gap * random.nextUnit()))
        environment.leave()
        #expect(environment.phase == .left && !environment.isOnline)
        environment.finish()
        #expect(environment.phase == .finished && environment.nextWakeup(now: 3) == nil)

        scenario.lifecycle.killInBackground = 0
        var open = DeviceEnvironment(profile: profile, scenario: scenario, openModel: true)
        var openRandom = profile.random(.lifecycle)
        // An open-model session always ends: a minute on average when the scenario says nothing.
        #expect(open.drawSessionLength() == Distribution.exponential(mean: 60).sample(using: &openRandom))
        #expect(open.drawBackgroundStay().killAfter == nil)
    }

    @Test(
        "iOS hears every whole-percent change of its level (DeviceStatusNotifier.swift:42-53); Android only crossings")
    func batteryNotifications() throws {
        var scenario = DeviceFixtures.scenario()
        scenario.battery.drainForeground = 3_600  // a point per second
        let ios = DeviceFixtures.profile(scenario, battery: 12.5, flavor: .ios)
        var environment = DeviceEnvironment(profile: ios, scenario: scenario, openModel: false)
        environment.start(at: 0)
        environment.enterForeground(at: 0)
        let wakeups = Self.walk(&environment, from: 0, limit: 4)
        // 12.5 -> below 12 at 0.5 s, below 11 at 1.5 s, below 10 (the minimum) at 2.5 s.
        #expect(wakeups.map { ($0.time * 1000).rounded() / 1000 } == [0.501, 1.501, 2.501, 3.501])
        #expect(wakeups[0].changes == [.batteryLevelChanged])
        #expect(wakeups[2].changes == [.batteryLowEntered, .batteryLevelChanged])
        #expect(wakeups.allSatisfy { $0.changes.allSatisfy(\.changesConditions) })
        let android = DeviceFixtures.profile(scenario, battery: 12.5, flavor: .android)
        var quiet = DeviceEnvironment(profile: android, scenario: scenario, openModel: false)
        quiet.start(at: 0)
        quiet.enterForeground(at: 0)
        let crossings = Self.walk(&quiet, from: 0, limit: 4)
        #expect(crossings.map(\.changes) == [[.batteryLowEntered]])
    }
}
