import ClickstreamSDK
import Foundation
import RaccoonWire
import SwarmPrimitives
import Testing

@testable import Simulation

@Suite("Population, arrivals and device models")
struct PopulationTests {
    static func scenario(devices: Int, seed: UInt64 = 9) -> Scenario {
        var scenario = Scenario(
            name: "p", duration: 60, population: .init(devices: devices),
            journeys: [
                .init(
                    name: "j", weight: 1, start: "a",
                    screens: ["a": .init(events: [], think: .constant(1), next: [])])
            ])
        scenario.seed = seed
        scenario.population.flavors = [.android: 0.3, .ios: 0.7]
        scenario.networks.mix = ["wifi": 0.5, "3g": 0.25, "2g": 0.25]
        scenario.population.identity = "user-{device}-{uuid}"
        return scenario
    }

    @Test("device i is the same whatever the device count")
    func deviceIndependentOfCount() {
        let small = Population(scenario: Self.scenario(devices: 10))
        let large = Population(scenario: Self.scenario(devices: 10_000))
        for index in 0..<10 {
            #expect(small.profile(index) == large.profile(index))
        }
        #expect(small.profile(3) != small.profile(4))
        #expect(Population(scenario: Self.scenario(devices: 10, seed: 10)).profile(3) != small.profile(3))
    }

    @Test("flavor and network shares come out as configured over many devices")
    func shares() {
        let population = Population(scenario: Self.scenario(devices: 20_000))
        var ios = 0
        var networks: [String: Int] = [:]
        var identities = Set<String>()
        for index in 0..<20_000 {
            let profile = population.profile(index)
            if profile.flavor == .ios { ios += 1 }
            networks[profile.networkName, default: 0] += 1
            identities.insert(profile.identity)
            #expect((30...100).contains(profile.initialBattery))
        }
        #expect(abs(Double(ios) / 20_000 - 0.7) < 0.02)
        #expect(abs(Double(networks["wifi"] ?? 0) / 20_000 - 0.5) < 0.02)
        #expect(abs(Double(networks["2g"] ?? 0) / 20_000 - 0.25) < 0.02)
        #expect(identities.count == 20_000)
        #expect(population.profile(7).identity.hasPrefix("user-7-"))
    }

    @Test("a ramp joins devices in index order and a ramp down removes the highest first")
    func closedPlan() {
        var scenario = Self.scenario(devices: 100)
        scenario.population.arrival = .stages([
            .init(target: 100, over: 10), .init(target: nil, over: 5, isHold: true), .init(target: 50, over: 10),
        ])
        let plan = ArrivalPlan(scenario: scenario)
        #expect(plan.transitions(of: 0) == [0])
        let middle = plan.transitions(of: 50)
        #expect(middle.count == 2 && middle[0] == 5 && abs(middle[1] - 24.8) < 1e-9)
        let last = plan.transitions(of: 99)
        #expect(last.count == 2)
        #expect(abs(last[0] - 9.9) < 1e-9)
        #expect(last[1] == 15)
        #expect(plan.transitions(of: 49) == [4.9])
        #expect(plan.target(at: 5) == 50)
        #expect(plan.target(at: 12) == 100)
        #expect(plan.target(at: 20) == 75)
        #expect(plan.target(at: 99) == 50)
    }

    @Test("the open model: Poisson arrivals at the configured rate, arrival k on device k mod count")
    func openPlan() {
        var scenario = Self.scenario(devices: 50)
        scenario.duration = 200
        scenario.population.arrival = .open(sessionsPerSecond: 20)
        let plan = ArrivalPlan(scenario: scenario)
        #expect(abs(Double(plan.arrivals.count) / 200 - 20) < 1.5)
        #expect(plan.arrivals == plan.arrivals.sorted())
        #expect(plan.sessions(of: 3).first == plan.arrivals[3])
        #expect(plan.sessions(of: 3).dropFirst().first == plan.arrivals[53])
        #expect(ArrivalPlan(scenario: scenario) == plan)
    }

    @Test("battery drains per hour by foreground and background, and charges while plugged in")
    func battery() {
        var spec = Scenario.Battery()
        spec.drainForeground = 20
        spec.drainBackground = 2
        spec.chargeRate = 60
        var model = BatteryModel(spec: spec, level: 50, charging: false, now: 0, random: SeededRandom(seed: 1))
        model.advance(from: 0, to: 1800, foreground: true)
        #expect(abs(model.level - 40) < 1e-9)
        model.advance(from: 1800, to: 3600, foreground: false)
        #expect(abs(model.level - 39) < 1e-9)
        #expect(!model.charging)
        #expect(model.nextChange == .infinity)

        spec.chargeDuration = .constant(600)
        var charging = BatteryModel(spec: spec, level: 95, charging: true, now: 0, random: SeededRandom(seed: 1))
        #expect(charging.nextChange == 600)
        let switched = charging.advance(from: 0, to: 900, foreground: true)
        #expect(switched)
        #expect(!charging.charging)
        // Charged to the 100% cap within 600 s, then 300 s of foreground drain.
        #expect(abs(charging.level - (100 - 20.0 * 300 / 3600)) < 1e-9)
    }

    @Test("a charge change due before the interval happens at its start, even for an empty interval")
    func batteryMissedChange() {
        var spec = Scenario.Battery()
        spec.chargeDuration = .constant(600)
        var model = BatteryModel(spec: spec, level: 50, charging: true, now: 0, random: SeededRandom(seed: 2))
        #expect(model.nextChange == 600)
        let switched = model.advance(from: 900, to: 900, foreground: true)
        #expect(switched)
        #expect(!model.charging)
        #expect(model.nextChange == .infinity)
        #expect(model.level == 50)
    }

    @Test("the threshold crossing is computed, not polled: draining down through it, charging up through it")
    func batteryCrossing() {
        var spec = Scenario.Battery()
        spec.drainForeground = 36
        spec.drainBackground = 3.6
        spec.chargeRate = 72
        let draining = BatteryModel(spec: spec, level: 13, charging: false, now: 0, random: SeededRandom(seed: 1))
        #expect(abs(draining.crossing(of: 10, after: 100, foreground: true) - (100 + 300 + 0.001)) < 1e-9)
        #expect(abs(draining.crossing(of: 10, after: 100, foreground: false) - (100 + 3000 + 0.001)) < 1e-9)
        #expect(draining.crossing(of: 20, after: 100, foreground: true) == .infinity)
        var model = draining
        model.advance(from: 100, to: draining.crossing(of: 10, after: 100, foreground: true), foreground: true)
        #expect(model.level < 10 && model.level > 9.99)
        let charging = BatteryModel(spec: spec, level: 8, charging: true, now: 0, random: SeededRandom(seed: 1))
        #expect(abs(charging.crossing(of: 10, after: 0, foreground: true) - (100 + 0.001)) < 1e-9)
        #expect(charging.crossing(of: 5, after: 0, foreground: true) == .infinity)
    }

    @Test("a battery that starts charging often stays deterministic for a seed")
    func batteryCycles() {
        var spec = Scenario.Battery()
        spec.chargeStartPerHour = 0.9
        spec.chargeDuration = .uniform(60, 600)
        var first = BatteryModel(spec: spec, level: 20, charging: false, now: 0, random: SeededRandom(seed: 4))
        var second = first
        var switches = 0
        for step in 0..<240 {
            if first.advance(from: Double(step) * 60, to: Double(step + 1) * 60, foreground: step % 2 == 0) {
                switches += 1
            }
            second.advance(from: Double(step) * 60, to: Double(step + 1) * 60, foreground: step % 2 == 0)
        }
        #expect(first == second)
        #expect(switches >= 4)
        #expect((0...100).contains(first.level))
    }

    @Test("overlapping fault windows combine; boundaries switch them on and off")
    func faultSchedule() {
        var outage = Scenario.FaultWindow(start: 10, end: 20)
        outage.outage = true
        var loss = Scenario.FaultWindow(start: 15, end: 30)
        loss.ackLoss = 0.1
        let schedule = FaultSchedule([outage, loss])
        #expect(schedule.steps.map(\.at) == [10, 15, 20, 30])
        #expect(schedule.steps[0].faults.outage && schedule.steps[0].faults.ackLossProbability == 0)
        #expect(schedule.steps[1].faults.outage && schedule.steps[1].faults.ackLossProbability == 0.1)
        #expect(!schedule.steps[2].faults.outage && schedule.steps[2].faults.ackLossProbability == 0.1)
        #expect(schedule.steps[3].faults == .init())
    }

    @Test("--devices scales the ramp's targets and --duration its stages; a remote target refuses scheduled faults")
    func overrides() throws {
        var scenario = Self.scenario(devices: 10_000)
        scenario.duration = 60
        scenario.population.arrival = .stages([.init(target: 2500, over: 30), .init(target: nil, over: 30)])
        let scaled = try scenario.applying(ScenarioOverrides(devices: 100, duration: 6, seed: 3))
        #expect(scaled.population.devices == 100)
        #expect(scaled.population.arrival == .stages([.init(target: 25, over: 3), .init(target: nil, over: 3)]))
        #expect(scaled.duration == 6 && scaled.seed == 3)
        scenario.faults = [.init(start: 1, end: 2)]
        let remote = Scenario.Target.remote(
            url: "ws://127.0.0.1:9/x", scheme: .ws, host: "127.0.0.1", port: 9, path: "/x")
        #expect(throws: RunError.self) { try scenario.applying(ScenarioOverrides(target: remote)) }
        #expect(throws: RunError.invalidInput("--devices must be at least 1, not 0")) {
            try scenario.applying(ScenarioOverrides(devices: 0))
        }
    }

    @Test(
        "capacity-ramp with --devices 3000 --duration 60s reaches 3000 within the minute; the progress target is the stage's"
    )
    func rampFitsTheNewDuration() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/capacity-ramp.yaml").path
        let scenario = try Scenario.load(file: file).applying(ScenarioOverrides(devices: 3000, duration: 60))
        let plan = ArrivalPlan(scenario: scenario)
        #expect(plan.corners.last!.devices == 3000)
        #expect(plan.corners.last!.time <= 60)
        #expect(plan.stageTarget(at: 0.1) == 750)
        #expect(plan.stageTarget(at: plan.corners.last!.time) == 3000)
        #expect(plan.stageTarget(at: 1e9) == 3000)
    }
}
