/// How one push ended. `description` is the line to show a user: URL without credentials, HTTP
/// status or libcurl's error text, and the attempts made; never a header value.
package struct PushResult: Sendable, Equatable, CustomStringConvertible {
    package enum Payload: String, Sendable {
        case report = "the JSON report"
        case metrics = "the metrics"
        case liveProgress = "live progress"
    }

    package var payload: Payload
    /// Without credentials or query.
    package var url: String
    package var attempts: Int
    /// The last HTTP status; nil when the last attempt got no answer.
    package var status: Int?
    /// Why it failed; nil when it succeeded.
    package var failure: String?

    package var succeeded: Bool { failure == nil }

    package var description: String {
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        guard let failure else {
            return "pushed \(payload.rawValue) to \(url) (HTTP \(status ?? 0), \(tries))"
        }
        return "push of \(payload.rawValue) to \(url) failed after \(tries): \(failure)"
    }
}
