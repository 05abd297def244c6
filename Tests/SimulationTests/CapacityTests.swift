import Foundation
import Reports
import Testing

@testable import Simulation

@Suite("Capacity search state machine")
struct CapacitySearchTests {
    /// Runs a search against a step that passes up to `knee` and returns the loads run and the outcome.
    func search(
        _ search: CapacitySearch, passesUpTo knee: Double, bottleneckAt: Double? = nil
    ) -> (loads: [Double], outcome: CapacitySearch.Outcome) {
        var search = search
        var loads: [Double] = []
        while true {
            switch search.next() {
            case .run(let load):
                loads.append(load)
                search.record(
                    load: load, passed: load <= knee, bottleneck: load == bottleneckAt ? "saturated" : nil)
            case .finished(let outcome):
                return (loads, outcome)
            }
        }
    }

    @Test("doubles from --from until a failure, then bisects to the precision", arguments: [37.0, 100, 511])
    func bisects(knee: Double) {
        let (loads, outcome) = search(
            CapacitySearch(from: 10, to: 10_000, precision: 0.05, integral: true), passesUpTo: knee)
        guard case .found(let found, let failure) = outcome else {
            Issue.record("no knee: \(outcome)")
            return
        }
        #expect(found <= knee && failure > knee)
        #expect(failure - found <= max(1, 0.05 * found))
        #expect(Array(loads.prefix(3)) == [10, 20, 40])
        #expect(loads.count < 20)
    }

    @Test("every step passing ends above the range; the first failing, below it")
    func outOfRange() {
        let above = search(CapacitySearch(from: 10, to: 50, precision: 0.05, integral: true), passesUpTo: 1_000)
        #expect(above.loads == [10, 20, 40, 50])
        #expect(above.outcome == .aboveRange(knee: 50))
        let below = search(CapacitySearch(from: 10, to: 50, precision: 0.05, integral: true), passesUpTo: 5)
        #expect(below.loads == [10])
        #expect(below.outcome == .belowRange(firstFailure: 10))
    }

    @Test("a saturated generator ends the search at once, with the last pass")
    func bottleneck() {
        let result = search(
            CapacitySearch(from: 10, to: 1_000, precision: 0.05, integral: true), passesUpTo: 1_000, bottleneckAt: 40)
        #expect(result.loads == [10, 20, 40])
        #expect(result.outcome == .generatorBottleneck(knee: 40, load: 40, reason: "saturated"))
    }

    @Test("rate multiples are bisected to a thousandth")
    func rates() {
        let (_, outcome) = search(CapacitySearch(from: 0.5, to: 8, precision: 0.02, integral: false), passesUpTo: 2.3)
        guard case .found(let knee, let failure) = outcome else {
            Issue.record("no knee: \(outcome)")
            return
        }
        #expect(knee <= 2.3 && failure > 2.3 && failure - knee <= 0.02 * knee + 0.001)
    }
}

@Suite("Generator bottleneck rule")
struct GeneratorBottleneckTests {
    @Test("CPU at 90% of the budget with the collector not holding reads is the generator's knee")
    func saturated() {
        #expect(GeneratorBottleneck.reason(cpuCores: 0.95, budget: 1, throttleWait: nil, seconds: 10) != nil)
        #expect(GeneratorBottleneck.reason(cpuCores: 1.9, budget: 2, throttleWait: 0, seconds: 10) != nil)
    }

    @Test("devices producing under 75% of the first step's events per unit of load: the generator lags")
    func lagging() {
        let lag = GeneratorBottleneck.reason(
            cpuCores: 0.2, budget: 2, throttleWait: 5, seconds: 10, offeredPerLoad: 1.4, expectedPerLoad: 2)
        #expect(lag?.contains("70%") == true)
        #expect(
            GeneratorBottleneck.reason(
                cpuCores: 0.2, budget: 2, throttleWait: 5, seconds: 10, offeredPerLoad: 1.95, expectedPerLoad: 2) == nil
        )
    }

    @Test("a generator below its budget, or a collector holding reads back, is not")
    func notSaturated() {
        #expect(GeneratorBottleneck.reason(cpuCores: 0.5, budget: 1, throttleWait: nil, seconds: 10) == nil)
        #expect(GeneratorBottleneck.reason(cpuCores: 0.99, budget: 1, throttleWait: 3, seconds: 10) == nil)
        #expect(GeneratorBottleneck.reason(cpuCores: nil, budget: 1, throttleWait: nil, seconds: 10) == nil)
    }
}

@Suite("Capacity settings")
struct CapacitySettingsTests {
    @Test("bad settings are refused before anything starts, naming the flag")
    func refused() throws {
        let scenario = try CapacityFixtures.scenario(limit: 100)
        let cases: [(CapacityPlan, String)] = [
            (
                CapacityFixtures.plan {
                    $0.from = 50; $0.to = 10
                }, "--to"
            ),
            (CapacityFixtures.plan { $0.from = 1.5 }, "whole numbers"),
            (
                CapacityFixtures.plan {
                    $0.stepDuration = 10; $0.warmUp = 10
                }, "--warm-up"
            ),
            (CapacityFixtures.plan { $0.precision = 1.5 }, "--precision"),
        ]
        for (plan, words) in cases {
            #expect {
                _ = try CapacitySettings.resolve(scenario: scenario, flags: plan, cpuBudget: 1)
            } throws: { error in
                "\(error)".contains(words)
            }
        }
        #expect(throws: CapacityError.self) {
            _ = try CapacitySettings.resolve(scenario: scenario, flags: CapacityPlan(), cpuBudget: 0)
        }
    }

    @Test("the scenario's capacity section is read, and flags win over it")
    func layered() throws {
        let scenario = try CapacityFixtures.scenario(limit: 100)
        var flags = CapacityPlan()
        flags.to = 200
        let settings = try CapacitySettings.resolve(scenario: scenario, flags: flags, cpuBudget: 2)
        #expect(settings.vary == .devices && settings.from == 100 && settings.to == 200)
        #expect(settings.stepDuration == 30 && settings.warmUp == 8 && settings.precision == 0.05)
        #expect(settings.atLeast == 300)
    }
}

enum CapacityFixtures {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios/find-the-knee.yaml").path

    /// find-the-knee.yaml with the collector's limit at `limit` events/s (nil: none).
    static func scenario(limit: Double?) throws -> Scenario {
        var scenario = try Scenario.load(file: file)
        scenario.collector.maxEventsPerSecond = limit
        scenario.drain = 2
        return scenario
    }

    static func plan(_ change: (inout CapacityPlan) -> Void) -> CapacityPlan {
        var plan = CapacityPlan()
        change(&plan)
        return plan
    }

    static func options(simulated: Bool) -> RunOptions {
        var options = RunOptions()
        options.simulated = simulated
        options.threads = simulated ? 0 : 1
        options.outputDirectory =
            FileManager.default.temporaryDirectory.appendingPathComponent("clickswarm-\(UUID().uuidString)").path
        return options
    }
}

@Suite("Capacity search on the simulated collector")
struct SimulatedCapacityTests {
    /// Each phone sends 2 events a second: the knee is at limit / 2 devices.
    static func settings(limit: Double) throws -> CapacitySettings {
        var flags = CapacityPlan()
        flags.from = (limit / 8).rounded()
        flags.to = limit * 2
        flags.stepDuration = 12
        flags.warmUp = 5
        flags.precision = 0.1
        return try CapacitySettings.resolve(
            scenario: try CapacityFixtures.scenario(limit: limit), flags: flags, cpuBudget: 1)
    }

    @Test("the knee found is within the precision of the collector's limit", arguments: [40.0, 80, 120])
    func knee(limit: Double) async throws {
        let options = CapacityFixtures.options(simulated: true)
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await CapacityRunner.run(
            try CapacityFixtures.scenario(limit: limit), settings: try Self.settings(limit: limit), options: options)
        #expect(report.outcome == .found, "\(report.terminalTable())")
        let knee = try #require(report.knee)
        let expected = limit / 2
        #expect(abs(knee - expected) <= 0.1 * expected + 1, "\(report.terminalTable())")
        let rate = try #require(report.kneeEventsPerSecond)
        #expect(rate <= limit * 1.05 && rate >= limit * 0.85, "\(report.terminalTable())")
        #expect(report.brokenSLO != nil)
        #expect(report.steps.allSatisfy { $0.generatorCPUCores == nil && $0.report == nil })
        // The page has both curves with the knee marked on each.
        let html = report.html()
        #expect(html.components(separatedBy: "class=\"marker\"").count == 3)
        #expect(html.contains("Event latency by load") && html.contains("Delivery ratio by load"))
        #expect(report.terminalTable().contains("knee: \(Int(knee)) devices met every SLO"))
    }

    @Test("--vary rate keeps the devices and finds the rate multiple at the limit")
    func rate() async throws {
        var flags = CapacityPlan()
        flags.vary = .rate
        flags.from = 1
        flags.to = 16
        flags.stepDuration = 12
        flags.warmUp = 5
        flags.precision = 0.1
        // 40 devices at 2 events/s: 80 events/s, a fifth of the limit.
        var scenario = try CapacityFixtures.scenario(limit: 400)
        scenario.population.devices = 40
        let settings = try CapacitySettings.resolve(scenario: scenario, flags: flags, cpuBudget: 1)
        #expect(settings.atLeast == nil)
        let options = CapacityFixtures.options(simulated: true)
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await CapacityRunner.run(scenario, settings: settings, options: options)
        let knee = try #require(report.knee, "\(report.terminalTable())")
        #expect(abs(knee - 5) <= 0.5, "\(report.terminalTable())")
        #expect(report.steps.allSatisfy { $0.devices == 40 })
    }

    @Test("the same seed gives the same capacity report, byte for byte")
    func deterministic() async throws {
        var bytes: [Data] = []
        for _ in 0..<2 {
            let options = CapacityFixtures.options(simulated: true)
            defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
            let report = try await CapacityRunner.run(
                try CapacityFixtures.scenario(limit: 40), settings: try Self.settings(limit: 40), options: options)
            bytes.append(try CapacityFile(report).jsonData())
        }
        #expect(bytes[0] == bytes[1])
    }
}

@Suite("Capacity search on the live embedded collector")
struct LiveCapacityTests {
    @Test("a small live search finds the knee near the collector's limit, on one collector")
    func live() async throws {
        let limit = 60.0
        var flags = CapacityPlan()
        flags.from = 10
        flags.to = 80
        flags.stepDuration = 5
        flags.warmUp = 2
        flags.precision = 0.25
        let scenario = try CapacityFixtures.scenario(limit: limit)
        let settings = try CapacitySettings.resolve(scenario: scenario, flags: flags, cpuBudget: 100)
        let options = CapacityFixtures.options(simulated: false)
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await CapacityRunner.run(scenario, settings: settings, options: options)
        #expect(report.outcome == .found, "\(report.terminalTable())")
        // A loaded machine answers late: the knee is asked near the limit, not at it.
        let knee = try #require(report.knee)
        #expect(knee >= 10 && knee <= 40, "\(report.terminalTable())")
        #expect(report.steps.allSatisfy { $0.generatorCPUCores != nil && $0.generatorRSSMiB != nil })
        #expect(report.steps.contains { ($0.collectorThrottleWaitS ?? 0) > 0 }, "\(report.terminalTable())")
    }

    @Test("an unlimited collector and a starved generator: the generator is the bottleneck")
    func bottleneck() async throws {
        var flags = CapacityPlan()
        flags.from = 10
        flags.to = 40
        flags.stepDuration = 3
        flags.warmUp = 1
        let scenario = try CapacityFixtures.scenario(limit: nil)
        // A budget no run can stay under: the first step saturates it.
        let settings = try CapacitySettings.resolve(scenario: scenario, flags: flags, cpuBudget: 0.0001)
        let options = CapacityFixtures.options(simulated: false)
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await CapacityRunner.run(scenario, settings: settings, options: options)
        #expect(report.outcome == .generatorBottleneck)
        #expect(report.steps.count == 1)
        #expect(report.bottleneck?.contains("CPU") == true)
    }
}

@Suite("Capacity scenario keys")
struct CapacityScenarioKeysTests {
    static let base = """
        name: k
        duration: 10s
        population: {devices: 5}
        journeys:
          - name: j
            start: s
            screens:
              s: {think: 1s, events: [{contract: ButtonClick}], next: {exit: 100%}}

        """

    @Test("collector.max_events_per_second and capacity are read")
    func parsed() throws {
        let scenario = try Scenario(
            yaml: Self.base + """
                collector: {max_events_per_second: 250}
                capacity: {vary: rate, from: 0.5, to: 4, step_duration: 20s, warm_up: 4s, precision: 2%, at_least: 2}
                """, file: "k.yaml")
        #expect(scenario.collector.maxEventsPerSecond == 250)
        #expect(scenario.capacity.vary == .rate && scenario.capacity.from == 0.5 && scenario.capacity.to == 4)
        #expect(scenario.capacity.stepDuration == 20 && scenario.capacity.warmUp == 4)
        #expect(scenario.capacity.precision == 0.02 && scenario.capacity.atLeast == 2)
    }

    @Test("bad values are errors with their line and field")
    func refused() {
        let yaml =
            Self.base + """
                collector: {max_events_per_second: 0}
                capacity: {vary: speed, from: 10, to: 5, precision: 100%}
                """
        #expect {
            _ = try Scenario(yaml: yaml, file: "k.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.contains("k.yaml:9:") && text.contains("collector.max_events_per_second")
                && text.contains("capacity.vary") && text.contains("capacity.to")
                && text.contains("capacity.precision")
        }
    }
}
