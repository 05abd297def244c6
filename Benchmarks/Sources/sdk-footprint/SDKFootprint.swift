import ArgumentParser
import ClickstreamSDK
import Foundation
import NIOCore
import RaccoonWire

/// What Clickstream SDK instances cost this process: memory per idle connected instance, memory
/// per stored event, and CPU per event through the whole pipeline.
@main
struct SDKFootprint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdk-footprint",
        abstract: "Measure the Clickstream SDK's memory per instance, per stored event, and CPU per event.",
        discussion: """
            Each measurement runs in its own process, so that one's heap does not blur the next: \
            'connected' (needs a running collector on 127.0.0.1), 'stored' and 'pipeline'. \
            scripts/bench-sdk.sh builds everything, starts the collector and runs all three.
            """,
        subcommands: [ConnectedFootprint.self, StoredFootprint.self, PipelineCost.self]
    )
}

/// Which flavor each instance runs.
enum FlavorMix: String, ExpressibleByArgument, Codable, Sendable {
    case android
    case ios
    /// Alternating, android first.
    case mixed

    func flavor(of index: Int) -> SDKFlavor {
        switch self {
        case .android: return .android
        case .ios: return .ios
        case .mixed: return index % 2 == 0 ? .android : .ios
        }
    }
}

/// The SDK instances of one event loop, and what their observer feed said about them. Lives on
/// that loop.
final class DeviceRack: SDKObserver {
    var sdks: [ClickstreamSDK] = []
    private(set) var connected = 0
    private(set) var connectFailures = 0
    private(set) var closes = 0
    private(set) var generated: UInt64 = 0
    private(set) var stored: UInt64 = 0
    private(set) var dropped: UInt64 = 0
    private(set) var lastFailure: String?

    func event(guid: String, type: String, step: FunnelStep, intendedAt: NIODeadline, at: NIODeadline) {
        switch step {
        case .generated: generated += 1
        case .stored: stored += 1
        case .dropped: dropped += 1
        default: break
        }
    }

    func connection(_ step: ConnectionStep, at: NIODeadline) {
        switch step {
        case .connected: connected += 1
        case .failed(let reason):
            connectFailures += 1
            lastFailure = reason
        case .closed:
            connected -= 1
            closes += 1
        case .attempt: break
        }
    }

    /// Counts read on the loop, handed to another thread.
    struct Snapshot: Sendable {
        var instances = 0
        var connected = 0
        var connectedByState = 0
        var connectFailures = 0
        var closes = 0
        var generated: UInt64 = 0
        var stored: UInt64 = 0
        var dropped: UInt64 = 0
        var storedRows = 0
        var storedEventBytes = 0
        var lastFailure: String?

        mutating func add(_ other: Snapshot) {
            instances += other.instances
            connected += other.connected
            connectedByState += other.connectedByState
            connectFailures += other.connectFailures
            closes += other.closes
            generated += other.generated
            stored += other.stored
            dropped += other.dropped
            storedRows += other.storedRows
            storedEventBytes += other.storedEventBytes
            lastFailure = other.lastFailure ?? lastFailure
        }
    }

    func snapshot(countingStores: Bool = false) -> Snapshot {
        var snapshot = Snapshot(
            instances: sdks.count, connected: connected, connectFailures: connectFailures, closes: closes,
            generated: generated, stored: stored, dropped: dropped, lastFailure: lastFailure)
        for sdk in sdks {
            if sdk.connectionState == .connected { snapshot.connectedByState += 1 }
            if countingStores {
                snapshot.storedRows += sdk.store.count
                snapshot.storedEventBytes += sdk.store.bytes
            }
        }
        return snapshot
    }

    /// Kills every instance (the WebSocket ones send their close frame) and lets them go.
    func killAll() {
        for sdk in sdks { sdk.kill() }
        sdks.removeAll()
    }
}

/// One rack per loop, made on its loop.
func makeRacks(_ loops: [any EventLoop]) throws -> [NIOLoopBound<DeviceRack>] {
    try loops.map { loop in try loop.submit { NIOLoopBound(DeviceRack(), eventLoop: loop) }.wait() }
}

/// Every rack's counts, added up.
func snapshot(
    _ racks: [NIOLoopBound<DeviceRack>], _ loops: [any EventLoop], countingStores: Bool = false
) throws -> DeviceRack.Snapshot {
    var total = DeviceRack.Snapshot()
    for (rack, loop) in zip(racks, loops) {
        total.add(try loop.submit { rack.value.snapshot(countingStores: countingStores) }.wait())
    }
    return total
}

/// The app's click number `sequence` on device `device`: a `ButtonClick` with only its guid set.
func click(run: UInt32, device: Int, sequence: UInt64) -> ButtonClick {
    var click = ButtonClick()
    click.eventGuid = EventGUID(run: run, device: UInt32(device), sequence: sequence).description
    return click
}
