import Foundation
import RaccoonWire
import Testing

@testable import Simulation

/// The event stamper: unique guids by sequence, the intended timestamp, the session context.
@Suite("Event stamper")
struct EventStamperTests {
    @Test("guids count up per device across sessions; the context carries the session and the battery")
    func stamps() throws {
        var scenario = DeviceFixtures.scenario()
        scenario.battery.drainForeground = 10
        let profile = DeviceFixtures.profile(scenario, battery: 42.6)
        var stamper = EventStamper(profile: profile, runID: 9)
        let wall = Date(timeIntervalSince1970: 1_767_225_600)
        stamper.startSession(at: wall)
        let battery = DeviceEnvironment(profile: profile, scenario: scenario, openModel: false).battery

        let first = stamper.stamp(ScreenView(), intendedAt: wall.addingTimeInterval(1.5), battery: battery)
        stamper.startSession(at: wall.addingTimeInterval(60))
        let second = stamper.stamp(ButtonClick(), intendedAt: wall.addingTimeInterval(61), battery: battery)

        #expect(first.eventGuid == EventGUID(run: 9, device: UInt32(profile.index), sequence: 0).description)
        #expect(second.eventGuid == EventGUID(run: 9, device: UInt32(profile.index), sequence: 1).description)
        #expect(stamper.sequence == 2)
        #expect(first.eventTimestamp == ProtoTimestamp(date: wall.addingTimeInterval(1.5)))
        #expect(first.context.session.sessionID == "\(profile.identity)-s1")
        #expect(second.context.session.sessionID == "\(profile.identity)-s2")
        #expect(second.context.session.sequence == 2)
        #expect(second.context.session.startedAt == ProtoTimestamp(date: wall.addingTimeInterval(60)))
        #expect(first.context.userID == profile.identity && first.context.device.deviceID == profile.identity)
        #expect(first.context.device.batteryLevel == 43 && !first.context.device.charging)
        #expect(first.context.app.sdkFlavor == profile.flavor.rawValue)
    }
}
