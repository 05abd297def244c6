import Logging
import NIOConcurrencyHelpers

/// The logger a command hands its libraries: log lines go to standard error (standard output
/// carries the summary and the report path), at the level the user asked for.
package enum CommandLogging {
    /// The levels `--log-level` takes, in order.
    package static let levels = Logger.Level.allCases.map(\.rawValue)

    /// Why a `--log-level` value is not a level.
    package struct InvalidLevel: Error, CustomStringConvertible {
        package var text: String
        package var description: String {
            "--log-level must be one of \(CommandLogging.levels.joined(separator: ", ")), not '\(text)'"
        }
    }

    private static let bootstrapped = NIOLockedValueBox(false)

    /// A logger labelled `label` at `level`; the first call points the logging system at
    /// standard error.
    package static func logger(label: String, level text: String) throws(InvalidLevel) -> Logger {
        guard let level = Logger.Level(rawValue: text) else { throw InvalidLevel(text: text) }
        let first = bootstrapped.withLockedValue { done in
            defer { done = true }
            return !done
        }
        if first { LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) } }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
