import ClickstreamSDK

/// How an event's funnel step reads in a device timeline (`kind` `event`).
extension FunnelStep {
    /// Like `generated`, `sampled out`, `error answer`.
    var timelineWhat: String {
        switch self {
        case .generated: return "generated"
        case .sampledOut: return "sampled out"
        case .dropped: return "dropped"
        case .stored: return "stored"
        case .batched: return "batched"
        case .sent: return "sent"
        case .acked: return "acked"
        case .errorAnswer: return "error answer"
        case .timedOut: return "timed out"
        case .released: return "released"
        }
    }

    /// The event's guid and type, and the step's request, attempt, reason or code.
    func timelineDetails(guid: String, type: String) -> [String: String] {
        var details = ["guid": guid, "type": type]
        switch self {
        case .generated, .sampledOut, .stored: break
        case .dropped(let reason): details["reason"] = reason
        case .batched(let request), .acked(let request), .timedOut(let request), .released(let request):
            details["request"] = request
        case .sent(let request, let attempt):
            details["request"] = request
            details["attempt"] = "\(attempt)"
        case .errorAnswer(let request, let code):
            details["request"] = request
            details["code"] = "\(code)"
        }
        return details
    }
}
