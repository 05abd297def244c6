import ClickstreamSDK
import NIOCore
import NIOEmbedded
import RaccoonWire
import SwiftProtobuf

/// A transport the test drives by hand: it records what the SDK sends and lets the test
/// answer, connect, fail and drop.
final class ScriptedTransport: SDKTransport {
    var handler: ((TransportEvent) -> Void)?
    var connectAttempts = 0
    var connected = false
    var sent: [SendEventRequest] = []
    var closes: [(code: Int, reason: String)] = []
    /// Accept every connection attempt at once.
    var autoConnect = true

    func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
        connectAttempts += 1
        self.handler = handler
        if autoConnect {
            connected = true
            handler(.connected)
        }
    }

    func send(_ request: ByteBuffer) -> Bool {
        guard connected else { return false }
        sent.append(try! SendEventRequest(serializedBytes: Array(request.readableBytesView)))
        return true
    }

    func close(code: Int, reason: String) {
        connected = false
        closes.append((code, reason))
    }

    func acceptConnection() {
        connected = true
        handler?(.connected)
    }

    func drop() {
        connected = false
        handler?(.closed(code: nil, reason: "connection reset"))
    }

    func answer(_ request: SendEventRequest, status: RaccoonStatus = .success, code: RaccoonCode = .ok) {
        let response = SendEventResponse.make(status: status, code: code, sentTime: 0, reqGUID: request.reqGuid)
        handler?(.received(ByteBuffer(bytes: try! response.serializedBytes() as [UInt8])))
    }

    func ackAll() {
        for request in sent { answer(request) }
        sent.removeAll()
    }
}

/// Records every funnel step per guid.
final class RecordingObserver: SDKObserver {
    var steps: [String: [FunnelStep]] = [:]
    var connections: [ConnectionStep] = []

    func event(guid: String, type: String, step: FunnelStep, intendedAt: NIODeadline, at: NIODeadline) {
        steps[guid, default: []].append(step)
    }

    func connection(_ step: ConnectionStep, at: NIODeadline) { connections.append(step) }

    var healthEvents: [(name: String, reason: String?)] = []

    func health(name: String, reason: String?, at: NIODeadline) { healthEvents.append((name, reason)) }

    func count(where predicate: (FunnelStep) -> Bool) -> Int {
        steps.values.reduce(0) { $0 + $1.filter(predicate).count }
    }

    var acked: Int { count { if case .acked = $0 { true } else { false } } }

    func dropped(_ reason: String) -> Int { count { $0 == .dropped(reason: reason) } }
}

/// One simulated phone on a virtual clock.
final class Phone {
    let loop = EmbeddedEventLoop()
    let transport = ScriptedTransport()
    let observer = RecordingObserver()
    let store: EventStore
    var sdk: ClickstreamSDK
    var sequence: UInt64 = 0
    let configuration: SDKConfiguration

    init(
        _ flavor: SDKFlavor, conditions: DeviceConditions = DeviceConditions(),
        remoteConfig: RemoteConfig = RemoteConfig(),
        change: (inout SDKConfiguration) -> Void = { _ in }
    ) {
        var configuration = SDKConfiguration.defaults(for: flavor)
        change(&configuration)
        self.configuration = configuration
        store = EventStore(
            capacityEvents: configuration.storeCapacityEvents, capacityBytes: configuration.storeCapacityBytes)
        sdk = ClickstreamSDK(
            configuration: configuration, deviceID: "phone", store: store, transport: transport,
            headers: [("X-User-ID", "phone")], eventLoop: loop, conditions: conditions, remoteConfig: remoteConfig,
            seed: 7, observer: observer)
        sdk.start()
    }

    /// Tracks `count` button clicks (or another contract via `make`).
    func click(_ count: Int = 1) {
        for _ in 0..<count {
            var click = ButtonClick()
            click.eventGuid = EventGUID(run: 1, device: 1, sequence: sequence).description
            sequence += 1
            sdk.track(click)
        }
    }

    func advance(_ seconds: Double) { loop.advanceTime(by: .nanoseconds(Int64(seconds * 1e9))) }

    func update(_ change: (inout DeviceConditions) -> Void) {
        var conditions = sdk.conditions
        change(&conditions)
        sdk.update(conditions)
    }

    /// The app is killed and launched again: a new SDK instance on the same store.
    func relaunch() {
        sdk.kill()
        transport.connected = false
        sdk = ClickstreamSDK(
            configuration: configuration, deviceID: "phone", store: store, transport: transport,
            headers: [("X-User-ID", "phone")], eventLoop: loop, conditions: sdk.conditions, seed: 8,
            observer: observer)
        sdk.start()
    }
}
