import NIOCore
import SwarmPrimitives
import Testing

@testable import Simulation

@Suite("Device time")
struct DeviceTimeTests {
    /// The same overflow fuzz-http found in the collector's ack delay: a think time sampled from
    /// lognormal(2s, 10) can be 1e37 s, whose nanoseconds trapped converting to Int64.
    @Test("seconds beyond the longest duration wait the longest duration")
    func longTail() {
        #expect(DeviceTime.amount(1.5) == .milliseconds(1500))
        #expect(DeviceTime.amount(1e37) == .seconds(Int64(Distribution.longestDuration)))
        #expect(DeviceTime.amount(.greatestFiniteMagnitude) == DeviceTime.amount(Distribution.longestDuration))
    }
}
