import Dispatch
import NIOCore
import Reports

/// One partition of a virtual-clock run, start to end, on the thread that calls `run` (the
/// `VirtualClockLoop` it makes is that thread's).
struct VirtualPartition: Sendable {
    struct Result: Sendable {
        var partition: Int
        var outcome: PartitionResult
        var collector: CollectorFigures
        var reached: Double
        var interrupted: Bool
    }

    var index: Int
    var context: RunContext
    var devices: [Int]
    var runSeed: UInt64
    var trace: Int?

    /// Builds the partition's collector core and devices, advances its clock in `step`s of run
    /// time to `end` (or a stop), then ends every device and drains the loop.
    func run(to end: Double, step: Double, stopper: RunStopper, progress: VirtualProgress) -> Result {
        let loop = VirtualClockLoop()
        let wallStart = context.wallStart
        let collector = SimulatedCollector(scenario: context.scenario, loop: loop) { deadline in
            Int64((wallStart.timeIntervalSince1970 + Double(deadline.uptimeNanoseconds) / 1e9) * 1000)
        }
        collector.schedule(FaultSchedule(context.scenario.faults), start: context.start)
        let runSeed = self.runSeed
        let worker = LoopWorker(context: context, loop: loop, indexes: devices) { profile in
            InMemoryConnection(profile: profile, collector: collector, loop: loop, runSeed: runSeed)
        }
        worker.trace(trace)
        worker.schedule()
        var time = 0.0
        var interrupted = false
        // The counters for the status line are built (a histogram copy) at most every 100 ms of
        // wall time, not at every step: a simulated day is 8,640 steps, a few seconds of wall time.
        var countersDue: UInt64 = 0
        while time < end {
            if stopper.isStopped {
                interrupted = true
                break
            }
            time = min(end, time + step)
            loop.advanceTime(to: context.deadline(time))
            let wall = DispatchTime.now().uptimeNanoseconds
            if wall >= countersDue {
                progress.update(index, time: time, counters: worker.recorder.progress)
                countersDue = wall + 100_000_000
            } else {
                progress.update(index, time: time)
            }
            if progress.wantsSnapshot(index) { progress.publish(index, worker.recorder.snapshot()) }
        }
        progress.update(index, time: time, counters: worker.recorder.progress)
        progress.publish(index, worker.recorder.snapshot(), finished: true)
        let finished = worker.finish()
        let outcome = PartitionResult(
            pending: finished.pending, acked: finished.acked, snapshot: worker.recorder.snapshot(),
            timeline: worker.timeline)
        let figures = collector.figures(run: context.runID)
        // Let every leftover timer run (they find their device finished) so the loop ends empty.
        loop.advanceTime(to: .uptimeNanoseconds(.max / 2))
        return Result(partition: index, outcome: outcome, collector: figures, reached: time, interrupted: interrupted)
    }
}
