import ClickstreamSDK

extension FunnelDetail {
    /// The timeline entry's `what` for a step that explains duplicates.
    var timelineWhat: String {
        switch self {
        case .restamped(_, _, let wasSent): return wasSent ? "re-stamped after it was sent" : "re-stamped"
        case .reset: return "reset for a resend"
        case .answerIgnored: return "answer ignored"
        }
    }

    /// Its details: the request guids involved.
    var timelineDetails: [String: String] {
        switch self {
        case .restamped(let request, let previous, _):
            return ["request": request, "previous": previous ?? "none"]
        case .reset(let request), .answerIgnored(let request):
            return ["request": request]
        }
    }
}
