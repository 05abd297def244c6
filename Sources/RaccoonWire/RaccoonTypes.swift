import SwiftProtobuf

/// Short names for the generated Raccoon messages (package `raystack.raccoon.v1beta1`).
public typealias SendEventRequest = Raystack_Raccoon_V1beta1_SendEventRequest
public typealias SendEventResponse = Raystack_Raccoon_V1beta1_SendEventResponse
public typealias RaccoonEvent = Raystack_Raccoon_V1beta1_Event
public typealias RaccoonStatus = Raystack_Raccoon_V1beta1_Status
public typealias RaccoonCode = Raystack_Raccoon_V1beta1_Code
public typealias RaccoonPlatform = Raystack_Raccoon_V1beta1_Platform
public typealias ProtoTimestamp = Google_Protobuf_Timestamp

/// How a request or response is encoded on the wire.
public enum WireEncoding: String, Sendable, Hashable, CaseIterable {
    /// Binary protobuf: WebSocket binary frames, `Content-Type: application/proto`.
    case protobuf
    /// Raccoon's JSON form (Go `encoding/json`): WebSocket text frames, `Content-Type: application/json`.
    case json

    /// The REST content type, exactly as Raccoon expects it.
    public var contentType: String {
        switch self {
        case .protobuf: return "application/proto"
        case .json: return "application/json"
        }
    }

    public init?(contentType: String) {
        switch contentType {
        case "application/proto": self = .protobuf
        case "application/json": self = .json
        default: return nil
        }
    }
}

extension SendEventResponse {
    /// A response with `data["req_guid"]` set, as Raccoon writes them.
    public static func make(
        status: RaccoonStatus,
        code: RaccoonCode,
        sentTime: Int64,
        reason: String = "",
        reqGUID: String
    ) -> SendEventResponse {
        var response = SendEventResponse()
        response.status = status
        response.code = code
        response.sentTime = sentTime
        response.reason = reason
        response.data = ["req_guid": reqGUID]
        return response
    }
}
