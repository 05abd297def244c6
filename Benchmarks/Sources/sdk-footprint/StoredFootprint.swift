import ArgumentParser
import BenchSupport
import ClickstreamSDK
import Foundation
import NIOCore
import NIOPosix
import RaccoonWire

/// Memory per event held in SDK stores, with instances that never connect.
struct StoredFootprint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stored",
        abstract: "Bytes of memory per event stored by SDK instances that are not connected.",
        discussion: """
            Creates --instances SDK instances over --threads event loops, each with a transport \
            whose connect never reports anything (so every event stays in the store), samples \
            memory, tracks --events-per-instance ButtonClick events (only the guid set) into each, \
            waits --settle seconds, samples again and prints the difference per stored event. It \
            also prints the instances' own cost (before any event) against a sample taken before \
            they existed.
            """
    )

    @Option(help: "SDK instances.") var instances = 10_000
    @Option(help: "Events tracked into each instance.") var eventsPerInstance = 100
    @Option(help: "Event loops (one MultiThreadedEventLoopGroup).") var threads = 2
    @Option(help: "Flavor of the instances: android, ios or mixed (alternating).") var flavor = FlavorMix.mixed
    @Option(help: "Seconds idle after tracking, before the second sample.") var settle = 1.0
    @Option(help: "Also write the figures as JSON to this file.") var json: String?

    func validate() throws {
        guard instances >= 1, eventsPerInstance >= 1, threads >= 1 else {
            throw ValidationError("--instances, --events-per-instance and --threads must be at least 1")
        }
        guard settle >= 0 else { throw ValidationError("--settle must not be negative") }
    }

    struct Report: Codable {
        var measurement = "stored"
        var instances: Int
        var eventsPerInstance: Int
        var threads: Int
        var flavor: FlavorMix
        var eventsStored: Int
        var averageEventBytes: Double
        /// Inline size of a store row (`StoredEvent`) and of the `RaccoonEvent` inside it.
        var storedEventStride: Int
        var raccoonEventStride: Int
        var trackSeconds: Double
        var trackCPUSecondsPerMillionEvents: Double
        /// The instances themselves, unconnected and empty.
        var instanceMemory: MemoryDelta
        var eventMemory: MemoryDelta
    }

    func run() throws {
        say(
            "sdk-footprint stored: \(instances) unconnected instances (\(flavor.rawValue)) over \(threads) "
                + "event loop(s), \(eventsPerInstance) events each")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }
        let loops = Array(group.makeIterator())
        let racks = try makeRacks(loops)
        Thread.sleep(forTimeInterval: 0.2)
        let empty = MemorySample.now()

        let flavor = self.flavor
        let instances = self.instances
        try onEveryLoop(loops, racks) { loop, loopIndex, rack in
            for index in stride(from: loopIndex, to: instances, by: loops.count) {
                let configuration = SDKConfiguration.defaults(for: flavor.flavor(of: index))
                let sdk = ClickstreamSDK(
                    configuration: configuration, deviceID: "stored-\(index)",
                    store: EventStore(
                        capacityEvents: configuration.storeCapacityEvents,
                        capacityBytes: configuration.storeCapacityBytes),
                    transport: SilentTransport(), headers: [("X-User-ID", "stored-\(index)")], eventLoop: loop,
                    seed: UInt64(index), observer: rack)
                rack.sdks.append(sdk)
                sdk.start()
            }
        }
        Thread.sleep(forTimeInterval: 0.2)
        let before = MemorySample.now()

        let runID = UInt32.random(in: 1...UInt32.max)
        let eventsPerInstance = self.eventsPerInstance
        let trackStart = NIODeadline.now()
        let cpuStart = processCPUSeconds()
        try onEveryLoop(loops, racks) { _, loopIndex, rack in
            for (slot, sdk) in rack.sdks.enumerated() {
                let device = slot * loops.count + loopIndex
                for sequence in 0..<eventsPerInstance {
                    sdk.track(click(run: runID, device: device, sequence: UInt64(sequence)))
                }
            }
        }
        let trackCPU = processCPUSeconds() - cpuStart
        let trackSeconds = seconds(since: trackStart)
        Thread.sleep(forTimeInterval: settle)
        let after = MemorySample.now()

        let counts = try snapshot(racks, loops, countingStores: true)
        let expected = instances * eventsPerInstance
        guard counts.stored == UInt64(expected), counts.storedRows == expected, counts.dropped == 0 else {
            say(
                "error: \(counts.storedRows) rows in the stores (\(counts.stored) stored, \(counts.dropped) dropped) "
                    + "for \(expected) events tracked")
            throw ExitCode(1)
        }
        let instanceMemory = MemoryDelta(before: empty, after: before, count: instances)
        let eventMemory = MemoryDelta(before: before, after: after, count: expected)
        let averageEventBytes = Double(counts.storedEventBytes) / Double(expected)
        say(
            "stored: \(expected) events in \(format(trackSeconds, 2)) s, event_bytes \(format(averageEventBytes, 1)) B "
                + "on average, track CPU \(format(trackCPU / Double(expected) * 1e6, 2)) us/event")
        say(
            "a stored event is a 40 B row and a 4 B index entry in the store's RowTable (chunks of 512 rows), "
                + "its event_bytes beside; StoredEvent (\(MemoryLayout<StoredEvent>.stride) B) is only the view "
                + "a caller reads")
        for line in instanceMemory.lines("per unconnected instance") { say(line) }
        for line in eventMemory.lines("per stored event") { say(line) }
        if let json {
            try writeJSON(
                Report(
                    instances: instances, eventsPerInstance: eventsPerInstance, threads: threads, flavor: flavor,
                    eventsStored: expected, averageEventBytes: averageEventBytes,
                    storedEventStride: MemoryLayout<StoredEvent>.stride,
                    raccoonEventStride: MemoryLayout<RaccoonEvent>.stride, trackSeconds: trackSeconds,
                    trackCPUSecondsPerMillionEvents: trackCPU / Double(expected) * 1e6,
                    instanceMemory: instanceMemory, eventMemory: eventMemory),
                to: json)
        }
        try onEveryLoop(loops, racks) { _, _, rack in rack.killAll() }
    }

    /// Runs `body` on every loop at once, with its index and rack, and waits for all.
    private func onEveryLoop(
        _ loops: [any EventLoop], _ racks: [NIOLoopBound<DeviceRack>],
        _ body: @escaping @Sendable (any EventLoop, Int, DeviceRack) -> Void
    ) throws {
        let futures = loops.enumerated().map { loopIndex, loop in
            let rack = racks[loopIndex]
            return loop.submit { body(loop, loopIndex, rack.value) }
        }
        for future in futures { try future.wait() }
    }
}
