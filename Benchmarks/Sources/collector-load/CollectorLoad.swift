import ArgumentParser
import BenchSupport
import Foundation
import NIOCore
import NIOPosix
import NIOWebSocket
import RaccoonWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Drives a running collector at 127.0.0.1 as fast as it acks, and prints what it got.
@main
struct CollectorLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector-load",
        abstract: "Drive a Raccoon collector on 127.0.0.1 over WebSocket as fast as it acks.",
        discussion: """
            Opens --connections WebSocket connections (each with its own X-User-ID); once all are up, \
            keeps --window batches in flight on each and sends the next batch as soon as an ack \
            arrives. After \
            --warmup seconds it prints 'phase: measure-start', after --duration more seconds \
            'phase: measure-end' (written at once, so a script can sample the collector's CPU then); \
            then it stops sending, waits for the answers in flight, closes every connection and prints \
            its figures. Every event carries a distinct ClickSwarm event guid (run, device = \
            connection index, sequence), so the collector's unique deliveries should equal the events \
            acked. Exits 1 when no connection could be opened.
            """
    )

    @Option(help: "Collector port on 127.0.0.1.") var port: Int
    @Option(help: "WebSocket connections to open.") var connections = 100
    @Option(help: "Events per batch (SendEventRequest).") var eventsPerBatch = 20
    @Option(help: "Approximate size of one event's event_bytes, in bytes.") var eventSize = 200
    @Option(help: "Seconds measured, after the warmup.") var duration = 10.0
    @Option(help: "Seconds of load before the measured window.") var warmup = 2.0
    @Option(help: "Batches in flight per connection.") var window = 4
    @Option(help: "Event-loop threads of the load tool.") var threads = 1
    @Option(help: "Seconds to wait for answers in flight and closes after the window.") var drainTimeout = 5.0
    @Option(help: "Seconds allowed for connecting and upgrading all connections.") var connectTimeout = 10.0
    @Option(
        help: """
            How batches are masked: pre-masked (framed and masked once per connection, digits patched \
            in place) or nio-masking (copied per send and masked by NIO's frame encoder).
            """)
    var masking = "pre-masked"
    @Option(help: "Also write the figures as JSON to this file.") var json: String?

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1-65535") }
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard eventsPerBatch >= 1 else { throw ValidationError("--events-per-batch must be at least 1") }
        guard eventSize >= 1 else { throw ValidationError("--event-size must be at least 1") }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard drainTimeout > 0, connectTimeout > 0 else { throw ValidationError("timeouts must be positive") }
        guard ConnectionBatches.Mode(rawValue: masking) != nil else {
            throw ValidationError("--masking must be pre-masked or nio-masking")
        }
    }

    func run() throws {
        let layout = try BatchLayout(eventsPerBatch: eventsPerBatch, eventSize: eventSize)
        let mode = ConnectionBatches.Mode(rawValue: masking) ?? .preMasked
        let runID = UInt32.random(in: 1...UInt32.max)
        say(
            "collector-load: 127.0.0.1:\(port), \(connections) connections x window \(window), "
                + "\(eventsPerBatch) events/batch, event_bytes \(layout.eventBytesSize) B, "
                + "batch \(layout.bytes.count) B, \(threads) thread(s), \(mode.rawValue), run \(String(runID, radix: 16))"
        )

        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }
        let loops = Array(group.makeIterator())
        let tallies = try loops.map { loop in
            try loop.submit { NIOLoopBound(LoopTally(), eventLoop: loop) }.wait()
        }

        // Connect in slices, so a large count does not overrun the collector's accept backlog.
        let connectStart = NIODeadline.now()
        var channels: [any Channel] = []
        var connectFailures = 0
        var failureSamples: [String] = []
        let slice = 250
        for sliceStart in stride(from: 0, to: connections, by: slice) {
            var pending: [(EventLoopFuture<any Channel>, EventLoopFuture<Void>)] = []
            for index in sliceStart..<min(connections, sliceStart + slice) {
                let loopIndex = index % loops.count
                pending.append(
                    connect(
                        index: index, runID: runID, layout: layout, mode: mode, loop: loops[loopIndex],
                        tally: tallies[loopIndex]))
            }
            for (channelFuture, upgraded) in pending {
                do {
                    let channel = try channelFuture.wait()
                    channels.append(channel)
                    try upgraded.wait()
                } catch {
                    connectFailures += 1
                    if failureSamples.count < 3 { failureSamples.append("\(error)") }
                }
            }
        }
        let opened = connections - connectFailures
        let connectSeconds = seconds(since: connectStart)
        say("connected: \(opened) of \(connections) in \(format(connectSeconds, 2)) s")
        for sample in failureSamples { say("connect failure: \(sample)") }
        guard opened > 0 else {
            say("error: no connection to 127.0.0.1:\(port) could be opened and upgraded")
            throw ExitCode(1)
        }

        // Connections send nothing until all are up, so the load never slows the connecting.
        for (loop, tally) in zip(loops, tallies) {
            loop.execute { tally.value.startAll() }
        }
        if warmup > 0 {
            say("phase: warmup \(format(warmup, 1)) s")
            Thread.sleep(forTimeInterval: warmup)
        }
        let before = try snapshot(tallies)
        let cpuBefore = processCPUSeconds()
        let windowStart = NIODeadline.now()
        say("phase: measure-start")
        Thread.sleep(forTimeInterval: duration)
        let after = try snapshot(tallies)
        let cpuAfter = processCPUSeconds()
        let windowSeconds = seconds(since: windowStart)
        say("phase: measure-end")

        // Stop sending, let the answers in flight come, then close; force what does not close.
        let stopStart = NIODeadline.now()
        for (loop, tally) in zip(loops, tallies) {
            loop.execute { tally.value.stopAll() }
        }
        let drain = TimeAmount.nanoseconds(Int64(drainTimeout * 1e9))
        for channel in channels {
            channel.eventLoop.scheduleTask(in: drain) { channel.close(promise: nil) }
        }
        try EventLoopFuture.andAllComplete(channels.map(\.closeFuture), on: loops[0]).wait()
        let stopSeconds = seconds(since: stopStart)
        let total = try snapshot(tallies)

        let report = Report(
            port: port, runID: runID, connectionsRequested: connections, connectionsOpened: opened,
            connectFailures: connectFailures, connectSeconds: connectSeconds, eventsPerBatch: eventsPerBatch,
            eventBytesSize: layout.eventBytesSize, batchBytes: layout.bytes.count, window: window, threads: threads,
            masking: mode.rawValue, warmupSeconds: warmup, windowSeconds: windowSeconds,
            windowBatchesAcked: after.batchesAcked - before.batchesAcked,
            windowEventsAcked: after.eventsAcked - before.eventsAcked,
            windowLoadCPUSeconds: cpuAfter - cpuBefore, stopSeconds: stopSeconds, total: total,
            errors: total.errors + UInt64(connectFailures))
        report.print(say)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
    }

    /// Starts one connection; the second future succeeds once the collector answered 101.
    private func connect(
        index: Int,
        runID: UInt32,
        layout: BatchLayout,
        mode: ConnectionBatches.Mode,
        loop: any EventLoop,
        tally: NIOLoopBound<LoopTally>
    ) -> (EventLoopFuture<any Channel>, EventLoopFuture<Void>) {
        let payload = layout.connectionPayload(run: runID, device: UInt32(index), connection: UInt32(index))
        let upgraded = loop.makePromise(of: Void.self)
        let request = ByteBuffer(
            string: "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\nX-User-ID: load-\(String(runID, radix: 16))-\(index)\r\n\r\n")
        let timeout = TimeAmount.nanoseconds(Int64(connectTimeout * 1e9))
        let window = self.window
        let channel = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handshake = HandshakeHandler(request: request, timeout: timeout, done: upgraded)
                    let handler = LoadConnectionHandler(
                        batches: ConnectionBatches(layout: layout, payload: payload, mode: mode),
                        rawWriter: handshake, tally: tally.value, window: window)
                    tally.value.handlers.append(handler)
                    try channel.pipeline.syncOperations.addHandlers(
                        handshake,
                        ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)),
                        WebSocketFrameEncoder(),
                        handler)
                }
            }
            .connect(host: "127.0.0.1", port: port)
        channel.whenFailure { upgraded.fail($0) }
        return (channel, upgraded.futureResult)
    }

    private func snapshot(_ tallies: [NIOLoopBound<LoopTally>]) throws -> TallySnapshot {
        var merged = TallySnapshot()
        for tally in tallies {
            merged.merge(try tally.eventLoop.submit { tally.value.snapshot() }.wait())
        }
        return merged
    }
}

/// The figures, as printed and as written with --json.
struct Report: Codable {
    var port: Int
    var runID: UInt32
    var connectionsRequested: Int
    var connectionsOpened: Int
    var connectFailures: Int
    var connectSeconds: Double
    var eventsPerBatch: Int
    var eventBytesSize: Int
    var batchBytes: Int
    var window: Int
    var threads: Int
    var masking: String
    var warmupSeconds: Double
    var windowSeconds: Double
    var windowBatchesAcked: UInt64
    var windowEventsAcked: UInt64
    var windowLoadCPUSeconds: Double
    var stopSeconds: Double
    /// Everything from connect to close: warmup, window and drain.
    var total: TallySnapshot
    /// Everything that went wrong: failed connections, error answers, unmatched answers,
    /// unexpected frames or closes, channel errors, batches unanswered at close.
    var errors: UInt64

    func print(_ say: (String) -> Void) {
        let eventsPerSecond = Double(windowEventsAcked) / windowSeconds
        say("window: \(format(windowSeconds, 3)) s")
        say("window batches acked: \(windowBatchesAcked) (\(format(Double(windowBatchesAcked) / windowSeconds, 0))/s)")
        say("window events acked: \(windowEventsAcked) (\(format(eventsPerSecond, 0))/s)")
        let perMillion = windowEventsAcked > 0 ? windowLoadCPUSeconds / Double(windowEventsAcked) * 1e6 : 0
        say(
            "load tool CPU in window: \(format(windowLoadCPUSeconds, 2)) s "
                + "(\(format(perMillion, 2)) s per million events)")
        say("total batches sent: \(total.batchesSent), acked: \(total.batchesAcked)")
        say("total events acked: \(total.eventsAcked)")
        say(
            "errors: \(errors) (connect \(connectFailures), error answers \(total.errorAnswers), "
                + "unmatched \(total.unmatchedAnswers), unexpected frames \(total.unexpectedFrames), "
                + "unexpected closes \(total.unexpectedCloses), channel \(total.channelErrors), "
                + "unanswered at close \(total.unansweredAtClose))")
        for sample in total.errorSamples { say("error sample: \(sample)") }
        say("stopped and closed in \(format(stopSeconds, 2)) s")
    }
}

/// Writes a line at once, unbuffered: a script reading the output through a pipe acts on the
/// phase lines as they come.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

func seconds(since start: NIODeadline) -> Double {
    Double((NIODeadline.now() - start).nanoseconds) / 1e9
}
