/// How one push ended. `description` is the line to show a user: URL without credentials, HTTP
/// status or libcurl's error text, and the attempts made; never a header value.
public struct PushResult: Sendable, Equatable, CustomStringConvertible {
    public enum Payload: String, Sendable {
        case report = "the JSON report"
        case metrics = "the metrics"
        case liveProgress = "live progress"
    }

    public var payload: Payload
    /// Without credentials or query.
    public var url: String
    public var attempts: Int
    /// The last HTTP status; nil when the last attempt got no answer.
    public var status: Int?
    /// Why it failed; nil when it succeeded.
    public var failure: String?

    public var succeeded: Bool { failure == nil }

    public var description: String {
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        guard let failure else {
            return "pushed \(payload.rawValue) to \(url) (HTTP \(status ?? 0), \(tries))"
        }
        return "push of \(payload.rawValue) to \(url) failed after \(tries): \(failure)"
    }
}
