import ClickstreamSDK
import Foundation

/// How a connection step reads in a device timeline (`kind` `connection`).
extension ConnectionStep {
    /// `attempt`, `connected`, `failed` or `closed`.
    var timelineWhat: String {
        switch self {
        case .attempt: return "attempt"
        case .connected: return "connected"
        case .failed: return "failed"
        case .closed: return "closed"
        }
    }

    /// The time to connect in milliseconds, the failure's reason, or the close's reason and code.
    var timelineDetails: [String: String] {
        switch self {
        case .attempt: return [:]
        case .connected(let took): return ["took_ms": String(format: "%.1f", Double(took.nanoseconds) / 1e6)]
        case .failed(let reason, let detail):
            return detail.map { ["reason": reason, "detail": $0] } ?? ["reason": reason]
        case .closed(let code, let reason): return ["reason": reason, "code": code.map { "\($0)" } ?? "none"]
        }
    }
}
