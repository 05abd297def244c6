/// Writes one device's timeline, stamped with the device's clock: nothing (and no string is
/// built) until the device is traced, by a replay or a traced run. The device and its observer
/// share it, so the entries stay in the order things happened.
final class DeviceLog {
    /// Set for the device a replay (or a traced run) follows.
    var trace: TimelineRecorder?
    /// Seconds since the run started, now.
    private let clock: () -> Double

    init(clock: @escaping () -> Double) { self.clock = clock }

    var isTracing: Bool { trace != nil }

    /// One entry: `kind` like `lifecycle`, `battery`, `network`, `event`; `what` happened.
    func callAsFunction(
        _ kind: String, _ what: @autoclosure () -> String, _ details: @autoclosure () -> [String: String] = [:]
    ) {
        guard let trace else { return }
        trace.add(clock(), kind, what(), details())
    }
}
