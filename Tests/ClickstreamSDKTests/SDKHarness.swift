import ClickstreamSDK
import Foundation
import NIOCore
import NIOEmbedded
import RaccoonWire
import SwiftProtobuf

/// A transport the test drives by hand: it records what the SDK sends and lets the test
/// answer, connect, fail and drop.
final class ScriptedTransport: SDKTransport {
    var handler: ((TransportEvent) -> Void)?
    var connectAttempts = 0
    var connectOptions: [ConnectOptions] = []
    var connected = false
    /// Every request written, decoded, with the time of the write (seconds of the phone's clock).
    var sent: [SendEventRequest] = []
    var sentAt: [Double] = []
    var closes: [(code: Int, reason: String)] = []
    var aborts = 0
    /// Accept every connection attempt at once.
    var autoConnect = true
    var clock: () -> Double = { 0 }

    func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
        connect(headers: headers, options: ConnectOptions(), handler: handler)
    }

    func connect(headers: [(String, String)], options: ConnectOptions, handler: @escaping (TransportEvent) -> Void) {
        connectAttempts += 1
        connectOptions.append(options)
        connected = false
        self.handler = handler
        if autoConnect {
            connected = true
            handler(.connected)
        }
    }

    func send(_ request: ByteBuffer) -> Bool {
        guard connected else { return false }
        sent.append(try! SendEventRequest(serializedBytes: Array(request.readableBytesView)))
        sentAt.append(clock())
        return true
    }

    func close(code: Int, reason: String) {
        connected = false
        handler = nil
        closes.append((code, reason))
    }

    func abort() {
        connected = false
        handler = nil
        aborts += 1
    }

    func acceptConnection() {
        connected = true
        handler?(.connected)
    }

    func failConnection(_ failure: TransportFailure = .refused("test")) {
        let handler = self.handler
        self.handler = nil
        handler?(.connectFailed(failure))
    }

    /// The socket drops with no close frame (`reason` as a transport says it).
    func drop(reason: String = "connection reset") {
        connected = false
        let handler = self.handler
        self.handler = nil
        handler?(.closed(code: nil, reason: reason))
    }

    /// The server closes with a close frame.
    func serverClose(code: Int, reason: String) {
        connected = false
        let handler = self.handler
        self.handler = nil
        handler?(.closed(code: code, reason: reason))
    }

    /// iOS's view of a drop: the peer is gone but nothing is reported until a write fails.
    func vanish() {
        connected = false
    }

    func answer(_ request: SendEventRequest, status: RaccoonStatus = .success, code: RaccoonCode = .ok) {
        answer(guid: request.reqGuid, status: status, code: code)
    }

    func answer(guid: String, status: RaccoonStatus = .success, code: RaccoonCode = .ok) {
        let response = SendEventResponse.make(status: status, code: code, sentTime: 0, reqGUID: guid)
        handler?(.received(ByteBuffer(bytes: try! response.serializedBytes() as [UInt8])))
    }

    /// The collector answers with bytes that are not a `SendEventResponse`.
    func answerGarbage(_ bytes: [UInt8]) {
        handler?(.received(ByteBuffer(bytes: bytes)))
    }

    func ackAll() {
        let pending = sent
        sent.removeAll()
        sentAt.removeAll()
        for request in pending { answer(request) }
    }

    var guids: [String] { sent.map(\.reqGuid) }
}

/// Records every funnel step per guid, every health record and connection step.
final class RecordingObserver: SDKObserver {
    var steps: [String: [FunnelStep]] = [:]
    var types: [String: String] = [:]
    var details: [(guid: String, detail: FunnelDetail)] = []
    var connections: [(step: ConnectionStep, at: NIODeadline)] = []
    var records: [HealthRecord] = []
    var shortNames: [(name: String, reason: String?)] = []
    var undecodable: [Int] = []

    func undecodableAnswer(bytes: Int, at: NIODeadline) { undecodable.append(bytes) }

    func event(guid: String, type: String, step: FunnelStep, intendedAt: NIODeadline, at: NIODeadline) {
        steps[guid, default: []].append(step)
        types[guid] = type
    }

    func event(guid: String, type: String, detail: FunnelDetail, intendedAt: NIODeadline, at: NIODeadline) {
        details.append((guid, detail))
    }

    func connection(_ step: ConnectionStep, at: NIODeadline) { connections.append((step, at)) }

    func health(_ record: HealthRecord, at: NIODeadline) {
        records.append(record)
        health(name: record.event.shortName, reason: record.reason, at: at)
    }

    func health(name: String, reason: String?, at: NIODeadline) { shortNames.append((name, reason)) }

    /// Steps of app events (the SDK's own health rows left out).
    func count(where predicate: (FunnelStep) -> Bool) -> Int {
        steps.filter { types[$0.key] != SDKConfiguration.healthEventType }.values.reduce(0) {
            $0 + $1.filter(predicate).count
        }
    }

    var acked: Int { count { if case .acked = $0 { true } else { false } } }
    var released: Int { count { if case .released = $0 { true } else { false } } }
    var timedOut: Int { count { if case .timedOut = $0 { true } else { false } } }

    func dropped(_ reason: String) -> Int { count { $0 == .dropped(reason: reason) } }

    /// Health records of one name (and reason, when given).
    func health(_ event: HealthEventName, reason: String? = nil) -> [HealthRecord] {
        records.filter { $0.event == event && (reason == nil || $0.reason == reason) }
    }

    var closedByClient: [String] {
        connections.compactMap { if case .closed(nil, let reason) = $0.step { reason } else { nil } }
    }
}

/// One simulated phone on a virtual clock (`EmbeddedEventLoop`): time zero is the phone's launch.
final class Phone {
    let loop = EmbeddedEventLoop()
    let transport = ScriptedTransport()
    let observer = RecordingObserver()
    let store: EventStore
    var sdk: ClickstreamSDK
    var sequence: UInt64 = 0
    let configuration: SDKConfiguration
    let remoteConfig: RemoteConfig
    static let wallStart = Date(timeIntervalSince1970: 1_767_225_600)

    init(
        _ flavor: SDKFlavor, conditions: DeviceConditions = DeviceConditions(),
        remoteConfig: RemoteConfig = RemoteConfig(), store: EventStore? = nil,
        change: (inout SDKConfiguration) -> Void = { _ in }
    ) {
        var configuration = SDKConfiguration.defaults(for: flavor)
        change(&configuration)
        self.configuration = configuration
        self.remoteConfig = remoteConfig
        let store =
            store
            ?? EventStore(
                capacityEvents: configuration.storeCapacityEvents, capacityBytes: configuration.storeCapacityBytes)
        self.store = store
        sdk = Self.makeSDK(configuration, store, transport, loop, conditions, remoteConfig, observer, seed: 7)
        let loop = self.loop
        transport.clock = { Double(loop.now.uptimeNanoseconds) / 1e9 }
        sdk.start()
    }

    private static func makeSDK(
        _ configuration: SDKConfiguration, _ store: EventStore, _ transport: ScriptedTransport,
        _ loop: EmbeddedEventLoop,
        _ conditions: DeviceConditions, _ remoteConfig: RemoteConfig, _ observer: RecordingObserver, seed: UInt64
    ) -> ClickstreamSDK {
        ClickstreamSDK(
            configuration: configuration, deviceID: "phone", store: store, transport: transport,
            headers: [("X-User-ID", "phone")], eventLoop: loop, conditions: conditions, remoteConfig: remoteConfig,
            seed: seed, observer: observer,
            wallClock: { Phone.wallStart.addingTimeInterval(Double($0.uptimeNanoseconds) / 1e9) })
    }

    /// Seconds since the phone's clock started.
    var seconds: Double { Double(loop.now.uptimeNanoseconds) / 1e9 }

    /// Tracks `count` button clicks, stamped now (or `timestamp` seconds of the wall clock).
    func click(_ count: Int = 1, timestamp: Double? = nil) {
        for _ in 0..<count { track(ButtonClick(), timestamp: timestamp) }
    }

    /// Tracks one contract with the next guid; returns the guid.
    @discardableResult
    func track<Contract: EventContract>(_ contract: Contract, timestamp: Double? = nil) -> String {
        var contract = contract
        contract.eventGuid = EventGUID(run: 1, device: 1, sequence: sequence).description
        sequence += 1
        contract.eventTimestamp = ProtoTimestamp(date: Self.wallStart.addingTimeInterval(timestamp ?? seconds))
        sdk.track(contract)
        return contract.eventGuid
    }

    func guid(_ sequence: UInt64) -> String { EventGUID(run: 1, device: 1, sequence: sequence).description }

    func advance(_ seconds: Double) { loop.advanceTime(by: .nanoseconds(Int64((seconds * 1e9).rounded()))) }

    func advance(to seconds: Double) {
        loop.advanceTime(to: .uptimeNanoseconds(UInt64((seconds * 1e9).rounded())))
    }

    func update(_ change: (inout DeviceConditions) -> Void) {
        var conditions = sdk.conditions
        change(&conditions)
        sdk.update(conditions)
    }

    func background() { update { $0.foreground = false } }
    func foreground() { update { $0.foreground = true } }

    /// The app is killed and launched again (in the foreground): a new SDK instance on the
    /// same store.
    func relaunch(conditions: DeviceConditions? = nil) {
        sdk.kill()
        var conditions = conditions ?? sdk.conditions
        conditions.foreground = true
        sdk = Self.makeSDK(configuration, store, transport, loop, conditions, remoteConfig, observer, seed: 8)
        sdk.start()
    }

    /// The guids of the events of every request sent, in order.
    func eventGUIDs(_ request: SendEventRequest) -> [String] {
        request.events.filter { $0.type != SDKConfiguration.healthEventType }.map {
            try! ButtonClick(serializedBytes: $0.eventBytes).eventGuid
        }
    }
}
