import Dispatch
import Foundation

/// Pushes live progress during a run (`--push-interval`): to the Pushgateway group of the run
/// when one is set (the final push later replaces it), else a small JSON to the report URL.
///
/// `offer` is cheap and never blocks (call it from the runner's progress tick); transfers run one
/// at a time on a serial Dispatch queue. When a push is still running at the next interval, only
/// the newest figures wait. Live pushes are not retried (the next interval is the retry), and a
/// failed one only warns: the final push decides the exit code.
package final class LivePublisher: Sendable {
    private let settings: PushSettings
    private let scenario: String
    private let interval: Double
    private let warn: @Sendable (String) -> Void
    private let queue = DispatchQueue(label: "clickswarm.live-push")
    private let state = Locked(State())

    private struct State {
        var lastOffered: Double?
        var waiting: (runID: String, counters: ProgressCounters, elapsed: Double)?
        var sending = false
        var closed = false
        var failing = false
        var results: [PushResult] = []
    }

    /// Nil when `settings` ask for no live push (no interval, or nowhere to push).
    package init?(settings: PushSettings, scenario: String, warn: @escaping @Sendable (String) -> Void) {
        guard let interval = settings.interval, interval > 0, !settings.isEmpty else { return nil }
        self.settings = settings
        self.scenario = scenario
        self.interval = interval
        self.warn = warn
    }

    /// The figures of the run so far; pushed when an interval has passed since the last push.
    package func offer(runID: String, counters: ProgressCounters, elapsed: Double) {
        let start = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            if let last = state.lastOffered, elapsed - last < interval * 0.95 { return false }
            state.lastOffered = elapsed
            state.waiting = (runID, counters, elapsed)
            guard !state.sending else { return false }
            state.sending = true
            return true
        }
        if start { queue.async { self.drain() } }
    }

    /// Stops taking figures and waits for the pushes already offered (at most one running and one
    /// waiting); returns every live push's result.
    package func finish() async -> [PushResult] {
        state.withLock { $0.closed = true }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { continuation.resume() }
        }
        return state.withLock { $0.results }
    }

    private func drain() {
        while let next = state.withLock({ state -> (runID: String, counters: ProgressCounters, elapsed: Double)? in
            guard let waiting = state.waiting else {
                state.sending = false
                return nil
            }
            state.waiting = nil
            return waiting
        }) {
            let result = push(runID: next.runID, counters: next.counters, elapsed: next.elapsed)
            let warning = state.withLock { state -> String? in
                state.results.append(result)
                defer { state.failing = !result.succeeded }
                return result.succeeded || state.failing ? nil : result.description
            }
            if let warning { warn("clickswarm: warning: \(warning); the run goes on, the next interval tries again") }
        }
    }

    private func push(runID: String, counters: ProgressCounters, elapsed: Double) -> PushResult {
        var once = settings
        once.retry = PushRetryPolicy(retries: 0)
        let url: PushURL
        let request: CurlRequest
        if let base = settings.pushgatewayURL {
            url = PushgatewayPayload.groupURL(base, scenario: scenario, runID: runID)
            let body = Array(PushgatewayPayload.live(counters, elapsed: elapsed).utf8)
            request = Publisher.request("PUT", url, body, contentType: PushgatewayPayload.contentType, once)
        } else {
            url = settings.reportURL!
            let live = LiveProgress(runID: runID, scenario: scenario, elapsed: elapsed, counters: counters)
            let body = Array(live.jsonData)
            request = Publisher.request("POST", url, body, contentType: "application/json", once)
        }
        return Publisher.send(request, payload: .liveProgress, url: url, policy: once.retry, secrets: settings.secrets)
    }
}

/// The small JSON a live push posts to the report URL (`"kind": "live_progress"`; the final
/// report has `schema_version` instead).
struct LiveProgress: Encodable {
    var kind = "live_progress"
    var runID: String
    var scenario: String
    var elapsedS: Double
    var devicesOnline: Int
    var generated: UInt64
    var acked: UInt64
    var dropped: UInt64
    var sampledOut: UInt64
    var connects: UInt64
    var connectFailures: UInt64
    var disconnects: UInt64
    var latencyP99Ms: Double?

    init(runID: String, scenario: String, elapsed: Double, counters: ProgressCounters) {
        self.runID = runID
        self.scenario = scenario
        elapsedS = (elapsed * 1000).rounded() / 1000
        devicesOnline = counters.devicesOnline
        generated = counters.generated
        acked = counters.acked
        dropped = counters.dropped
        sampledOut = counters.sampledOut
        connects = counters.connects
        connectFailures = counters.connectFailures
        disconnects = counters.disconnects
        latencyP99Ms = counters.latencyP99Milliseconds
    }

    enum CodingKeys: String, CodingKey {
        case kind, scenario, generated, acked, dropped, connects, disconnects
        case runID = "run_id"
        case elapsedS = "elapsed_s"
        case devicesOnline = "devices_online"
        case sampledOut = "sampled_out"
        case connectFailures = "connect_failures"
        case latencyP99Ms = "latency_p99_ms"
    }

    var jsonData: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}

/// A value behind a lock.
///
/// `@unchecked Sendable` is safe: `value` is private and only touched inside `withLock`, which
/// holds `lock` for the whole access, so no two threads ever see it at once.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
