import ClickstreamSDK
import Foundation
import NIOCore
import NIOEmbedded
import RaccoonWire
import SwarmPrimitives
import Testing

@testable import Simulation

/// Events kept as recipes (`EventRecipes`): the store keeps a few numbers, and what goes on the
/// wire is byte for byte what the stamped contract serialized to.
@Suite("Event recipes")
struct EventRecipesTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scenarios")

    static func library(_ name: String) throws -> ScriptLibrary {
        try ScriptLibrary(scenario: Scenario.load(file: scenarios.appendingPathComponent("\(name).yaml").path))
    }

    @Test("every template of the ready scenarios is kept as a recipe")
    func readyTemplates() throws {
        for name in ReadyScenarioTests.names {
            let library = try Self.library(name)
            #expect(library.templates.allSatisfy { $0.tail != nil }, "\(name)")
        }
    }

    @Test("a recipe rebuilds the stamped contract's bytes, across sessions and battery readings")
    func contractBytes() throws {
        let library = try Self.library("smoke")
        var scenario = DeviceFixtures.scenario()
        scenario.battery.drainForeground = 30
        let profile = DeviceFixtures.profile(scenario, battery: 61.4)
        var stamper = EventStamper(profile: profile, runID: 0xC0FF_EE11)
        let recipes = EventRecipes(templates: library.templates, stamper: stamper)
        var battery = DeviceEnvironment(profile: profile, scenario: scenario, openModel: false).battery
        var random = SeededRandom(seed: 3)
        let wall = Date(timeIntervalSince1970: 1_767_225_600)
        for step in 0..<400 {
            if step % 90 == 0 {
                let start = wall.addingTimeInterval(Double(step) * 7.25)
                stamper.startSession(at: start)
                recipes.startSession(at: start)
            }
            _ = battery.advance(from: Double(step - 1) * 20, to: Double(step) * 20, foreground: true)
            let template = Int(random.next() % UInt64(library.templates.count))
            let at = wall.addingTimeInterval(Double(step) * 7.25 + Double(random.next() % 1_000) / 997)
            let expected: [UInt8] = try stamper.stamp(
                library.templates[template].message, intendedAt: at, battery: battery
            )
            .serializedBytes()
            let prepared = recipes.prepare(template, intendedAt: .uptimeNanoseconds(0), wall: at, battery: battery)
            var buffer = ByteBuffer()
            recipes.writeContract(
                recipe: prepared.recipe, guid: prepared.guid, seconds: prepared.timestamp.seconds,
                nanos: prepared.timestamp.nanos, into: &buffer)
            #expect(prepared.contractSize == expected.count, "step \(step)")
            #expect(buffer.readBytes(length: buffer.readableBytes) == expected, "step \(step)")
        }
    }

    /// Records the bytes of every request an SDK writes, acking each at once.
    final class WireRecorder: SDKTransport {
        var handler: ((TransportEvent) -> Void)?
        var requests: [[UInt8]] = []

        func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
            connect(headers: headers, options: ConnectOptions(), handler: handler)
        }

        func connect(headers: [(String, String)], options: ConnectOptions, handler: @escaping (TransportEvent) -> Void)
        {
            self.handler = handler
            handler(.connected)
        }

        func send(_ request: ByteBuffer) -> Bool {
            requests.append(Array(request.readableBytesView))
            return true
        }

        func close(code: Int, reason: String) { handler = nil }
        func abort() { handler = nil }
    }

    @Test(
        "an SDK tracking recipes writes the requests it writes tracking the stamped contracts",
        arguments: SDKFlavor.allCases)
    func wireBytes(flavor: SDKFlavor) throws {
        let library = try Self.library("smoke")
        let scenario = DeviceFixtures.scenario()
        let profile = DeviceFixtures.profile(scenario, flavor: flavor)
        let battery = DeviceEnvironment(profile: profile, scenario: scenario, openModel: false).battery
        let wallStart = Date(timeIntervalSince1970: 1_767_225_600)
        var written: [[[UInt8]]] = []
        for prepared in [false, true] {
            let loop = EmbeddedEventLoop()
            let transport = WireRecorder()
            let store = EventStore()
            var stamper = EventStamper(profile: profile, runID: 77)
            let recipes = EventRecipes(templates: library.templates, stamper: stamper)
            store.payloadSource = recipes
            let sdk = ClickstreamSDK(
                configuration: profile.configuration, deviceID: profile.identity, store: store, transport: transport,
                headers: [], eventLoop: loop, seed: 1,
                wallClock: { wallStart.addingTimeInterval(Double($0.uptimeNanoseconds) / 1e9) })
            sdk.start()
            stamper.startSession(at: wallStart)
            recipes.startSession(at: wallStart)
            for index in 0..<300 {
                let template = index % library.templates.count
                let at = NIODeadline.uptimeNanoseconds(UInt64(index) * 97_000_000)
                loop.advanceTime(to: at)
                let wall = wallStart.addingTimeInterval(Double(at.uptimeNanoseconds) / 1e9)
                if prepared {
                    sdk.track(prepared: recipes.prepare(template, intendedAt: at, wall: wall, battery: battery))
                } else {
                    sdk.track(
                        stamper.stamp(library.templates[template].message, intendedAt: wall, battery: battery),
                        intendedAt: at)
                }
            }
            loop.advanceTime(by: .seconds(60))
            written.append(transport.requests)
            sdk.kill()
            loop.advanceTime(by: .seconds(600))
        }
        #expect(written[0].count > 3)
        #expect(written[0] == written[1])
    }
}
