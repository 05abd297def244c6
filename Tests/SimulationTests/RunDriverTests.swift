import Foundation
import NIOConcurrencyHelpers
import Reports
import SwarmPrimitives
import Testing

@testable import Simulation

/// The run driver's own rules, the same for both backends.
@Suite("Run driver")
struct RunDriverTests {
    static let scenario = """
        name: driver
        seed: 5
        duration: 2h
        drain: 1m
        population: {devices: 12}
        lifecycle: {session: exponential(5m), background: exponential(2m)}
        journeys:
          - name: j
            start: a
            screens:
              a:
                think: exponential(20s)
                events: [{contract: ScreenView, attributes: {screen_name: a}}]
                next: {a: 95%, exit: 5%}
        """

    static func options() -> RunOptions {
        var options = RunOptions()
        options.outputDirectory =
            FileManager.default.temporaryDirectory.appendingPathComponent("clickswarm-driver-\(UUID().uuidString)").path
        options.simulated = true
        return options
    }

    @Test("the devices: the population narrowed to the shard and to the list, both when both are given")
    func devices() {
        #expect(DeviceAssignment.devices(population: 6, shard: nil, only: nil) == [0, 1, 2, 3, 4, 5])
        let shard = RunInfo.Shard(index: 1, count: 3)
        #expect(DeviceAssignment.devices(population: 10, shard: shard, only: nil) == [1, 4, 7])
        #expect(DeviceAssignment.devices(population: 10, shard: nil, only: [8, 2]) == [2, 8])
        #expect(DeviceAssignment.devices(population: 10, shard: shard, only: [1, 2, 4, 5, 7]) == [1, 4, 7])
        #expect(DeviceAssignment.devices(population: 10, shard: shard, only: [2]) == [])
        for population in 0..<12 {
            for count in 1..<5 {
                for index in 0..<count {
                    let shard = RunInfo.Shard(index: index, count: count)
                    #expect(
                        DeviceAssignment.count(population: population, shard: shard, only: nil)
                            == DeviceAssignment.devices(population: population, shard: shard, only: nil).count)
                }
            }
        }
    }

    @Test("dealt over the partitions in turn: device i on partition i mod P for a whole population")
    func dealing() {
        #expect(DeviceAssignment.deal(Array(0..<7), over: 3) == [[0, 3, 6], [1, 4], [2, 5]])
        #expect(DeviceAssignment.deal([1, 4, 7, 10], over: 2) == [[1, 7], [4, 10]])
        #expect(DeviceAssignment.deal([], over: 2) == [[], []])
    }

    @Test("a shard and a device list together run only the devices in both")
    func shardAndList() async throws {
        let scenario = try Scenario(yaml: Self.scenario, file: "driver.yaml")
        var options = Self.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        options.shard = RunInfo.Shard(index: 1, count: 3)
        options.onlyDevices = [2, 3]
        let none = try await RunDriver.run(scenario, options: options).report
        #expect(none.totals.generated == 0)
        options.onlyDevices = [4]
        let one = try await RunDriver.run(scenario, options: options).report
        options.shard = nil
        let alone = try await RunDriver.run(scenario, options: options).report
        #expect(one.totals.generated > 0)
        #expect(one.totals == alone.totals)
    }

    @Test("live figures reach the live callback on a virtual clock too (--simulated --push-interval)")
    func livePushesOnVirtualClock() async throws {
        let scenario = try Scenario(yaml: Self.scenario.replacingOccurrences(of: "2h", with: "6h"), file: "d.yaml")
        var options = Self.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let seen = NIOLockedValueBox<[(String, UInt64, Double)]>([])
        options.progressInterval = 0.02
        options.live = { runID, counters, elapsed in
            seen.withLockedValue { $0.append((runID, counters.generated, elapsed)) }
        }
        let report = try await RunDriver.run(scenario, options: options).report
        let pushes = seen.withLockedValue { $0 }
        #expect(!pushes.isEmpty)
        #expect(pushes.allSatisfy { $0.0 == report.run.id })
        #expect(zip(pushes, pushes.dropFirst()).allSatisfy { $0.1 <= $1.1 && $0.2 <= $1.2 })
        #expect((pushes.last?.2 ?? 0) <= 6 * 3600 + 60)
    }

    @Test(
        "options a virtual clock cannot honour are refused before anything runs",
        arguments: ["threads", "start-at", "target"])
    func refusals(option: String) async throws {
        var yaml = Self.scenario
        var options = Self.options()
        switch option {
        case "threads": options.threads = 2
        case "start-at": options.startAt = Date().addingTimeInterval(60)
        default: yaml += "\ntarget: ws://127.0.0.1:1/api/v1/events\n"
        }
        let scenario = try Scenario(yaml: yaml, file: "driver.yaml")
        do {
            _ = try await RunDriver.run(scenario, options: options)
            Issue.record("a simulated run accepted \(option)")
        } catch {
            guard case .invalidInput(let message) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(message.contains(option == "target" ? "in-memory collector" : "--\(option)"), "\(message)")
        }
        #expect(!FileManager.default.fileExists(atPath: options.outputDirectory))
    }
}

@Suite("Memory check")
struct MemoryCheckTests {
    @Test("a device count the machine cannot hold is refused with the most that fits")
    func refusal() {
        #expect(throws: Never.self) {
            try checkMemory(devices: 1000, perDevice: 1 << 20, mode: "simulated", available: 2 << 30)
        }
        do {
            try checkMemory(devices: 5000, perDevice: 1 << 20, mode: "simulated", available: 2 << 30)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("run at most 2048 devices here"), "\(error)")
        }
        #expect(throws: RunError.self) {
            try checkMemory(devices: .max, perDevice: 1 << 20, mode: "live", available: .max >> 1)
        }
    }

    @Test("MemAvailable is read from meminfo")
    func meminfo() {
        #expect(SystemMemory.parse("MemTotal: 100 kB\nMemAvailable:   2048 kB\n") == 2 << 20)
        #expect(SystemMemory.parse("MemTotal: 100 kB\n") == nil)
        #expect((SystemMemory.available() ?? 0) > 0)
    }
}
