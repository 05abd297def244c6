import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import UnixSignals

/// Runs one long job of a command (a scenario run, the collector) as the only service of a
/// swift-service-lifecycle `ServiceGroup`, so that SIGINT and SIGTERM end it gracefully: the first
/// signal triggers the group's graceful shutdown, which calls `stop` (a run stops its journeys
/// and writes its report); a second signal calls `hurry` (stop now, skip what can wait, still
/// write what there is). The job's own return ends the group.
package struct SignalledJob<Result: Sendable>: Sendable {
    package let logger: Logger
    /// Told of each signal as it arrives (to say so on the terminal), with its number (1, 2, ...).
    package var noticed: @Sendable (UnixSignal, Int) -> Void = { _, _ in }
    /// The first signal: stop gracefully.
    package var stop: @Sendable () -> Void = {}
    /// The second signal: hurry.
    package var hurry: @Sendable () -> Void = {}

    package init(logger: Logger) {
        self.logger = logger
    }

    /// Runs `job` to its end and returns what it returned.
    package func run(_ job: @escaping @Sendable () async -> Result) async -> Result? {
        let service = JobService(job: job, job: self)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(
                        service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.debug("service group ended with an error", metadata: ["error": "\(error)"])
        }
        return service.result.withLockedValue { $0 }
    }
}

/// The job as a service: it runs the job under a graceful-shutdown handler and, beside it,
/// counts the signals for the second one.
private final class JobService<Result: Sendable>: Service, Sendable {
    let work: @Sendable () async -> Result
    let settings: SignalledJob<Result>
    let result = NIOLockedValueBox<Result?>(nil)

    init(job work: @escaping @Sendable () async -> Result, job settings: SignalledJob<Result>) {
        self.work = work
        self.settings = settings
    }

    func run() async throws {
        let settings = self.settings
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let watcher = Task {
            var count = 0
            for await signal in signals {
                count += 1
                settings.noticed(signal, count)
                if count >= 2 { settings.hurry() }
            }
        }
        defer { watcher.cancel() }
        let value = await withGracefulShutdownHandler {
            await work()
        } onGracefulShutdown: {
            settings.stop()
        }
        result.withLockedValue { $0 = value }
    }
}
