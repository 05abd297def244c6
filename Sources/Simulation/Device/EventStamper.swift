import ClickstreamSDK
import Foundation
import RaccoonWire

/// Stamps the app's events before it tracks them: a guid unique in the run (run, device,
/// sequence), the intended time, and the proto context (user, device, app, session, battery).
/// Pure; it lives as long as the phone, so the sequence goes on after an app kill.
struct EventStamper {
    private let run: UInt32
    private let device: UInt32
    /// The next event guid's sequence.
    private(set) var sequence: UInt64 = 0
    /// The current session's number, from 1.
    private(set) var sessionNumber: UInt32 = 0
    private var context = EventContext()
    private let identity: String

    init(profile: DeviceProfile, runID: UInt32) {
        run = runID
        device = UInt32(profile.index)
        identity = profile.identity
        context.userID = profile.identity
        context.device.deviceID = profile.identity
        context.device.os = profile.flavor == .ios ? .ios : .android
        context.device.network = Self.networkType(profile.network.kind)
        context.app.appID = "clickswarm.simulated"
        context.app.sdkFlavor = profile.flavor.rawValue
        context.app.sdkVersion = "clickswarm"
    }

    /// A new app session, started at `startedAt` on the wall clock.
    mutating func startSession(at startedAt: Date) {
        sessionNumber += 1
        context.session.sessionID = "\(identity)-s\(sessionNumber)"
        context.session.startedAt = ProtoTimestamp(date: startedAt)
        context.session.sequence = sessionNumber
    }

    /// `template` with the next guid, the timestamp `intendedAt` (wall clock) and the context with
    /// the battery as it is now.
    mutating func stamp(_ template: any EventContract, intendedAt: Date, battery: BatteryModel) -> any EventContract {
        var message = template
        message.eventGuid = nextGUID().description
        message.eventTimestamp = ProtoTimestamp(date: intendedAt)
        message.context = context(battery: Self.batteryReading(battery))
        return message
    }

    /// The next event's guid (the sequence moves on).
    mutating func nextGUID() -> EventGUID {
        defer { sequence += 1 }
        return EventGUID(run: run, device: device, sequence: sequence)
    }

    /// The battery as the context carries it: the level rounded to a whole percent, charging.
    static func batteryReading(_ battery: BatteryModel) -> (level: UInt32, charging: Bool) {
        (UInt32(battery.level.rounded()), battery.charging)
    }

    /// The current session's context with this battery reading.
    func context(battery: (level: UInt32, charging: Bool)) -> EventContext {
        var context = self.context
        context.device.batteryLevel = battery.level
        context.device.charging = battery.charging
        return context
    }

    /// The context of session `number` (from 1), started at `startedAt`, with this battery reading.
    func context(session number: UInt32, startedAt: ProtoTimestamp, battery: (level: UInt32, charging: Bool))
        -> EventContext
    {
        var context = self.context(battery: battery)
        context.session.sessionID = "\(identity)-s\(number)"
        context.session.startedAt = startedAt
        context.session.sequence = number
        return context
    }

    private static func networkType(_ kind: NetworkKind) -> Clickswarm_Events_V1_NetworkType {
        switch kind {
        case .wifi: return .wifi
        case .cellular4G: return .networkType4G
        case .cellular3G: return .networkType3G
        case .cellular2G: return .networkType2G
        }
    }
}
