import RaccoonWire

/// What Raccoon sends a WebSocket connection its table refused, right after the 101: a binary
/// response with no data map, then close 1008 with a reason, then TCP closes.
///
/// Today's Raccoon (v0.1.5 and later, `upgrader.go:71-89`) names the identity in the duplicate
/// answer; v0.1.3 and v0.1.4 answered both refusals with `CODE_MAX_USER_LIMIT_REACHED` and an
/// empty reason (raystack/raccoon#40), which `legacy` reproduces.
package struct ConnectionRejection: Equatable, Sendable {
    package var code: RaccoonCode
    /// The response's `reason`.
    package var reason: String
    /// The reason in the close frame (code 1008).
    package var closeReason: String

    /// The answer to a refused registration; `nil` for an accepted one.
    package init?(_ registration: ConnectionTable.Registration, identity: ConnectionIdentity, legacy: Bool) {
        switch (registration, legacy) {
        case (.accepted, _):
            return nil
        case (.rejectedMaxConnections, false):
            self.init(
                code: .maxConnectionLimitReached, reason: "max connection reached",
                closeReason: "Max connection reached")
        case (.rejectedDuplicate, false):
            // Raccoon's own format, trailing comma included: "duplicated connection: [group] id,".
            self.init(
                code: .maxUserLimitReached, reason: "duplicated connection: [\(identity.group)] \(identity.id),",
                closeReason: "duplicate connection: \(identity.id)")
        case (.rejectedMaxConnections, true):
            self.init(code: .maxUserLimitReached, reason: "", closeReason: "Max connection reached")
        case (.rejectedDuplicate, true):
            self.init(code: .maxUserLimitReached, reason: "", closeReason: "Duplicate connection")
        }
    }

    package init(code: RaccoonCode, reason: String, closeReason: String) {
        self.code = code
        self.reason = reason
        self.closeReason = closeReason
    }

    /// The response message: `STATUS_ERROR`, the code and reason, and no data map.
    package func response(serverTime: Int64) -> SendEventResponse {
        var response = SendEventResponse()
        response.status = .error
        response.code = code
        response.sentTime = serverTime
        response.reason = reason
        return response
    }
}
