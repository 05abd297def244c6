import ArgumentParser
import ClickSwarmTestSupport
import ClickstreamSDK
import ClickstreamTransports
import Collector
import Foundation
import NIOCore
import NIOPosix
import SwarmPrimitives

/// Memory per idle SDK instance connected to a real collector over loopback WebSocket.
struct ConnectedFootprint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connected",
        abstract: "Bytes of memory per idle SDK instance connected to a collector on 127.0.0.1.",
        discussion: """
            Raises the open-file soft limit to the hard limit, starts --threads event loops, samples \
            VmRSS/VmHWM and malloc's bytes in use (the baseline), then creates --instances SDK \
            instances spread over the loops, each with its own WebSocketTransport and X-User-ID, in \
            slices of --slice (each slice connected before the next starts). Once all report \
            connected it waits --settle seconds, samples again and prints the difference per \
            instance. Prints 'phase: baseline' and 'phase: settled' (then waits --hold seconds) so \
            that a script can sample the collector at the same moments.
            """
    )

    @Option(help: "Collector port on 127.0.0.1.") var port: Int
    @Option(help: "SDK instances to connect.") var instances = 10_000
    @Option(help: "Event loops (one MultiThreadedEventLoopGroup).") var threads = 2
    @Option(help: "Flavor of the instances: android, ios or mixed (alternating).") var flavor = FlavorMix.mixed
    @Option(help: "Instances started before waiting for them to connect.") var slice = 1_000
    @Option(help: "Seconds idle after all connected, before the second sample.") var settle = 2.0
    @Option(help: "Seconds to stay connected after printing 'phase: settled'.") var hold = 0.0
    @Option(help: "Seconds allowed for all instances to connect.") var connectTimeout = 45.0
    @Option(help: "Also write the figures as JSON to this file.") var json: String?

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1-65535") }
        guard instances >= 1, threads >= 1, slice >= 1 else {
            throw ValidationError("--instances, --threads and --slice must be at least 1")
        }
        guard settle >= 0, hold >= 0, connectTimeout > 0 else { throw ValidationError("bad durations") }
    }

    struct Report: Codable {
        var measurement = "connected"
        var instances: Int
        var threads: Int
        var flavor: FlavorMix
        var openFileSoftLimit: UInt64
        var connectSeconds: Double
        var settleSeconds: Double
        var connectFailures: Int
        var memory: MemoryDelta
    }

    func run() throws {
        guard let limits = FileDescriptorLimit.raise() else {
            throw MeasurementFailed("cannot read the open-file limit (getrlimit failed)")
        }
        // One descriptor per connection, plus the loops' own and some slack.
        guard limits.soft >= UInt64(instances + 64) else {
            say(
                "error: the open-file limit is \(limits.soft) (hard \(limits.hard)); "
                    + "\(instances) connections need about \(instances + 64)")
            throw ExitCode(1)
        }
        say(
            "sdk-footprint connected: 127.0.0.1:\(port), \(instances) instances (\(flavor.rawValue)) "
                + "over \(threads) event loop(s), open-file limit \(limits.soft)")

        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }
        let loops = Array(group.makeIterator())
        let racks = try makeRacks(loops)
        Thread.sleep(forTimeInterval: 0.2)
        let before = MemorySample.now()
        say("phase: baseline")

        let start = NIODeadline.now()
        let deadline = start + .nanoseconds(Int64(connectTimeout * 1e9))
        let runID = UInt32.random(in: 1...UInt32.max)
        var created = 0
        var progress = DeviceRack.Snapshot()
        while created < instances {
            let end = min(instances, created + slice)
            try startInstances(created..<end, runID: runID, loops: loops, racks: racks)
            created = end
            while true {
                progress = try snapshot(racks, loops)
                if progress.connected >= created { break }
                guard NIODeadline.now() < deadline else {
                    say(
                        "error: \(progress.connected) of \(created) instances connected within "
                            + "\(format(connectTimeout, 0)) s (\(progress.connectFailures) failed attempts, "
                            + "last: \(progress.lastFailure ?? "none"))")
                    throw ExitCode(1)
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        let connectSeconds = seconds(since: start)
        say(
            "connected: \(progress.connected) of \(instances) in \(format(connectSeconds, 2)) s "
                + "(\(progress.connectFailures) failed attempts on the way)")

        Thread.sleep(forTimeInterval: settle)
        let after = MemorySample.now()
        let settled = try snapshot(racks, loops)
        guard settled.connectedByState == instances, settled.closes == 0 else {
            say(
                "error: after settling, \(settled.connectedByState) of \(instances) instances are connected "
                    + "(\(settled.closes) connections closed by the collector)")
            throw ExitCode(1)
        }
        say("phase: settled")
        if hold > 0 { Thread.sleep(forTimeInterval: hold) }

        let memory = MemoryDelta(before: before, after: after, count: instances)
        for line in memory.lines("per connected instance") { say(line) }
        if let json {
            try writeJSON(
                Report(
                    instances: instances, threads: threads, flavor: flavor, openFileSoftLimit: limits.soft,
                    connectSeconds: connectSeconds, settleSeconds: settle, connectFailures: settled.connectFailures,
                    memory: memory),
                to: json)
        }

        // Close frames out, then the group's shutdown closes what is left.
        for (rack, loop) in zip(racks, loops) { try loop.submit { rack.value.killAll() }.wait() }
        Thread.sleep(forTimeInterval: 0.3)
    }

    /// Creates and starts instances `indices`, each on loop `index % loops.count`.
    private func startInstances(
        _ indices: Range<Int>, runID: UInt32, loops: [any EventLoop], racks: [NIOLoopBound<DeviceRack>]
    ) throws {
        let port = self.port
        let flavor = self.flavor
        var pending: [EventLoopFuture<Void>] = []
        for (loopIndex, loop) in loops.enumerated() {
            let rack = racks[loopIndex]
            let mine = indices.filter { $0 % loops.count == loopIndex }
            pending.append(
                loop.submit {
                    for index in mine {
                        let configuration = SDKConfiguration.defaults(for: flavor.flavor(of: index))
                        let deviceID = "footprint-\(String(runID, radix: 16))-\(index)"
                        let transport = WebSocketTransport(
                            host: "127.0.0.1", port: port, eventLoop: loop, connector: BootstrapConnector())
                        let sdk = ClickstreamSDK(
                            configuration: configuration, deviceID: deviceID,
                            store: EventStore(
                                capacityEvents: configuration.storeCapacityEvents,
                                capacityBytes: configuration.storeCapacityBytes),
                            transport: transport, headers: [("X-User-ID", deviceID)], eventLoop: loop,
                            seed: UInt64(index), observer: rack.value)
                        rack.value.sdks.append(sdk)
                        sdk.start()
                    }
                })
        }
        for future in pending { try future.wait() }
    }
}
