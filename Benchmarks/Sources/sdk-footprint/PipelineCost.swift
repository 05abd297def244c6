import ArgumentParser
import BenchSupport
import ClickSwarmTestSupport
import ClickstreamSDK
import ClickstreamTransports
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOPosix
import RaccoonWire

/// CPU per event through the SDK's whole pipeline, against an in-memory collector.
struct PipelineCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "SDK CPU time per event through the whole pipeline, against an in-memory collector.",
        discussion: """
            Per flavor: --instances SDK instances on one event loop (a real NIO loop, or an \
            EmbeddedEventLoop with virtual time), each with a transport that answers every batch with \
            an OK SendEventResponse echoing its req_guid on the next loop tick. After a warm-up round, \
            in each of --rounds rounds every instance tracks --events-per-instance ButtonClick events \
            (built beforehand: the app's work, not the SDK's) and the loop runs until the observer saw \
            every event acked: track, sample, store, batch on the timer, serialize, send, decode the \
            answer, delete, observe. The process's CPU time (getrusage) over the round, less the time \
            the stub collector spent building answers, divided by the events, is the SDK's CPU per \
            event; the median round is reported, with the range.
            """
    )

    enum LoopKind: String, ExpressibleByArgument, Codable, Sendable {
        /// One thread of a MultiThreadedEventLoopGroup; batch timers run in wall time.
        case posix
        /// An EmbeddedEventLoop on the main thread; time advances a batch period at a step.
        case embedded
    }

    enum ObserverKind: String, ExpressibleByArgument, Codable, Sendable {
        /// `FunnelLedger`, as the harness runs it (per-type dictionaries).
        case ledger
        /// Integer counters only, to show what the ledger itself costs.
        case counter
    }

    enum FlavorChoice: String, ExpressibleByArgument, Sendable {
        case android
        case ios
        case both

        var flavors: [SDKFlavor] {
            switch self {
            case .android: return [.android]
            case .ios: return [.ios]
            case .both: return [.android, .ios]
            }
        }
    }

    @Option(help: "SDK instances on the loop.") var instances = 1_000
    @Option(help: "Events tracked into each instance in the measured round.") var eventsPerInstance = 200
    @Option(help: "Events per instance in the warm-up round (not measured).") var warmupEvents = 20
    @Option(help: "android, ios or both (one after the other, each with its own instances).")
    var flavor = FlavorChoice.both
    @Option(help: "posix (a real event loop) or embedded (EmbeddedEventLoop, virtual time).")
    var loop = LoopKind.posix
    @Option(
        help: """
            The SDKs' batch period, in milliseconds. On a posix loop every instance's three batch \
            timers fire once a period whether or not there is anything to send, so keep \
            instances * 3 / period well below the loop's rate (1,000 instances at 100 ms: 30,000 \
            fires/s); on an embedded loop time advances a period per step, so the value does not \
            change the cost.
            """)
    var batchPeriodMs = 100
    @Option(help: "ledger (FunnelLedger) or counter (integer counters).") var observer = ObserverKind.ledger
    @Option(help: "Measured rounds per flavor, on the same instances; the median round is reported.")
    var rounds = 5
    @Option(help: "Android only: events per batch instead of the flavor's 20.") var androidEventsPerBatch: Int?
    @Option(help: "Seconds allowed per round for every event to be acked.") var timeout = 30.0
    @Option(help: "Events per second per core the SDK should clear.") var target = 100_000.0
    @Option(help: "Also write the figures as JSON to this file.") var json: String?

    func validate() throws {
        guard instances >= 1, eventsPerInstance >= 1, warmupEvents >= 0 else {
            throw ValidationError("--instances and --events-per-instance must be at least 1")
        }
        guard batchPeriodMs >= 1, timeout > 0, target > 0, rounds >= 1 else {
            throw ValidationError("--batch-period-ms, --timeout, --target and --rounds must be positive")
        }
        if let androidEventsPerBatch, androidEventsPerBatch < 1 {
            throw ValidationError("--android-events-per-batch must be at least 1")
        }
    }

    struct FlavorResult: Codable, Sendable {
        var flavor: String
        var events: Int
        var batches: UInt64
        var eventsPerBatch: Double
        var wallSeconds: Double
        var processCPUSeconds: Double
        var stubCPUSeconds: Double
        var sdkCPUSeconds: Double
        var sdkMicrosecondsPerEvent: Double
        var sdkEventsPerSecondPerCore: Double
        var clearsTarget: Bool
        var generated: UInt64
        var acked: UInt64
        var dropped: UInt64
        var resends: UInt64
        var timeouts: UInt64
        /// Rounds measured; the figures are those of the median round.
        var rounds = 1
        var sdkMicrosecondsPerEventMin = 0.0
        var sdkMicrosecondsPerEventMax = 0.0
    }

    struct Report: Codable {
        var measurement = "pipeline"
        var instances: Int
        var eventsPerInstance: Int
        var loop: LoopKind
        var observer: ObserverKind
        var batchPeriodMilliseconds: Int
        var androidEventsPerBatch: Int?
        var target: Double
        var flavors: [FlavorResult]
    }

    func run() throws {
        say(
            "sdk-footprint pipeline: \(instances) instances on one \(loop.rawValue) event loop, "
                + "\(eventsPerInstance) events each, batch period \(batchPeriodMs) ms, observer \(observer.rawValue)")
        var results: [FlavorResult] = []
        for flavor in flavor.flavors {
            let result = try measure(flavor)
            results.append(result)
            say(
                "\(flavor.rawValue): \(result.events) events in \(result.batches) batches "
                    + "(\(format(result.eventsPerBatch, 1))/batch), wall \(format(result.wallSeconds, 2)) s, "
                    + "CPU \(format(result.processCPUSeconds, 3)) s of which stub collector "
                    + "\(format(result.stubCPUSeconds, 3)) s; SDK \(format(result.sdkMicrosecondsPerEvent, 2)) us/event "
                    + "= \(Int(result.sdkEventsPerSecondPerCore)) events/s per core "
                    + "(target \(Int(target)): \(result.clearsTarget ? "met" : "NOT met")); median of \(result.rounds) "
                    + "rounds, \(format(result.sdkMicrosecondsPerEventMin, 2))-\(format(result.sdkMicrosecondsPerEventMax, 2)) us"
            )
        }
        if let json {
            try writeJSON(
                Report(
                    instances: instances, eventsPerInstance: eventsPerInstance, loop: loop, observer: observer,
                    batchPeriodMilliseconds: batchPeriodMs, androidEventsPerBatch: androidEventsPerBatch,
                    target: target, flavors: results),
                to: json)
        }
    }

    private func measure(_ flavor: SDKFlavor) throws -> FlavorResult {
        let driver: any PipelineDriver =
            switch loop {
            case .posix: try PosixDriver(callTimeout: timeout)
            case .embedded: EmbeddedDriver(step: .milliseconds(Int64(batchPeriodMs)))
            }
        defer { driver.shutdown() }
        var configuration = SDKConfiguration.defaults(for: flavor)
        configuration.batchPeriod = .milliseconds(Int64(batchPeriodMs))
        if flavor == .android, let androidEventsPerBatch {
            configuration.batchRule = .eventsPerBatch(androidEventsPerBatch)
        }
        let instances = self.instances
        let observer = self.observer
        let rig = try driver.onLoop { [configuration] loop in
            NIOLoopBound(
                PipelineRig(loop: loop, configuration: configuration, instances: instances, observer: observer),
                eventLoop: loop)
        }
        // Stop every instance's timers before the loop goes, whatever happens.
        defer { _ = try? driver.onLoop { _ in rig.value.killAll() } }
        guard try driver.waitUntil(timeout: timeout, { rig.value.allConnected }) else {
            throw MeasurementFailed("the in-memory transports did not report connected")
        }

        // Warm-up: the first batches of every instance, so lazy setup is not measured.
        if warmupEvents > 0 {
            let warmupEvents = self.warmupEvents
            _ = try driver.onLoop { _ in rig.value.prepare(eventsPerInstance: warmupEvents) }
            let target = try driver.onLoop { _ in rig.value.trackPrepared() }
            guard try driver.waitUntil(timeout: timeout, { rig.value.counts.acked >= target }) else {
                throw MeasurementFailed("\(flavor.rawValue) warm-up: not every event was acked in time")
            }
        }

        var measured: [FlavorResult] = []
        for round in 1...rounds {
            let result = try measureRound(flavor, driver: driver, rig: rig)
            say(
                "  \(flavor.rawValue) round \(round): \(format(result.sdkMicrosecondsPerEvent, 2)) us/event "
                    + "(CPU \(format(result.processCPUSeconds, 3)) s, stub \(format(result.stubCPUSeconds, 3)) s, "
                    + "wall \(format(result.wallSeconds, 2)) s)")
            measured.append(result)
        }
        var median = measured.sorted { $0.sdkMicrosecondsPerEvent < $1.sdkMicrosecondsPerEvent }[measured.count / 2]
        median.rounds = measured.count
        median.sdkMicrosecondsPerEventMin = measured.map(\.sdkMicrosecondsPerEvent).min() ?? 0
        median.sdkMicrosecondsPerEventMax = measured.map(\.sdkMicrosecondsPerEvent).max() ?? 0
        return median
    }

    /// One measured round: every instance tracks `eventsPerInstance` events, then the loop runs
    /// until all are acked.
    private func measureRound(
        _ flavor: SDKFlavor, driver: any PipelineDriver, rig: NIOLoopBound<PipelineRig>
    ) throws -> FlavorResult {
        let eventsPerInstance = self.eventsPerInstance
        _ = try driver.onLoop { _ in rig.value.prepare(eventsPerInstance: eventsPerInstance) }
        let before = try driver.onLoop { _ in rig.value.counts }
        let stubBefore = try driver.onLoop { _ in rig.value.stubNanoseconds }
        let wallStart = NIODeadline.now()
        let cpuStart = processCPUSeconds()
        let target = try driver.onLoop { _ in rig.value.trackPrepared() }
        let done = try driver.waitUntil(timeout: timeout) { rig.value.counts.acked >= target }
        let cpu = processCPUSeconds() - cpuStart
        let wall = seconds(since: wallStart)
        let after = try driver.onLoop { _ in rig.value.counts }
        let stubAfter = try driver.onLoop { _ in rig.value.stubNanoseconds }
        guard done else {
            throw MeasurementFailed(
                "\(flavor.rawValue): \(after.acked - before.acked) of \(after.generated - before.generated) "
                    + "events acked within \(format(timeout, 0)) s")
        }
        let events = instances * eventsPerInstance
        // Every event generated is acked, none dropped: the ledger balances with nothing pending.
        guard after.generated - before.generated == UInt64(events), after.generated == after.acked,
            after.dropped == 0
        else {
            throw MeasurementFailed(
                "\(flavor.rawValue): generated \(after.generated), acked \(after.acked), dropped \(after.dropped)")
        }
        let stub = Double(stubAfter.nanoseconds - stubBefore.nanoseconds) / 1e9
        let sdkCPU = max(cpu - stub, 1e-9)
        let batches = stubAfter.batches - stubBefore.batches
        return FlavorResult(
            flavor: flavor.rawValue, events: events, batches: batches,
            eventsPerBatch: Double(events) / Double(max(batches, 1)), wallSeconds: wall, processCPUSeconds: cpu,
            stubCPUSeconds: stub, sdkCPUSeconds: sdkCPU, sdkMicrosecondsPerEvent: sdkCPU / Double(events) * 1e6,
            sdkEventsPerSecondPerCore: Double(events) / sdkCPU, clearsTarget: Double(events) / sdkCPU >= self.target,
            generated: after.generated - before.generated, acked: after.acked - before.acked,
            dropped: after.dropped - before.dropped, resends: after.resends - before.resends,
            timeouts: after.timeouts - before.timeouts)
    }
}

/// The instances of one flavor on one loop, with their in-memory collectors and observer.
final class PipelineRig {
    struct Counts: Sendable {
        var generated: UInt64 = 0
        var acked: UInt64 = 0
        var dropped: UInt64 = 0
        var resends: UInt64 = 0
        var timeouts: UInt64 = 0
    }

    struct Stub: Sendable {
        var batches: UInt64
        var nanoseconds: UInt64
    }

    private let ledger: FunnelLedger?
    private let counter: CountingObserver?
    private let tally = StubTally()
    private var sdks: [ClickstreamSDK] = []
    private var prepared: [[ButtonClick]] = []
    private var nextSequence: UInt64 = 0
    private let runID = UInt32.random(in: 1...UInt32.max)

    init(
        loop: any EventLoop, configuration: SDKConfiguration, instances: Int, observer kind: PipelineCost.ObserverKind
    ) {
        let ledger = kind == .ledger ? FunnelLedger() : nil
        let counter = ledger == nil ? CountingObserver() : nil
        self.ledger = ledger
        self.counter = counter
        let observer: any SDKObserver = ledger ?? counter ?? CountingObserver()
        for index in 0..<instances {
            let deviceID = "pipeline-\(index)"
            let sdk = ClickstreamSDK(
                configuration: configuration, deviceID: deviceID,
                store: EventStore(
                    capacityEvents: configuration.storeCapacityEvents, capacityBytes: configuration.storeCapacityBytes),
                transport: EchoTransport(eventLoop: loop, tally: tally), headers: [("X-User-ID", deviceID)],
                eventLoop: loop, seed: UInt64(index), observer: observer)
            sdk.start()
            sdks.append(sdk)
        }
    }

    /// Stops every instance (and its timers).
    func killAll() {
        for sdk in sdks { sdk.kill() }
    }

    var allConnected: Bool { sdks.allSatisfy { $0.connectionState == .connected } }

    var stubNanoseconds: Stub { Stub(batches: tally.batches, nanoseconds: tally.nanoseconds) }

    var counts: Counts {
        if let ledger {
            let total = ledger.total
            return Counts(
                generated: total.generated, acked: total.acked, dropped: total.droppedTotal, resends: total.resends,
                timeouts: total.timeouts)
        }
        return counter?.counts ?? Counts()
    }

    /// Builds the next `eventsPerInstance` clicks of every instance (the app's work, not measured).
    func prepare(eventsPerInstance: Int) {
        prepared = sdks.indices.map { device in
            (0..<UInt64(eventsPerInstance)).map { offset in
                click(run: runID, device: device, sequence: nextSequence + offset)
            }
        }
        nextSequence += UInt64(eventsPerInstance)
    }

    /// Tracks the prepared clicks; returns how many events must be acked in all once they are.
    func trackPrepared() -> UInt64 {
        for (sdk, clicks) in zip(sdks, prepared) {
            for click in clicks { sdk.track(click) }
        }
        prepared = []
        return counts.generated
    }
}

/// An observer that only counts, for comparison with `FunnelLedger`.
final class CountingObserver: SDKObserver {
    private(set) var counts = PipelineRig.Counts()

    func event(guid: String, type: String, step: FunnelStep, intendedAt: NIODeadline, at: NIODeadline) {
        switch step {
        case .generated: counts.generated += 1
        case .acked: counts.acked += 1
        case .dropped: counts.dropped += 1
        case .sent(_, let attempt): if attempt > 1 { counts.resends += 1 }
        case .timedOut: counts.timeouts += 1
        default: break
        }
    }
}

/// Where a rig's loop runs, and how the measurement waits for it.
protocol PipelineDriver {
    /// Runs `body` on the loop and returns its result.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (any EventLoop) -> T) throws -> T
    /// Lets the loop run until `check` (evaluated on the loop) holds; false after `timeout`.
    func waitUntil(timeout: Double, _ check: @escaping @Sendable () -> Bool) throws -> Bool
    func shutdown()
}

/// One thread of a MultiThreadedEventLoopGroup: timers fire in wall time. Every wait is bounded,
/// so that a loop too busy to answer (timers firing faster than it runs them) fails the
/// measurement instead of hanging it.
struct PosixDriver: PipelineDriver {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop: any EventLoop
    /// The longest any one call onto the loop may take.
    let callTimeout: Double

    init(callTimeout: Double) throws {
        loop = group.next()
        self.callTimeout = callTimeout
    }

    func onLoop<T: Sendable>(_ body: @escaping @Sendable (any EventLoop) -> T) throws -> T {
        let loop = self.loop
        guard let result = try Self.wait(for: loop.submit { body(loop) }, seconds: callTimeout) else {
            throw MeasurementFailed("the event loop did not run a task within \(format(callTimeout, 0)) s")
        }
        return result
    }

    func waitUntil(timeout: Double, _ check: @escaping @Sendable () -> Bool) throws -> Bool {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1e9))
        while NIODeadline.now() < deadline {
            let left = Double((deadline - NIODeadline.now()).nanoseconds) / 1e9
            guard let done = try Self.wait(for: loop.submit(check), seconds: max(left, 0.001)) else { return false }
            if done { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return false
    }

    func shutdown() {
        let stopped = DispatchSemaphore(value: 0)
        group.shutdownGracefully(queue: .global()) { _ in stopped.signal() }
        if stopped.wait(timeout: .now() + 5) == .timedOut {
            say("warning: the event loop did not stop within 5 s")
        }
    }

    /// The future's value, or nil when it did not complete within `seconds`.
    private static func wait<T: Sendable>(for future: EventLoopFuture<T>, seconds: Double) throws -> T? {
        let done = DispatchSemaphore(value: 0)
        let result = NIOLockedValueBox<Result<T, any Error>?>(nil)
        future.whenComplete { outcome in
            result.withLockedValue { $0 = outcome }
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return try result.withLockedValue { $0 }?.get()
    }
}

/// An EmbeddedEventLoop on this thread: time moves `step` at a time, only when asked.
struct EmbeddedDriver: PipelineDriver {
    let loop = EmbeddedEventLoop()
    let step: TimeAmount

    func onLoop<T: Sendable>(_ body: @escaping @Sendable (any EventLoop) -> T) throws -> T {
        let result = body(loop)
        loop.run()
        return result
    }

    func waitUntil(timeout: Double, _ check: @escaping @Sendable () -> Bool) throws -> Bool {
        // Virtual time: allow `timeout` seconds of it.
        let steps = max(1, Int64(timeout * 1e9) / max(step.nanoseconds, 1))
        for _ in 0..<steps {
            loop.run()
            if check() { return true }
            loop.advanceTime(by: step)
        }
        return check()
    }

    func shutdown() { try? loop.syncShutdownGracefully() }
}
