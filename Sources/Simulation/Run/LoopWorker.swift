import ClickstreamSDK
import Collector
import NIOCore
import Reports
import SwarmPrimitives

/// The devices of one event loop and that loop's recorder shard. Lives on its loop only.
final class LoopWorker {
    let recorder: RecorderShard
    private(set) var devices: [SimulatedDevice] = []
    private let context: RunContext

    private let loop: any EventLoop
    /// The timers of the loop's devices and their SDKs.
    let scheduler: any SDKScheduler

    /// Builds the devices `indexes` on `loop`; `connect` gives each its way to the collector;
    /// `scheduler` runs their timers (by default the loop's own, `EventLoopScheduler.of`).
    init(
        context: RunContext, loop: any EventLoop, scheduler: (any SDKScheduler)? = nil, indexes: some Sequence<Int>,
        connect: (DeviceProfile) -> any DeviceConnection
    ) {
        loop.preconditionInEventLoop()
        self.context = context
        self.loop = loop
        let scheduler = scheduler ?? EventLoopScheduler.of(loop)
        self.scheduler = scheduler
        recorder = RecorderShard(runStart: context.start.uptimeNanoseconds)
        for index in indexes {
            let profile = context.population.profile(index)
            devices.append(
                SimulatedDevice(
                    profile: profile, context: context, loop: loop, scheduler: scheduler, recorder: recorder,
                    connection: connect(profile)))
        }
    }

    /// Follows device `index` (if it lives here) into a timeline.
    func trace(_ index: Int?) {
        guard let index else { return }
        for device in devices where device.profile.index == index {
            device.trace = TimelineRecorder(device: index)
        }
    }

    /// The traced device's timeline, if it lives here.
    var timeline: DeviceTimeline? { devices.lazy.compactMap { $0.trace?.timeline }.first }

    /// Arms every device's arrivals and the scenario's remote-config changes.
    func schedule() {
        for device in devices { device.schedule() }
        for change in context.scenario.remoteConfig.changes {
            loop.assumeIsolated().scheduleTask(deadline: context.deadline(change.at)) {
                self.apply(change)
            }
        }
    }

    /// A remote-config change: applies to every device of the named cohorts (all when empty).
    func apply(_ change: Scenario.ConfigChange) {
        for device in devices where change.cohorts.isEmpty || change.cohorts.contains(device.profile.cohort) {
            device.apply(change.config)
        }
        recorder.note("remote_config_changes")
    }

    /// Ends every device; returns the pending events by type and the ack bitmaps by device.
    func finish() -> (pending: [String: UInt64], acked: [UInt32: SequenceBitmap]) {
        var pending: [String: UInt64] = [:]
        var acked: [UInt32: SequenceBitmap] = [:]
        for device in devices {
            pending.merge(device.finish(), uniquingKeysWith: +)
            if context.checkDeliveries { acked[UInt32(device.profile.index)] = device.ackedSequences }
        }
        return (pending, acked)
    }
}
