import Collector

/// Starts a collector on a free loopback port (two event loops) for one test, runs `body`, and
/// always shuts the collector down.
public func withCollector<T>(
    _ change: (inout CollectorConfiguration) -> Void = { _ in },
    _ body: (CollectorServer) async throws -> T
) async throws -> T {
    var configuration = CollectorConfiguration()
    configuration.port = 0
    configuration.threads = 2
    change(&configuration)
    let server = try await CollectorServer.start(configuration: configuration)
    do {
        let result = try await body(server)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

/// A condition that did not come true in time.
public struct ConditionTimeout: Error, CustomStringConvertible {
    public var timeout: Duration
    public var file: String
    public var line: Int
    public var description: String { "condition at \(file):\(line) not met within \(timeout)" }
}

/// Polls a condition that another thread makes true (a close being processed, say); throws
/// `ConditionTimeout` when it is still false after `timeout`. The default is a runaway bound,
/// not a speed check: a condition met sooner returns at once, and on a loaded two-core CI machine
/// with the whole suite in parallel a loopback connect through a conditioned link once took over
/// 5 s (speed is for the benchmarks).
public func waitUntil(
    timeout: Duration = .seconds(30),
    file: String = #fileID,
    line: Int = #line,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw ConditionTimeout(timeout: timeout, file: file, line: line)
}
