import ClickstreamSDK
import Foundation
import NIOCore
import NIOEmbedded
import Reports
import Testing

@testable import Simulation

/// The device coordinator on a virtual clock with a fake connection: its timers fire when its
/// parts say.
@Suite("Simulated device")
struct SimulatedDeviceTests {
    /// A transport that connects after 50 ms and never answers.
    final class SilentTransport: SDKTransport {
        let loop: EmbeddedEventLoop
        var handler: ((TransportEvent) -> Void)?
        var sent = 0

        init(loop: EmbeddedEventLoop) { self.loop = loop }

        func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
            self.handler = handler
            loop.scheduleTask(in: .milliseconds(50)) { handler(.connected) }
        }

        func send(_ request: ByteBuffer) -> Bool {
            sent += 1
            return handler != nil
        }

        func close(code: Int, reason: String) { handler = nil }

        func abort() { handler = nil }

        /// The network cuts the connection.
        func drop() {
            let handler = handler
            self.handler = nil
            handler?(.closed(code: nil, reason: "dropped"))
        }
    }

    final class FakeConnection: DeviceConnection {
        let loop: EmbeddedEventLoop
        var transports: [SilentTransport] = []
        var drops = 0

        init(loop: EmbeddedEventLoop) { self.loop = loop }

        func makeTransport(configuration: SDKConfiguration) -> any SDKTransport {
            transports.append(SilentTransport(loop: loop))
            return transports[transports.count - 1]
        }

        var isConnected: Bool { transports.last?.handler != nil }

        func dropConnection() {
            drops += 1
            transports.last?.drop()
        }
    }

    @Test("the environment's wake-ups and the app's screens fire at their times on the virtual clock")
    func timersOnTheVirtualClock() throws {
        var scenario = DeviceFixtures.scenario()
        scenario.population.devices = 1
        scenario.duration = 600
        scenario.drain = 10
        var view = Scenario.ScreenEvent(contract: "ScreenView")
        view.attributesJSON = #"{"screen_name": "a"}"#
        scenario.journeys = [
            .init(
                name: "j", weight: 1, start: "a",
                screens: ["a": .init(events: [view], think: .constant(30), next: [(screen: "a", probability: 1)])])
        ]
        scenario.networks.profiles["wifi"] = Scenario.NetworkProfile(
            kind: .wifi, latency: .constant(0.005), jitter: .zero, bandwidth: nil, dropsPerMinute: 0,
            offlineEvery: .constant(100), offlineFor: .constant(20))
        let loop = EmbeddedEventLoop()
        let context = RunContext(
            scenario: scenario, library: try ScriptLibrary(scenario: scenario),
            clock: RunClock(
                start: loop.now, wallStart: Date(timeIntervalSince1970: 1_767_225_600), runID: 1, runSeed: 0,
                virtual: true),
            checkDeliveries: true)
        let connection = FakeConnection(loop: loop)
        let device = SimulatedDevice(
            profile: context.population.profile(0), context: context, loop: loop,
            recorder: RecorderShard(runStart: loop.now.uptimeNanoseconds), connection: connection)
        device.trace = TimelineRecorder(device: 0)
        device.schedule()
        loop.advanceTime(to: context.deadline(610))
        _ = device.finish()

        let entries = try #require(device.trace?.timeline.entries)
        let network = entries.filter { $0.kind == "network" }
        #expect(network.map(\.t) == [100, 120, 220, 240, 340, 360, 460, 480, 580, 600])
        #expect(network.map(\.what) == Array(repeating: ["offline", "online"], count: 5).flatMap { $0 })
        #expect(network.first?.details == ["until": "120.000"])
        #expect(connection.drops == 5)
        // The screen is entered every 30 s until the journeys stop at 600 s.
        let views = entries.filter { $0.what == "generated" && $0.details["type"]?.hasSuffix("screenview") == true }
        #expect(views.map(\.t) == stride(from: 0.0, to: 600, by: 30).map { $0 })
        let lifecycle = entries.filter { $0.kind == "lifecycle" }.map(\.what)
        #expect(lifecycle == ["join", "session start (cold)", "app launched", "run end"])
        #expect(entries.filter { $0.kind == "battery" }.isEmpty)
    }
}

@Suite("Simulated device: what the SDK hears of its phone")
struct DeviceLifecycleTimingTests {
    static func timeline(flavor: String) async throws -> DeviceTimeline {
        let scenario = try Scenario(
            yaml: """
                name: stop-delay
                duration: 30s
                drain: 5s
                population: {devices: 1, flavors: {\(flavor): 100%}}
                lifecycle: {session: 5s, background: 1m}
                journeys:
                  - name: j
                    start: a
                    screens:
                      a: {think: 1s, events: [{contract: ScreenView, attributes: {screen_name: a}}], next: {a: 100%}}
                """, file: "stop-delay.yaml")
        var options = RunOptions()
        options.simulated = true
        options.trace = 0
        options.outputDirectory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("clickswarm-stop-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        return try #require(try await RunDriver.run(scenario, options: options).timeline)
    }

    @Test(
        "Android hears the background 700 ms after the session ends (ProcessLifecycleOwner's TIMEOUT_MS); iOS at once")
    func stopDelay() async throws {
        for (flavor, delay) in [("android", 0.7), ("ios", 0.0)] {
            let timeline = try await Self.timeline(flavor: flavor)
            let end = try #require(timeline.entries.first { $0.what == "session end (background)" })
            let flush = try #require(
                timeline.entries.first { $0.kind == "health" && $0.what.hasSuffix("Flush On Background") },
                "\(flavor): no Flush On Background")
            #expect(abs(flush.t - end.t - delay) < 1e-6, "\(flavor): \(flush.t - end.t)")
        }
    }
}
